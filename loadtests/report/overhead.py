"""The harness's own overhead per path, from compare's probes, and latency net of it (pure).

Each probe (``raw/overhead.jsonl``) is one null request's round trip through the harness and
the part of it that is not the harness's (the same request straight to the monolith, or the
invocation's REPORT Duration); the overhead of that request is their difference. A probe's
difference can come out below zero when the direct request happened to be the slower one of
its pair: it is noise of the same kind as the positive tail, so it stays in the distribution.

Latency net of the overhead takes the overhead's percentile from the latency's same percentile:
the percentiles of a difference are not the difference of the percentiles, so this is an
estimate that holds when the slowest requests met the harness at its slowest (the same moments
of contention slow both). It is never below zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from loadtests.report.metrics import Latency
from loadtests.report.raw import PATHS, OverheadProbe, PathName


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of values sorted ascending: the smallest value with at least
    ``pct`` percent of the values at or below it."""
    if not ordered:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class P50P99:
    """A p50 and a p99 (ms): a path's latency net of the harness's overhead, or one share of
    the Lambda path's overhead (the gateway's, or the Lambda service's)."""

    p50: float
    p99: float

    def to_json(self) -> dict[str, float]:
        return {"p50": round(self.p50, 3), "p99": round(self.p99, 3)}


@dataclass(frozen=True)
class Overhead:
    """The harness's own cost on one path, over the run's probes (ms)."""

    probes: int
    p50: float
    p99: float
    max: float
    # Lambda path: "gateway" (round trip less the gateway's wait on the service) and
    # "lambda_service" (that wait less the REPORT Duration), over the probes that have both
    shares: dict[str, P50P99] = field(default_factory=dict)

    def net(self, latency: Latency) -> P50P99:
        return P50P99(p50=max(0.0, latency.p50 - self.p50), p99=max(0.0, latency.p99 - self.p99))

    def to_json(self) -> dict[str, Any]:
        return {
            "probes": self.probes,
            "p50": round(self.p50, 3),
            "p99": round(self.p99, 3),
            "max": round(self.max, 3),
            "shares": {name: share.to_json() for name, share in self.shares.items()},
        }


def overhead_of(differences: Iterable[float]) -> Overhead | None:
    """The summary of per-probe overheads (ms); None without any."""
    ordered = sorted(differences)
    if not ordered:
        return None
    return Overhead(
        probes=len(ordered),
        p50=percentile(ordered, 50),
        p99=percentile(ordered, 99),
        max=ordered[-1],
    )


def share_of(values: Iterable[float]) -> P50P99 | None:
    ordered = sorted(values)
    return P50P99(percentile(ordered, 50), percentile(ordered, 99)) if ordered else None


def summarize_overhead(probes: Iterable[OverheadProbe]) -> dict[PathName, Overhead]:
    """Per path, the overhead of its probes; a path without probes is left out."""
    differences: dict[PathName, list[float]] = {path: [] for path in PATHS}
    parts: dict[PathName, dict[str, list[float]]] = {path: {} for path in PATHS}
    for probe in probes:
        differences[probe.path].append(probe.through_ms - probe.inner_ms)
        if probe.integration_ms is not None:
            split = parts[probe.path]
            split.setdefault("gateway", []).append(probe.through_ms - probe.integration_ms)
            split.setdefault("lambda_service", []).append(probe.integration_ms - probe.inner_ms)
    summaries = {}
    for path, values in differences.items():
        summary = overhead_of(values)
        if summary is None:
            continue
        shares = {name: s for name, v in parts[path].items() if (s := share_of(v)) is not None}
        summaries[path] = replace(summary, shares=shares)
    return summaries
