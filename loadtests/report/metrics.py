"""Metric math over the raw results, as pure functions (no files, no clocks).

Every function takes an iterable and folds it in one pass, keeping running aggregates and HDR
histograms, never a list of per-request or per-invocation records. What they keep grows with the
run's length in seconds (one row per second) and with the number of sandboxes (one request id per
Init Duration, for the cold-start join), not with the number of requests.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from loadtests.report.raw import (
    HIGHEST_US,
    LOWEST_US,
    ColdStart,
    DbSample,
    HostSample,
    LambdaReport,
    LambdaSample,
    Sample,
    SecondRow,
    new_latency_histogram,
)

# Percentiles at which the CDF is drawn: dense where the tail is.
CDF_PERCENTILES: tuple[float, ...] = (
    *(float(p) for p in range(0, 90, 2)),
    *(90 + 0.5 * i for i in range(18)),
    *(99 + 0.1 * i for i in range(9)),
    99.9,
    99.95,
    99.99,
    99.999,
    100.0,
)


def record_ms(histogram: HdrHistogram, ms: float) -> None:
    """Record a duration in milliseconds into a microsecond histogram, clamped to its range."""
    histogram.record_value(max(LOWEST_US, min(HIGHEST_US, round(ms * 1000))))


def _ms(histogram: HdrHistogram, percentile: float) -> float:
    return float(histogram.get_value_at_percentile(percentile)) / 1000


@dataclass(frozen=True)
class Latency:
    """Milliseconds, read from an HDR histogram of microseconds (exact to 3 significant digits)."""

    count: int
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    mean: float

    def to_json(self) -> dict[str, float]:
        return {
            "p50": self.p50,
            "p90": self.p90,
            "p99": self.p99,
            "p999": self.p999,
            "max": self.max,
            "mean": round(self.mean, 3),
        }


def latency_summary(histogram: HdrHistogram) -> Latency:
    count = int(histogram.get_total_count())
    if count == 0:
        return Latency(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return Latency(
        count=count,
        p50=_ms(histogram, 50),
        p90=_ms(histogram, 90),
        p99=_ms(histogram, 99),
        p999=_ms(histogram, 99.9),
        max=float(histogram.get_max_value()) / 1000,
        mean=float(histogram.get_mean_value()) / 1000,
    )


def latency_cdf(
    histogram: HdrHistogram, percentiles: Sequence[float] = CDF_PERCENTILES
) -> list[tuple[float, float]]:
    """(latency ms, percentile) points of the CDF; empty for an empty histogram."""
    if histogram.get_total_count() == 0:
        return []
    values = histogram.get_percentile_to_value_dict(list(percentiles))
    return [(float(values[p]) / 1000, p) for p in percentiles]


# --- the per-second rows ---------------------------------------------------------------------


def split_timeseries(rows: Iterable[SecondRow]) -> dict[str, list[SecondRow]]:
    """Rows by path, sorted by second (one row per second and path: grows with duration)."""
    out: dict[str, list[SecondRow]] = {}
    for row in rows:
        out.setdefault(row.path, []).append(row)
    for series in out.values():
        series.sort(key=lambda r: r.t)
    return out


def sustained_peak_rps(rows: Sequence[SecondRow], window_s: int = 5) -> float:
    """The best `window_s`-second mean of successful requests per second.

    Used as the monolith's measured capacity: it is a lower bound unless the run saturated the
    monolith. Gaps (seconds without a row) count as zero. Empty rows give 0.0.
    """
    if not rows:
        return 0.0
    ok = {row.t: row.requests - row.failures for row in rows}
    first, last = min(ok), max(ok)
    span = last - first + 1
    window = max(1, min(window_s, span))
    running = sum(ok.get(t, 0) for t in range(first, first + window))
    best = running
    for start in range(first + 1, last - window + 2):
        running += ok.get(start + window - 1, 0) - ok.get(start - 1, 0)
        best = max(best, running)
    return best / window


# --- Lambda REPORT records -------------------------------------------------------------------


@dataclass(frozen=True)
class InvocationStats:
    """Lambda's own view of the run, from the REPORT records."""

    invocations: int
    billed_ms_total: int
    billed_ms_mean: float
    duration: Latency
    init_reports: int
    init: Latency
    # Init Duration without the host's run-queue wait, where the records carry it
    projected_init: Latency
    init_run_queue_wait: Latency
    max_memory_used_mb: int
    statuses: dict[str, int]
    init_request_ids: frozenset[str]  # one per sandbox start: for the cold-start join
    # Billed as the projected Init Duration would be (the same as measured without projection)
    projected_billed_ms_total: int = 0
    # Per cold start with a projection: the measured Init Duration minus the projected one,
    # what this host added to that request's latency (one entry per sandbox start)
    init_excess_ms: Mapping[str, float] = field(default_factory=dict)

    @property
    def projected(self) -> bool:
        """Whether the records carry projected Init Durations (the local service's do)."""
        return self.projected_init.count > 0

    @property
    def projected_billed_ms_mean(self) -> float:
        return self.projected_billed_ms_total / self.invocations if self.invocations else 0.0

    def init_for_decision(self) -> Latency:
        """The Init Duration the verdict and the table lead with: projected where known."""
        return self.projected_init if self.projected else self.init


def _host_init_ms(report: LambdaReport) -> float | None:
    """What this host added to the request of a projected cold start: its measured init time
    (a suppressed init's wasted attempt and its re-run) minus the projected Init Duration."""
    if report.projected_init_ms is None:
        return None
    if report.init_ms is not None:
        return report.init_ms - report.projected_init_ms
    if report.suppressed_init_ms is not None and report.rerun_init_ms is not None:
        return report.suppressed_init_ms + report.rerun_init_ms - report.projected_init_ms
    return None


def _projected_billed_ms(report: LambdaReport) -> int:
    """Billed Duration as a plain cold start with the projected init would be (per 1 ms)."""
    if report.projected_init_ms is None:
        return report.billed_ms
    if report.init_ms is not None:
        return max(1, math.ceil(report.duration_ms + report.projected_init_ms))
    if report.rerun_init_ms is not None:  # the re-run is inside duration_ms
        invoke_ms = max(0.0, report.duration_ms - report.rerun_init_ms)
        return max(1, math.ceil(invoke_ms + report.projected_init_ms))
    return report.billed_ms


def summarize_reports(reports: Iterable[LambdaReport]) -> InvocationStats:
    durations, inits = new_latency_histogram(), new_latency_histogram()
    projected, waits = new_latency_histogram(), new_latency_histogram()
    invocations = billed = projected_billed = max_memory = 0
    statuses: Counter[str] = Counter()
    init_ids: set[str] = set()
    excess: dict[str, float] = {}
    for report in reports:
        invocations += 1
        billed += report.billed_ms
        projected_billed += _projected_billed_ms(report)
        max_memory = max(max_memory, report.max_memory_mb)
        statuses[report.status] += 1
        record_ms(durations, report.duration_ms)
        if report.init_ms is not None:
            record_ms(inits, report.init_ms)
            init_ids.add(report.request_id)
        host_ms = _host_init_ms(report)
        if host_ms is not None and report.projected_init_ms is not None:
            record_ms(projected, report.projected_init_ms)
            excess[report.request_id] = host_ms
        if report.init_run_queue_wait_ms is not None:
            record_ms(waits, report.init_run_queue_wait_ms)
    return InvocationStats(
        invocations=invocations,
        billed_ms_total=billed,
        billed_ms_mean=billed / invocations if invocations else 0.0,
        duration=latency_summary(durations),
        init_reports=int(inits.get_total_count()),
        init=latency_summary(inits),
        projected_init=latency_summary(projected),
        init_run_queue_wait=latency_summary(waits),
        max_memory_used_mb=max_memory,
        statuses=dict(sorted(statuses.items())),
        init_request_ids=frozenset(init_ids),
        projected_billed_ms_total=projected_billed,
        init_excess_ms=excess,
    )


# --- cold starts seen by the client ----------------------------------------------------------


@dataclass(frozen=True)
class ColdStartSecond:
    t: int
    count: int
    max_latency_ms: float


@dataclass(frozen=True)
class ColdStartStats:
    count: int
    joined: int  # rows whose request id matches a REPORT with an Init Duration
    latency: Latency  # client-side latency of the cold-start requests
    init: Latency  # Init Duration as recorded on the client-side rows
    per_second: tuple[ColdStartSecond, ...]
    # The same requests with the host's part of their init taken out (`init_excess_ms`);
    # equal to `latency` when the run has no projection
    projected_latency: Latency | None = None
    # The cold requests' measured and projected latencies, to swap in a path's histogram
    measured_histogram: HdrHistogram | None = None
    projected_histogram: HdrHistogram | None = None


def summarize_cold_starts(
    rows: Iterable[ColdStart],
    init_request_ids: frozenset[str] = frozenset(),
    init_excess_ms: Mapping[str, float] | None = None,
) -> ColdStartStats:
    latencies, inits = new_latency_histogram(), new_latency_histogram()
    projected = new_latency_histogram()
    excess = init_excess_ms or {}
    count = joined = 0
    seconds: dict[int, tuple[int, float]] = {}
    for row in rows:
        count += 1
        if row.request_id is not None and row.request_id in init_request_ids:
            joined += 1
        record_ms(latencies, row.latency_ms)
        host_ms = excess.get(row.request_id, 0.0) if row.request_id is not None else 0.0
        record_ms(projected, max(0.0, row.latency_ms - host_ms))
        if row.init_ms is not None:
            record_ms(inits, row.init_ms)
        second = int(row.t)
        n, worst = seconds.get(second, (0, 0.0))
        seconds[second] = (n + 1, max(worst, row.latency_ms))
    return ColdStartStats(
        count=count,
        joined=joined,
        latency=latency_summary(latencies),
        init=latency_summary(inits),
        per_second=tuple(ColdStartSecond(t, n, w) for t, (n, w) in sorted(seconds.items())),
        projected_latency=latency_summary(projected),
        measured_histogram=latencies,
        projected_histogram=projected,
    )


def swap_recorded(histogram: HdrHistogram, out: HdrHistogram, into: HdrHistogram) -> HdrHistogram:
    """A copy of ``histogram`` with the values of ``out`` taken out and those of ``into`` in.

    The path's latency histogram with its cold requests at their projected latency: ``out``
    holds them as measured (a subset of ``histogram``), ``into`` as projected. All three share
    the raw histograms' range and precision, so counts match bucket by bucket.
    """
    result = new_latency_histogram()
    for item in histogram.get_recorded_iterator():
        value = item.value_iterated_to
        count = item.count_at_value_iterated_to - out.get_count_at_value(value)
        if count > 0:
            result.record_value(value, count)
    result.add(into)
    return result


# --- service and database samples ------------------------------------------------------------


@dataclass(frozen=True)
class LambdaSecond:
    t: int
    concurrent_executions: int  # highest sample in the second
    sandboxes_warm: int
    sandboxes_busy: int
    throttles: int  # new throttles since the previous sample
    cold_starts: int  # new sandbox starts since the previous sample


@dataclass(frozen=True)
class DbSecond:
    t: int
    monolith: int
    lambda_: int
    total: int


# A run's host counts as saturated when this share of its samples (at least one) found more
# runnable tasks than cores: the cold-start herds that matter last seconds, not the whole run.
SATURATED_SHARE = 0.05


@dataclass(frozen=True)
class HostStats:
    """This host's CPUs over the run, from the sampler's /proc/stat and /proc/loadavg rows."""

    samples: int
    saturated_samples: int  # runnable tasks > cores
    cores: int
    runnable_peak: int
    runnable_mean: float
    busy_pct_mean: float
    busy_pct_peak: float
    load1_peak: float
    seconds: tuple[tuple[int, int, float], ...]  # (t, runnable, busy %) per sample

    @property
    def saturated(self) -> bool:
        return self.saturated_samples >= max(1, SATURATED_SHARE * self.samples)

    def to_json(self) -> dict[str, object]:
        return {
            "saturated": self.saturated,
            "samples": self.samples,
            "saturated_samples": self.saturated_samples,
            "cores": self.cores,
            "runnable_peak": self.runnable_peak,
            "runnable_mean": round(self.runnable_mean, 2),
            "busy_pct_mean": round(self.busy_pct_mean, 1),
            "busy_pct_peak": self.busy_pct_peak,
            "load1_peak": self.load1_peak,
        }


def summarize_host(samples: Iterable[HostSample]) -> HostStats | None:
    """None when the run has no host samples (older runs, hosts without /proc)."""
    rows = sorted(samples, key=lambda r: r.t)
    if not rows:
        return None
    return HostStats(
        samples=len(rows),
        saturated_samples=sum(1 for r in rows if r.runnable > r.cores),
        cores=max(r.cores for r in rows),
        runnable_peak=max(r.runnable for r in rows),
        runnable_mean=sum(r.runnable for r in rows) / len(rows),
        busy_pct_mean=sum(r.busy_pct for r in rows) / len(rows),
        busy_pct_peak=max(r.busy_pct for r in rows),
        load1_peak=max(r.load1 for r in rows),
        seconds=tuple((int(r.t), r.runnable, r.busy_pct) for r in rows),
    )


@dataclass(frozen=True)
class SampleStats:
    concurrency_peak: int
    sandboxes_peak: int
    throttles: int  # Lambda service's count over the run (difference of its counter)
    cold_starts: int  # Lambda service's sandbox starts over the run
    db_peak_monolith: int
    db_peak_lambda: int
    db_peak_total: int
    lambda_seconds: tuple[LambdaSecond, ...]
    db_seconds: tuple[DbSecond, ...]
    host: HostStats | None = None


def _delta(previous: int | None, current: int) -> int:
    """Increase of a cumulative counter; a drop means the counter restarted from zero."""
    if previous is None:
        return 0
    return current - previous if current >= previous else current


def summarize_samples(samples: Iterable[Sample]) -> SampleStats:
    lam: dict[int, LambdaSecond] = {}
    db: dict[int, DbSecond] = {}
    last_throttles: int | None = None
    last_cold: int | None = None
    host: list[HostSample] = []  # one small row a second: grows with the run's length
    for sample in samples:
        second = int(sample.t)
        if isinstance(sample, LambdaSample):
            throttles = _delta(last_throttles, sample.throttles)
            cold = _delta(last_cold, sample.cold_starts)
            last_throttles, last_cold = sample.throttles, sample.cold_starts
            seen = lam.get(second)
            lam[second] = LambdaSecond(
                t=second,
                concurrent_executions=max(
                    sample.concurrent_executions, seen.concurrent_executions if seen else 0
                ),
                sandboxes_warm=max(sample.sandboxes_warm, seen.sandboxes_warm if seen else 0),
                sandboxes_busy=max(sample.sandboxes_busy, seen.sandboxes_busy if seen else 0),
                throttles=throttles + (seen.throttles if seen else 0),
                cold_starts=cold + (seen.cold_starts if seen else 0),
            )
        elif isinstance(sample, DbSample):
            seen_db = db.get(second)
            db[second] = DbSecond(
                t=second,
                monolith=max(sample.monolith, seen_db.monolith if seen_db else 0),
                lambda_=max(sample.lambda_, seen_db.lambda_ if seen_db else 0),
                total=max(sample.total, seen_db.total if seen_db else 0),
            )
        elif isinstance(sample, HostSample):
            host.append(sample)
    lambda_rows = tuple(lam[t] for t in sorted(lam))
    db_rows = tuple(db[t] for t in sorted(db))
    return SampleStats(
        concurrency_peak=max((r.concurrent_executions for r in lambda_rows), default=0),
        sandboxes_peak=max((r.sandboxes_warm + r.sandboxes_busy for r in lambda_rows), default=0),
        throttles=sum(r.throttles for r in lambda_rows),
        cold_starts=sum(r.cold_starts for r in lambda_rows),
        db_peak_monolith=max((r.monolith for r in db_rows), default=0),
        db_peak_lambda=max((r.lambda_ for r in db_rows), default=0),
        db_peak_total=max((r.total for r in db_rows), default=0),
        lambda_seconds=lambda_rows,
        db_seconds=db_rows,
        host=summarize_host(host),
    )
