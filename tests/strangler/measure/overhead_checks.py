"""What every real comparison run shows of the harness's own overhead (issue 14, item 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strangler.measure.overhead import PROBE_PATH


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def assert_overhead_probed(run_dir: Path, report: dict[str, Any], health_path: str) -> None:
    """Both paths were probed during the run; each overhead is above zero and below the path's
    latency; and no probe is in the run's request counts or its REPORT records.

    The private gateways' access logs hold every request they served: the load's, the probes'
    and the start-up health check (on ``health_path``)."""
    for path in ("monolith", "lambda"):
        stats = report["paths"][path]
        overhead, latency = stats["harness_overhead_ms"], stats["latency_ms"]
        assert overhead is not None, f"{path}: no overhead probed"
        assert overhead["probes"] >= 1
        assert 0 < overhead["p50"] <= overhead["p99"] <= overhead["max"]
        assert overhead["p50"] < latency["p50"]
        net = stats["net_latency_ms"]
        leading = stats.get("projected_latency_ms") or latency
        assert net["p50"] == pytest.approx(max(0.0, leading["p50"] - overhead["p50"]), abs=0.002)
        served = _lines(run_dir / "work" / f"{path}-routes.access.jsonl")
        probes = [line for line in served if line["path"] == PROBE_PATH]
        assert len(probes) >= overhead["probes"]
        load = [line for line in served if line["path"] not in (PROBE_PATH, health_path)]
        assert stats["requests"] == len(load), f"{path}: the probes were counted as requests"

    # the Lambda path's overhead split: the gateway's share, the Lambda service's
    shares = report["paths"]["lambda"]["harness_overhead_ms"]["shares"]
    assert shares["gateway"]["p50"] > 0 and shares["lambda_service"]["p50"] > 0
    assert report["paths"]["monolith"]["harness_overhead_ms"]["shares"] == {}

    served = _lines(run_dir / "work" / "lambda-routes.access.jsonl")
    probed = {line["lambdaRequestId"] for line in served if line["path"] == PROBE_PATH}
    invoked = {
        line["lambdaRequestId"]
        for line in served
        if line["path"] != PROBE_PATH and line["lambdaRequestId"]
    }
    reports = {line["request_id"] for line in _lines(run_dir / "raw" / "lambda_reports.jsonl")}
    assert probed and not probed & reports, "the probes' invocations are in the run's REPORTs"
    assert reports == invoked
    assert report["paths"]["lambda"]["invocations"] == len(invoked)


def assert_variant_probed(run_dir: Path, column: dict[str, Any]) -> None:
    """A variant's column shows its own run's harness overhead, and its probes' invocations
    are neither in its REPORTs nor in its pre-warm REPORTs."""
    overhead = column["harness_overhead_ms"]
    assert overhead is not None and overhead["probes"] >= 1, column["name"]
    assert 0 < overhead["p50"] < column["measured_latency_ms"]["p50"]
    here = run_dir / "variants" / column["name"]
    served = _lines(here / "work" / "lambda-routes.access.jsonl")
    probed = {line["lambdaRequestId"] for line in served if line["path"] == PROBE_PATH}
    recorded = {
        line["request_id"]
        for name in ("lambda_reports.jsonl", "prewarm_reports.jsonl")
        for line in _lines(here / "raw" / name)
    }
    assert probed and not probed & recorded
