"""``strangler traces``: trees from whole and streamed segments, slowest traces, the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strangler.measure.traces import render_trace, traces_report
from strangler_core.traces import TraceFileError, build_traces, load_segments, slowest

T1 = "1-5759e988-bd862e3fe1be46a994272793"
T2 = "1-5759e988-000000000000000000000002"


def cold_lambda_trace(root: str = T1, t0: float = 100.0) -> list[dict[str, Any]]:
    """Gateway -> AWS::Lambda -> function (init, invocation, overhead) + a streamed handler
    subsegment with one SQL query, in the order they arrive at the collector."""
    return [
        {
            "trace_id": root,
            "id": "c000000000000001",
            "type": "subsegment",
            "parent_id": "f000000000000001",
            "name": "wildrydes",
            "start_time": t0 + 0.300,
            "end_time": t0 + 0.340,
            "subsegments": [
                {
                    "id": "d000000000000001",
                    "name": "db@localhost",
                    "namespace": "remote",
                    "start_time": t0 + 0.310,
                    "end_time": t0 + 0.330,
                    "sql": {"sanitized_query": "SELECT  *\n FROM wildrydes_unicorn"},
                }
            ],
        },
        {
            "trace_id": root,
            "id": "b000000000000001",
            "parent_id": "a000000000000001",
            "name": "wildrydes",
            "origin": "AWS::Lambda",
            "start_time": t0 + 0.005,
            "end_time": t0 + 0.350,
        },
        {
            "trace_id": root,
            "id": "f000000000000001",
            "parent_id": "b000000000000001",
            "name": "wildrydes",
            "origin": "AWS::Lambda::Function",
            "start_time": t0 + 0.006,
            "end_time": t0 + 0.349,
            "subsegments": [
                {
                    "id": "e000000000000001",
                    "name": "Initialization",
                    "start_time": t0 + 0.006,
                    "end_time": t0 + 0.290,
                },
                {
                    "id": "e000000000000002",
                    "name": "Invocation",
                    "start_time": t0 + 0.295,
                    "end_time": t0 + 0.345,
                },
                {
                    "id": "e000000000000003",
                    "name": "Overhead",
                    "start_time": t0 + 0.345,
                    "end_time": t0 + 0.349,
                },
            ],
        },
        {
            "trace_id": root,
            "id": "a000000000000001",
            "name": "local/$default",
            "origin": "AWS::ApiGateway::Stage",
            "start_time": t0,
            "end_time": t0 + 0.352,
            "http": {"request": {"method": "GET", "url": "/unicorns"}, "response": {"status": 200}},
        },
    ]


def monolith_trace(root: str = T2, t0: float = 200.0) -> list[dict[str, Any]]:
    return [
        {
            "trace_id": root,
            "id": "a000000000000002",
            "name": "local/$default",
            "origin": "AWS::ApiGateway::Stage",
            "start_time": t0,
            "end_time": t0 + 0.010,
        },
        {
            "trace_id": root,
            "id": "b000000000000002",
            "parent_id": "a000000000000002",
            "name": "wildrydes",
            "start_time": t0 + 0.001,
            "end_time": t0 + 0.009,
            "http": {"response": {"status": 404}},
            "error": True,
        },
    ]


def test_streamed_subsegments_nest_under_their_parents() -> None:
    traces = build_traces(cold_lambda_trace() + monolith_trace())
    assert set(traces) == {T1, T2}
    (stage,) = traces[T1].roots
    (service,) = stage.children
    (function,) = service.children
    assert [c.name for c in function.children] == [
        "Initialization",
        "Invocation",
        "wildrydes",
        "Overhead",
    ]
    handler = function.children[2]
    assert handler.children[0].document["sql"]
    assert traces[T1].duration_ms == pytest.approx(352.0)


def test_render_trace_is_an_indented_tree() -> None:
    text = render_trace(cold_lambda_trace(), T1)
    lines = text.splitlines()
    assert lines[0] == f"trace {T1}  352.0 ms"
    assert lines[1].startswith("  local/$default [AWS::ApiGateway::Stage]  +0.0 ms  352.0 ms")
    assert "GET /unicorns  200" in lines[1]
    assert lines[2].startswith("    wildrydes [AWS::Lambda]  +5.0 ms")
    assert lines[4].startswith("        Initialization  +6.0 ms  284.0 ms")
    assert lines[7].strip().startswith("db@localhost") and "SELECT * FROM wildrydes_unicorn" in text
    assert render_trace([], "1-00000000-000000000000000000000000").endswith("no segments\n")


def test_an_orphan_becomes_a_root_and_in_progress_is_shown() -> None:
    segments = [
        {
            "trace_id": T1,
            "id": "0000000000000001",
            "parent_id": "ffffffffffffffff",
            "name": "orphan",
            "start_time": 1.0,
            "in_progress": True,
        },
    ]
    text = render_trace(segments)
    assert "orphan  +0.0 ms  0.0 ms  in progress" in text


def test_slowest_ranks_traces_by_duration() -> None:
    segments = monolith_trace() + cold_lambda_trace()
    assert slowest(segments, 1) == [(T1, pytest.approx(352.0))]
    assert [tid for tid, _ in slowest(segments, 5)] == [T1, T2]


def test_load_segments_from_a_run_dir_or_a_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "segments.jsonl").write_text(
        "\n".join(json.dumps(s) for s in cold_lambda_trace()) + "\n\n"
    )
    assert len(load_segments(tmp_path)) == 4
    assert load_segments(raw / "segments.jsonl") == load_segments(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(TraceFileError, match=r"no segments\.jsonl"):
        load_segments(tmp_path / "empty")
    with pytest.raises(TraceFileError, match="cannot read"):
        load_segments(tmp_path / "missing.jsonl")
    (tmp_path / "bad.jsonl").write_text("{}\nnot json\n")
    with pytest.raises(TraceFileError, match=r"bad\.jsonl:2"):
        load_segments(tmp_path / "bad.jsonl")


def test_traces_report_lists_the_slowest_then_draws_one() -> None:
    segments = cold_lambda_trace() + monolith_trace()
    text = traces_report(segments, None, top=5)
    assert text.startswith("2 traces; slowest 2:")
    assert f"trace {T1}" in text
    assert traces_report(segments, T2, top=5).startswith(f"trace {T2}")
    assert traces_report([], None) == "no traces\n"
