"""A run recorded by the local Lambda service, whose REPORT records carry each cold start's
host run-queue wait and projected Init Duration: the table, the cold-request latencies, the
cost and the verdict use the projected figures, labelled so, with the measured ones beside.

The synthetic run's eleven joined cold starts (request i = 0..10) took 350 + 10 i ms at the
client with an Init Duration of 300 + 5 i ms, of which 100 + i ms was host run-queue wait:
projected Init Duration 200 + 4 i ms, projected latency 250 + 9 i ms. The twelfth cold request
joins no REPORT (460 ms, as measured); the pre-warm invocation's init (280 ms) has no projection.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from loadtests.report import build_report
from tests.loadtests.report.synthetic import INVOCATIONS, hdr_ms, write_synthetic

# 988 warm requests of 2 ms or less: p99 is the second-fastest cold request
PROJECTED_P99 = hdr_ms([259_000], 100)
MEASURED_P99 = hdr_ms([360_000], 100)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("projected") / "20261123T140000Z-rides"
    write_synthetic(run_dir, projected=True)
    build_report(run_dir)
    return run_dir


@pytest.fixture(scope="module")
def doc(run_dir: Path) -> dict:
    return json.loads((run_dir / "report.json").read_text())


def test_report_json_carries_both(doc: dict) -> None:
    lam = doc["paths"]["lambda"]
    assert lam["init_duration_ms"]["p50"] == hdr_ms([320_000], 100)  # as measured, pre-warm in
    assert lam["projected_init_duration_ms"]["count"] == 11
    assert lam["projected_init_duration_ms"]["p50"] == hdr_ms([220_000], 100)
    assert lam["projected_init_duration_ms"]["max"] == hdr_ms([240_000], 100)
    assert lam["init_run_queue_wait_ms"]["max"] == hdr_ms([110_000], 100)
    assert lam["latency_ms"]["p99"] == MEASURED_P99
    assert lam["projected_latency_ms"]["p99"] == PROJECTED_P99
    assert lam["projected_latency_ms"]["p50"] == lam["latency_ms"]["p50"] == 1.4
    assert lam["projected_latency_ms"]["max"] == lam["latency_ms"]["max"] == hdr_ms([460_000], 100)
    assert lam["cold_start_latency_ms"]["p50"] == hdr_ms([400_000], 100)
    assert lam["projected_cold_start_latency_ms"]["p50"] == hdr_ms([295_000], 100)


def test_cost_bills_the_projected_inits(doc: dict) -> None:
    """Per-1 ms billing of duration + init (AWS Lambda pricing: on-demand INIT billed since
    2025-08-01), with each projected Init Duration in place of the measured one."""
    durations = [1.0 + (i % 10) * 0.1 for i in range(INVOCATIONS - 1)]
    projected = [math.ceil(d + (200 + 4 * i if i < 11 else 0)) for i, d in enumerate(durations)]
    mean = (281 + sum(projected)) / INVOCATIONS  # the pre-warm: ceil(0.5 + 280)
    lam = doc["paths"]["lambda"]
    assert lam["projected_billed_ms_mean"] == pytest.approx(mean, abs=1e-3)
    assert lam["projected_billed_ms_mean"] < lam["billed_ms_mean"]
    per_million = 0.5 * mean / 1000 * 1e6 * 0.0000166667 + 0.20 + 1.00
    assert lam["cost"]["usd_per_million"] == pytest.approx(per_million, rel=1e-6)
    measured = 0.5 * lam["billed_ms_mean"] / 1000 * 1e6 * 0.0000166667 + 0.20 + 1.00
    assert lam["cost"]["measured_usd_per_million"] == pytest.approx(measured, rel=1e-6)


def test_verdict_uses_the_projected_figures_and_says_so(doc: dict) -> None:
    verdict = doc["verdict"]
    assert verdict["p99_ratio"] == pytest.approx(PROJECTED_P99 / 1.5, rel=1e-3)
    assert "173x slower at p99" in verdict["text"]
    assert "Init Duration p50 220 ms projected (320 ms measured)" in verdict["text"]
    assert (
        "Lambda figures are projected: each cold start without the time it waited for this "
        "host's CPUs (Lambda p99 259 ms projected, 360 ms measured)."
    ) in verdict["text"]


def _row(markdown: str, metric: str) -> str:
    match = re.search(rf"^\| {re.escape(metric)} \| [^|]* \| ([^|]*) \|$", markdown, re.M)
    assert match, metric
    return match.group(1)


def test_table_labels_projected_with_measured_beside(run_dir: Path) -> None:
    for page in ("summary.md", "index.html"):
        text = (run_dir / page).read_text()
        assert "259 ms projected (360 ms measured)" in text, page
        assert "220 ms / 240 ms projected (320 ms / 350 ms measured)" in text, page
        assert "295 ms / 460 ms projected (400 ms / 460 ms measured)" in text, page
    summary = (run_dir / "summary.md").read_text()
    assert _row(summary, "Latency p99") == "259 ms projected (360 ms measured)"
    assert _row(summary, "Latency p50") == "1.4 ms"  # nothing to project: no label
    assert re.fullmatch(
        r"\$\d\.\d\d projected \(\$\d\.\d\d measured\)", _row(summary, "USD per 1M requests")
    )


def test_a_suppressed_init_counts_as_a_projected_cold_start() -> None:
    """An init that passed 10 s on this host and was re-run inside the invocation: projected,
    it is a plain cold start; the host added its wasted attempt and the re-run minus the
    projection, and it is billed as duration without the re-run plus the projected init."""
    from loadtests.report.metrics import summarize_reports
    from loadtests.report.raw import LambdaReport

    record = LambdaReport(
        request_id="r1",
        duration_ms=10_400.0,  # the re-run init (10,300 ms) + 100 ms of handler
        billed_ms=10_400,
        memory_mb=512,
        max_memory_mb=60,
        init_ms=None,
        status="success",
        timestamp="2026-12-01T23:55:55.678Z",
        suppressed_init_ms=10_050.0,
        rerun_init_ms=10_300.0,
        projected_init_ms=310.0,
    )
    stats = summarize_reports([record])
    assert stats.projected and stats.init_reports == 0
    assert stats.projected_init.count == 1
    assert stats.init_excess_ms == {"r1": 10_050.0 + 10_300.0 - 310.0}
    assert stats.projected_billed_ms_total == 100 + 310
