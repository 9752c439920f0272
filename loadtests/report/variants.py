"""Variants of the function side by side, and which one pays: pure data and the choice.

Each column is one variant's own run (the same load shape as the main run's): its Lambda
path's latency (projected: cold requests without the host's run-queue wait, where the run
carries projections; measured beside it), cold starts, Init Duration (the same), throttles,
peak database connections and cost. ``choose`` names the cheapest variant a month that meets the
user's latency objective without failing more than ``MAX_FAILURE_RATE`` of its requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from loadtests.cost.variants import VariantCost
from loadtests.report.metrics import HostStats, Latency
from loadtests.report.overhead import Overhead
from loadtests.report.raw import LambdaReport
from strangler_core.variants import Objective

MAX_FAILURE_RATE = 0.01
"""A variant failing more than 1% of its requests does not meet any latency objective."""


@dataclass(frozen=True)
class VariantColumn:
    name: str  # "configured" for the function as strangler.toml declares it
    memory_mb: int
    provisioned: int
    prewarm_sandboxes: int
    prewarm_every_min: float | None
    requests: int
    failures: int
    latency: Latency  # projected (host run-queue wait out of cold starts) where the run has it
    measured_latency: Latency
    cold_starts: int
    init_p50_ms: float | None  # measured Init Duration
    projected_init_p50_ms: float | None  # with the host's run-queue wait removed
    throttles: int
    db_connections_peak: int
    cost: VariantCost | None
    host: HostStats | None = None  # this variant's run's host: was it the bottleneck?
    overhead: Overhead | None = None  # the harness's own, probed on this run's Lambda path

    @property
    def failure_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def at(self, objective: Objective) -> float:
        return float(getattr(self.latency, objective.percentile))

    def meets(self, objective: Objective) -> bool:
        return (
            self.requests > 0
            and self.failure_rate <= MAX_FAILURE_RATE
            and self.at(objective) <= objective.max_ms
        )

    def to_json(self) -> dict[str, Any]:
        cost = self.cost
        return {
            "name": self.name,
            "memory_mb": self.memory_mb,
            "provisioned_concurrency": self.provisioned,
            "prewarm": (
                {"sandboxes": self.prewarm_sandboxes, "every_min": self.prewarm_every_min}
                if self.prewarm_sandboxes
                else None
            ),
            "requests": self.requests,
            "failures": self.failures,
            "failure_rate": round(self.failure_rate, 6),
            "latency_ms": self.latency.to_json(),
            "measured_latency_ms": self.measured_latency.to_json(),
            "cold_starts": self.cold_starts,
            "init_duration_ms_p50": self.init_p50_ms,
            "projected_init_duration_ms_p50": self.projected_init_p50_ms,
            "throttles": self.throttles,
            "db_connections_peak": self.db_connections_peak,
            "host_saturated": None if self.host is None else self.host.saturated,
            "harness_overhead_ms": None if self.overhead is None else self.overhead.to_json(),
            "cost": None
            if cost is None
            else {
                "usd_per_month": round(cost.usd_per_month, 4),
                "usd_per_million": (
                    None if cost.usd_per_million is None else round(cost.usd_per_million, 4)
                ),
                "provisioned_usd_per_month": round(cost.provisioned_usd_per_month, 4),
                "prewarm_usd_per_month": round(cost.prewarm_usd_per_month, 4),
                "prewarm_invokes_per_month": round(cost.prewarm_invokes_per_month, 1),
            },
        }


@dataclass(frozen=True)
class VariantVerdict:
    objective: Objective | None
    chosen: str | None  # the cheapest variant meeting the objective
    meeting: tuple[str, ...]
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "objective": None
            if self.objective is None
            else {"percentile": self.objective.percentile, "max_ms": self.objective.max_ms},
            "chosen": self.chosen,
            "meeting": list(self.meeting),
            "text": self.text,
        }


def choose(columns: Sequence[VariantColumn], objective: Objective | None) -> VariantVerdict:
    """The cheapest a month of the variants meeting ``objective`` (ties: the faster)."""
    if objective is None:
        return VariantVerdict(
            None, None, (), "No latency objective given (--objective p99<=300ms): not chosen."
        )
    meeting = [c for c in columns if c.meets(objective) and c.cost is not None]
    names = tuple(c.name for c in meeting)
    if not meeting:
        measured = [c for c in columns if c.requests > 0]
        if not measured:
            return VariantVerdict(objective, None, (), "No variant served any request.")
        closest = min(measured, key=lambda c: c.at(objective))
        return VariantVerdict(
            objective,
            None,
            (),
            f"No variant met {objective}: the closest was {closest.name} "
            f"({objective.percentile} {closest.at(objective):,.0f} ms, failures "
            f"{closest.failure_rate:.1%}).",
        )
    best = min(meeting, key=lambda c: (_monthly(c), c.at(objective)))
    others = [c.name for c in meeting if c is not best]
    also = f"; also meeting it: {', '.join(others)}" if others else ""
    return VariantVerdict(
        objective,
        best.name,
        names,
        f"Cheapest meeting {objective}: {best.name} ({objective.percentile} "
        f"{best.at(objective):,.0f} ms, ${_monthly(best):,.2f} a month, "
        f"${_per_million(best)} per 1M requests){also}.",
    )


def _monthly(column: VariantColumn) -> float:
    assert column.cost is not None
    return column.cost.usd_per_month


def _per_million(column: VariantColumn) -> str:
    value = column.cost.usd_per_million if column.cost else None
    return "-" if value is None else f"{value:,.2f}"


def provisioned_share(reports: Iterable[LambdaReport]) -> float:
    """Of the billed duration, the part on sandboxes that started before the window.

    A provisioned environment is initialised before any invoke, so none of its REPORTs carries
    an Init Duration (AWS shows none either); a sandbox whose first REPORT of the run has one
    started on demand, and every later invoke on it is on demand too.
    """
    on_demand: set[str] = set()
    total = provisioned = 0
    for report in reports:
        sandbox = report.sandbox_id or report.request_id
        if report.init_ms is not None:
            on_demand.add(sandbox)
        total += report.billed_ms
        if sandbox not in on_demand:
            provisioned += report.billed_ms
    return provisioned / total if total else 0.0


@dataclass(frozen=True)
class VariantsSection:
    """The function as configured (the main run) and each variant, each from its own run."""

    columns: tuple[VariantColumn, ...]
    verdict: VariantVerdict

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [c.to_json() for c in self.columns],
            "verdict": self.verdict.to_json(),
        }
