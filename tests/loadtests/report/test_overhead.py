"""The harness's own overhead in the report: per-probe differences, percentiles, latency net of
it, and where the report says so (report.json, summary.md, the verdict; its sentence alone is
in test_verdict.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.report import build_report, write_raw
from loadtests.report.metrics import Latency
from loadtests.report.overhead import (
    P50P99,
    Overhead,
    overhead_of,
    percentile,
    summarize_overhead,
)
from loadtests.report.raw import OVERHEAD, OverheadProbe, RawFormatError
from tests.loadtests.report.synthetic import raw_run


def test_percentile_is_the_nearest_rank() -> None:
    hundred = [float(v) for v in range(1, 101)]
    assert (percentile(hundred, 50), percentile(hundred, 99), percentile(hundred, 100)) == (
        50.0,
        99.0,
        100.0,
    )
    # ten probes: p99 is the slowest of them, p50 the fifth
    ten = [float(v) for v in range(10, 0, -1)][::-1]
    assert (percentile(ten, 50), percentile(ten, 99)) == (5.0, 10.0)
    assert percentile([7.0], 1) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_each_probe_counts_its_through_time_less_its_inner_time_per_path() -> None:
    probes = [
        OverheadProbe(t=1.0, path="monolith", through_ms=2.5, inner_ms=2.0),  # 0.5
        OverheadProbe(t=2.0, path="monolith", through_ms=3.0, inner_ms=2.7),  # 0.3
        # the direct request of this pair was the slower: noise, kept in the distribution
        OverheadProbe(t=3.0, path="monolith", through_ms=2.0, inner_ms=2.1),  # -0.1
        OverheadProbe(t=1.5, path="lambda", through_ms=4.0, inner_ms=1.0),  # 3.0
        OverheadProbe(t=2.5, path="lambda", through_ms=3.5, inner_ms=1.5),  # 2.0
    ]
    summary = summarize_overhead(probes)
    mono, lam = summary["monolith"], summary["lambda"]
    assert (mono.probes, mono.p50, mono.p99, mono.max) == (3, pytest.approx(0.3), 0.5, 0.5)
    assert (lam.probes, lam.p50, lam.p99, lam.max) == (2, 2.0, 3.0, 3.0)
    assert (mono.shares, lam.shares) == ({}, {})  # no integration time: no split
    split = summarize_overhead(
        [
            OverheadProbe(t=1, path="lambda", through_ms=4.0, inner_ms=1.0, integration_ms=2.5),
            OverheadProbe(t=2, path="lambda", through_ms=5.0, inner_ms=1.0, integration_ms=2.0),
        ]
    )["lambda"]
    assert (split.p50, split.p99) == (3.0, 4.0)
    assert split.shares["gateway"] == P50P99(p50=1.5, p99=3.0)
    assert split.shares["lambda_service"] == P50P99(p50=1.0, p99=1.5)
    assert summarize_overhead([probes[0]]).keys() == {"monolith"}
    assert summarize_overhead([]) == {}
    assert overhead_of([]) is None


def test_latency_net_of_the_overhead_takes_each_percentile_from_its_own_and_stops_at_zero() -> None:
    overhead = Overhead(probes=20, p50=0.4, p99=1.5, max=2.0)
    latency = Latency(count=100, p50=1.0, p90=2.0, p99=5.0, p999=6.0, max=7.0, mean=1.5)
    net = overhead.net(latency)
    assert (net.p50, net.p99) == (pytest.approx(0.6), pytest.approx(3.5))
    tiny = Latency(count=1, p50=0.3, p90=0.3, p99=1.0, p999=1.0, max=1.0, mean=0.3)
    assert (overhead.net(tiny).p50, overhead.net(tiny).p99) == (0.0, 0.0)


def test_the_report_shows_each_paths_overhead_next_to_its_latency(tmp_path: Path) -> None:
    """Synthetic run: monolith p50 1.0 / p99 1.5 ms, Lambda p50 1.4 / p99 ~360 ms."""
    run = raw_run()
    probes = [OverheadProbe(t=i, path="monolith", through_ms=1.3, inner_ms=1.2) for i in range(9)]
    probes.append(OverheadProbe(t=9, path="monolith", through_ms=1.7, inner_ms=1.2))
    probes += [
        OverheadProbe(t=i, path="lambda", through_ms=0.9, inner_ms=0.4, integration_ms=0.6)
        for i in range(5)
    ]
    run_dir = tmp_path / "run"
    write_raw(run_dir, run.__class__(**{**run.__dict__, "overhead": probes}))
    build_report(run_dir)
    doc = json.loads((run_dir / "report.json").read_text())
    mono, lam = doc["paths"]["monolith"], doc["paths"]["lambda"]
    assert mono["harness_overhead_ms"] == {
        "probes": 10,
        "p50": 0.1,
        "p99": 0.5,
        "max": 0.5,
        "shares": {},
    }
    assert mono["net_latency_ms"] == {"p50": 0.9, "p99": 1.0}
    assert lam["harness_overhead_ms"] == {
        "probes": 5,
        "p50": 0.5,
        "p99": 0.5,
        "max": 0.5,
        # 0.9 - 0.6 ms in the gateway, 0.6 - 0.4 ms in the Lambda service
        "shares": {"gateway": {"p50": 0.3, "p99": 0.3}, "lambda_service": {"p50": 0.2, "p99": 0.2}},
    }
    assert lam["net_latency_ms"]["p50"] == pytest.approx(0.9)
    assert lam["net_latency_ms"]["p99"] == pytest.approx(lam["latency_ms"]["p99"] - 0.5)

    summary = (run_dir / "summary.md").read_text()
    assert (
        "| Harness overhead p50 / p99 | 0.1 ms / 0.5 ms (10 probes) | 0.5 ms / 0.5 ms (5 probes) |"
        in summary
    )
    assert "| Latency p50 / p99 net of harness overhead | 0.9 ms / 1.0 ms | 0.9 ms / 360 ms |" in (
        summary
    )
    assert "\n\nHarness overhead: the local emulator's own share of each path's latency" in summary
    page = (run_dir / "index.html").read_text()
    assert '<p class="note" id="overhead-note">Harness overhead: the local emulator' in page
    # 1.4 vs 1.0 ms measured, 0.9 vs 0.9 net: the p50 difference is the emulator's
    assert "at p50 the difference measured here is the emulator's, not Lambda's." in summary
    assert doc["verdict"]["faster_p50"] == "monolith"  # the measured figures still decide


def test_a_run_without_probes_says_so_in_the_same_table(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    write_raw(run_dir, raw_run())
    assert not (run_dir / "raw" / OVERHEAD).exists()
    build_report(run_dir)
    doc = json.loads((run_dir / "report.json").read_text())
    for path in ("monolith", "lambda"):
        assert doc["paths"][path]["harness_overhead_ms"] is None
        assert doc["paths"][path]["net_latency_ms"] is None
    summary = (run_dir / "summary.md").read_text()
    assert "| Harness overhead p50 / p99 | — | — |" in summary
    assert "Harness overhead:" not in summary
    assert 'id="overhead-note"' not in (run_dir / "index.html").read_text()
    assert "harness's own overhead" not in doc["verdict"]["text"]


def test_a_malformed_probe_names_its_file_line_and_key(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    write_raw(run_dir, raw_run())
    (run_dir / "raw" / OVERHEAD).write_text(
        '{"t": 1.0, "path": "lambda", "through_ms": 2.0, "inner_ms": 1.0}\n'
        '{"t": 2.0, "path": "ec2", "through_ms": 2.0, "inner_ms": 1.0}\n'
    )
    with pytest.raises(RawFormatError, match=r"overhead.jsonl:2: path"):
        build_report(run_dir)
