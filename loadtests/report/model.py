"""The gathered report: frozen data, and its `report.json` form (docs/report-schema.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loadtests.report.metrics import ColdStartStats, InvocationStats, Latency, SampleStats
from loadtests.report.overhead import P50P99, Overhead
from loadtests.report.raw import RunMeta, SecondRow
from loadtests.report.saturation import Saturation, saturation
from loadtests.report.tracing import TraceSection
from loadtests.report.variants import VariantsSection
from loadtests.report.verdict import Verdict

if TYPE_CHECKING:
    from loadtests.cost import CostComparison

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PathReport:
    """One path's numbers, as seen by the load generator (plus the database's view)."""

    name: str
    requests: int
    failures: int
    rps: float
    latency: Latency
    status_counts: dict[str, int]
    error_classes: dict[str, int]
    db_connections_peak: int
    usd_per_million: float | None
    # The Lambda path's latency with each cold request's host contention taken out (its
    # projected Init Duration in place of the measured one); None: nothing to project
    projected_latency: Latency | None = None
    # The cost per million with the projected Init Durations billed (Lambda path)
    measured_usd_per_million: float | None = None
    # The harness's own cost on this path (compare's probes); None: not probed
    overhead: Overhead | None = None

    @property
    def failure_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def decision_latency(self) -> Latency:
        """What the table and the verdict lead with: projected where there is a projection."""
        return self.projected_latency or self.latency

    @property
    def net_latency(self) -> P50P99 | None:
        """The leading latency with the harness's own overhead taken out, when probed."""
        return self.overhead.net(self.decision_latency) if self.overhead else None

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "failure_rate": round(self.failure_rate, 6),
            "rps": round(self.rps, 3),
            "latency_ms": self.latency.to_json(),
            "projected_latency_ms": (
                self.projected_latency.to_json() if self.projected_latency else None
            ),
            "harness_overhead_ms": self.overhead.to_json() if self.overhead else None,
            "net_latency_ms": net.to_json() if (net := self.net_latency) else None,
            "status_counts": self.status_counts,
            "error_classes": self.error_classes,
            "db_connections_peak": self.db_connections_peak,
            "cost": {
                "usd_per_million": self.usd_per_million,
                "measured_usd_per_million": self.measured_usd_per_million,
            },
        }


@dataclass(frozen=True)
class LambdaDetail:
    """What only the Lambda path has: cold starts, throttles, concurrency, billing."""

    cold_starts: ColdStartStats
    invocations: InvocationStats
    samples: SampleStats
    throttles: int  # requests the client saw refused because Lambda throttled
    gateway_throttles: int
    memory_mb: int

    def host_seconds(self) -> tuple[tuple[int, int, float], ...]:
        """(t, runnable, busy %) per host sample; empty when the run has none."""
        host = self.samples.host
        return host.seconds if host is not None else ()

    def cold_start_rate(self, requests: int) -> float:
        return self.cold_starts.count / requests if requests else 0.0

    def init_duration(self) -> Latency:
        """Lambda's REPORT Init Duration; the client-side rows when there are no REPORTs."""
        if self.invocations.init_reports:
            return self.invocations.init
        return self.cold_starts.init

    def decision_init(self) -> Latency:
        """The Init Duration the table and the verdict lead with: projected where known."""
        if self.invocations.projected:
            return self.invocations.projected_init
        return self.init_duration()

    def to_json(self, requests: int) -> dict[str, Any]:
        init, inv = self.init_duration(), self.invocations
        return {
            "cold_starts": self.cold_starts.count,
            "cold_start_rate": round(self.cold_start_rate(requests), 6),
            "cold_starts_joined": self.cold_starts.joined,
            "cold_start_latency_ms": {
                "p50": self.cold_starts.latency.p50,
                "max": self.cold_starts.latency.max,
            },
            "projected_cold_start_latency_ms": (
                {"p50": projected.p50, "max": projected.max}
                if inv.projected and (projected := self.cold_starts.projected_latency)
                else None
            ),
            "init_duration_ms": {
                "p50": init.p50,
                "p90": init.p90,
                "max": init.max,
                "count": init.count,
            },
            "projected_init_duration_ms": {
                "p50": inv.projected_init.p50,
                "p90": inv.projected_init.p90,
                "max": inv.projected_init.max,
                "count": inv.projected_init.count,
            },
            "init_run_queue_wait_ms": {
                "p50": inv.init_run_queue_wait.p50,
                "max": inv.init_run_queue_wait.max,
                "count": inv.init_run_queue_wait.count,
            },
            "throttles": self.throttles,
            "gateway_throttles": self.gateway_throttles,
            "service_throttles": self.samples.throttles,
            "service_cold_starts": self.samples.cold_starts,
            "concurrency_peak": self.samples.concurrency_peak,
            "sandboxes_peak": self.samples.sandboxes_peak,
            "invocations": inv.invocations,
            "init_reports": inv.init_reports,
            "invocation_statuses": inv.statuses,
            "duration_ms": {
                "p50": inv.duration.p50,
                "p99": inv.duration.p99,
                "max": inv.duration.max,
            },
            "billed_ms_total": inv.billed_ms_total,
            "billed_ms_mean": round(inv.billed_ms_mean, 3),
            "projected_billed_ms_mean": round(inv.projected_billed_ms_mean, 3),
            "memory_mb": self.memory_mb,
            "max_memory_used_mb": inv.max_memory_used_mb,
        }


@dataclass(frozen=True)
class Series:
    """What the plots draw: bounded by the run's length in seconds, not by its requests."""

    latency_cdf: dict[str, list[tuple[float, float]]]  # path -> (ms, percentile)
    seconds: dict[str, list[SecondRow]]  # path -> per-second rows

    def to_json(self, detail: LambdaDetail) -> dict[str, Any]:
        return {
            "latency_cdf": {
                p: [[ms, pct] for ms, pct in pts] for p, pts in self.latency_cdf.items()
            },
            "timeseries": {
                p: [[r.t, r.requests, r.failures, r.p50_ms, r.p99_ms, r.max_ms] for r in rows]
                for p, rows in self.seconds.items()
            },
            "cold_starts": [
                [c.t, c.count, c.max_latency_ms] for c in detail.cold_starts.per_second
            ],
            "lambda": [
                [
                    s.t,
                    s.concurrent_executions,
                    s.sandboxes_warm,
                    s.sandboxes_busy,
                    s.throttles,
                    s.cold_starts,
                ]
                for s in detail.samples.lambda_seconds
            ],
            "db": [[d.t, d.monolith, d.lambda_, d.total] for d in detail.samples.db_seconds],
            "host": [list(row) for row in detail.host_seconds()],
        }


@dataclass(frozen=True)
class Report:
    meta: RunMeta
    monolith: PathReport
    lambda_: PathReport
    detail: LambdaDetail
    monolith_capacity_rps: float
    cost: CostComparison | None
    cost_note: str | None  # why there is no cost comparison, when there is none
    verdict: Verdict
    series: Series
    traces: TraceSection | None = None  # only when the run recorded X-Ray segments
    variants: VariantsSection | None = None  # only when compare ran variants

    def path(self, name: str) -> PathReport:
        return self.lambda_ if name == "lambda" else self.monolith

    @property
    def saturation(self) -> Saturation | None:
        """The host-saturation notice at the top of the report, when the host was saturated."""
        return saturation(self.detail.samples.host)

    def conditions(self) -> dict[str, Any]:
        m = self.meta
        return {
            "scenario": m.scenario,
            "load_model": m.load_model,
            "load_model_detail": m.load_model_detail,
            "users": m.users,
            "host": {"cores": m.host.cores, "python": m.host.python, "platform": m.host.platform},
            "lambda": {
                "function": m.lambda_.function,
                "memory_mb": m.lambda_.memory_mb,
                "architecture": m.lambda_.architecture,
                "limits": m.lambda_.limits,
                "reserved_concurrency": m.lambda_.reserved_concurrency,
                "provisioned_concurrency": m.lambda_.provisioned_concurrency,
            },
            "monolith": {
                "workers": m.monolith.workers,
                "threads": m.monolith.threads,
                "capacity_rps": round(self.monolith_capacity_rps, 3),
            },
            "database": {
                "max_connections": m.database.max_connections,
                "connections_peak_total": self.detail.samples.db_peak_total,
            },
        }

    def to_json(self) -> dict[str, Any]:
        m = self.meta
        lam = self.lambda_.to_json() | self.detail.to_json(self.lambda_.requests)
        return {
            "schema_version": SCHEMA_VERSION,
            "run_id": m.run_id,
            "route": m.route,
            "scenario": m.scenario,
            "load_model": m.load_model,
            "users": m.users,
            "duration_s": m.duration_s,
            "started_at": m.started_at,
            "ended_at": m.ended_at,
            "paths": {"monolith": self.monolith.to_json(), "lambda": lam},
            "cost": self.cost.to_json() if self.cost is not None else None,
            "cost_note": self.cost_note,
            "host": host.to_json() if (host := self.detail.samples.host) else None,
            "host_saturation": self.saturation.to_json() if self.saturation else None,
            "conditions": self.conditions(),
            "verdict": self.verdict.to_json(),
            "series": self.series.to_json(self.detail),
            "traces": self.traces.to_json() if self.traces is not None else None,
            "variants": self.variants.to_json() if self.variants is not None else None,
        }
