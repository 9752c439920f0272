"""The report's trace section: per-path breakdown, slowest traces, cold starts joined."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from loadtests.report.build import build_report
from loadtests.report.raw import SEGMENTS, ColdStart, LambdaReport, raw_dir
from loadtests.report.tracing import time_trace, trace_section
from strangler_core.traces import build_traces
from tests.loadtests.report.synthetic import write_synthetic
from tests.strangler.measure.test_traces import T1, T2, cold_lambda_trace, monolith_trace


def with_request_id(segments: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    out = copy.deepcopy(segments)
    for doc in out:
        if doc.get("origin") == "AWS::Lambda":
            doc["aws"] = {"request_id": request_id}
    return out


def warm_lambda_trace() -> list[dict[str, Any]]:
    root = "1-5759e988-000000000000000000000003"
    segments = cold_lambda_trace(root, t0=300.0)
    for doc in segments:
        doc["trace_id"] = root
        doc["id"] = doc["id"][:-1] + "3"
        if "parent_id" in doc:
            doc["parent_id"] = doc["parent_id"][:-1] + "3"
        if doc.get("origin") == "AWS::Lambda::Function":
            doc["subsegments"] = doc["subsegments"][1:]
    return segments


def test_a_cold_lambda_trace_splits_into_components() -> None:
    trace = build_traces(with_request_id(cold_lambda_trace(), "req-0"))[T1]
    timing = time_trace(trace)
    assert timing is not None
    assert (timing.path, timing.cold, timing.lambda_request_id) == ("lambda", True, "req-0")
    parts = {k: round(v, 3) for k, v in timing.parts.items()}
    assert parts == {"gateway": 7.0, "init": 284.0, "handler": 30.0, "sql": 20.0, "other": 11.0}
    assert sum(timing.parts.values()) == pytest.approx(timing.total_ms)


def test_a_monolith_trace_has_gateway_and_handler() -> None:
    timing = time_trace(build_traces(monolith_trace())[T2])
    assert timing is not None and timing.path == "monolith" and not timing.cold
    assert timing.parts["gateway"] == pytest.approx(2.0)
    assert timing.parts["handler"] == pytest.approx(8.0)


def test_section_groups_ranks_and_joins_cold_starts() -> None:
    segments = with_request_id(cold_lambda_trace(), "req-0") + monolith_trace()
    segments += warm_lambda_trace()
    cold = [ColdStart(t=1.0, request_id="req-0", latency_ms=400.0, init_ms=280.0, sandbox_id="sb")]
    reports = [
        LambdaReport(
            request_id="req-0",
            duration_ms=50.0,
            billed_ms=50,
            memory_mb=512,
            max_memory_mb=80,
            init_ms=283.5,
            status="success",
            timestamp="t",
        )
    ]
    section = trace_section(segments, cold, reports, top=2)
    assert section is not None and section.traces == 3
    assert [(b.path, b.kind, b.count) for b in section.breakdowns] == [
        ("monolith", "warm", 1),
        ("lambda", "warm", 1),
        ("lambda", "cold", 1),
    ]
    assert [t.trace_id for t in section.slowest] == [T1, "1-5759e988-000000000000000000000003"]
    (joined,) = section.cold_starts
    assert (joined.trace_id, joined.client_latency_ms, joined.init_ms) == (T1, 400.0, 283.5)
    doc = section.to_json()
    assert doc["breakdown_ms"]["lambda/cold"]["init"] == 284.0
    assert trace_section([]) is None


@pytest.fixture(scope="module")
def traced_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = write_synthetic(tmp_path_factory.mktemp("run") / "20261123T140000Z-rides")
    segments = with_request_id(cold_lambda_trace(), "req-0") + monolith_trace()
    lines = "\n".join(json.dumps(s) for s in segments) + "\n"
    (raw_dir(run_dir) / SEGMENTS).write_text(lines)
    build_report(run_dir)
    return run_dir


def test_report_files_carry_the_trace_section(traced_run: Path) -> None:
    doc = json.loads((traced_run / "report.json").read_text())
    assert doc["traces"]["traces"] == 2
    assert doc["traces"]["cold_starts"][0]["lambda_request_id"] == "req-0"
    summary = (traced_run / "summary.md").read_text()
    assert "### Where the time goes" in summary and f"`{T1}`" in summary
    html = (traced_run / "index.html").read_text()
    assert 'id="trace-breakdown"' in html and 'id="cold-start-traces"' in html


def test_a_run_without_segments_still_builds(tmp_path: Path) -> None:
    run_dir = write_synthetic(tmp_path / "run")
    build_report(run_dir)
    doc = json.loads((run_dir / "report.json").read_text())
    assert doc["traces"] is None
    assert "Where the time goes" not in (run_dir / "summary.md").read_text()
