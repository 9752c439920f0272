"""Build a run's decision report from its raw results: gather first, render last, write once.

`build_report(run_dir)` reads `run_dir/raw/` (see `raw/`), folds the streams into a `Report`
(metric math in `metrics.py`, verdict in `verdict.py`), prices both paths with the cost model
(`loadtests.cost`), renders `summary.md` and `index.html` (`render.py`) and writes them with
`report.json` next to `raw/`, in `write_report`, the one function here that writes files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from loadtests.report.metrics import (
    ColdStartStats,
    InvocationStats,
    latency_cdf,
    latency_summary,
    split_timeseries,
    summarize_cold_starts,
    summarize_reports,
    summarize_samples,
    sustained_peak_rps,
    swap_recorded,
)
from loadtests.report.model import LambdaDetail, PathReport, Report, Series
from loadtests.report.overhead import Overhead, summarize_overhead
from loadtests.report.raw import (
    PATHS,
    LambdaReport,
    PathCounters,
    RawRun,
    RunMeta,
    VariantsRaw,
    new_latency_histogram,
    read_raw,
    read_variants,
)
from loadtests.report.render import render_html, render_summary
from loadtests.report.tracing import trace_section
from loadtests.report.variants import VariantColumn, VariantsSection, choose, provisioned_share
from loadtests.report.verdict import VerdictInputs, decide
from strangler_core.atomic import write_atomic
from strangler_core.variants import Variant

if TYPE_CHECKING:
    from loadtests.cost import CostComparison

REPORT_JSON, SUMMARY_MD, INDEX_HTML = "report.json", "summary.md", "index.html"


# --- gathering -------------------------------------------------------------------------------


def _path_report(
    name: str,
    run: RawRun,
    counters: PathCounters | None,
    db_peak: int,
    usd_per_million: float | None,
    cold: ColdStartStats | None = None,
    measured_usd_per_million: float | None = None,
    overhead: Overhead | None = None,
) -> PathReport:
    """One path's figures; ``cold`` (the Lambda path's, when projected) gives its projection."""
    histogram = run.histograms.get(name) or new_latency_histogram()
    projected = None
    if cold is not None and cold.measured_histogram and cold.projected_histogram:
        swapped = swap_recorded(histogram, cold.measured_histogram, cold.projected_histogram)
        projected = latency_summary(swapped)
    requests = counters.requests if counters else int(histogram.get_total_count())
    return PathReport(
        name=name,
        requests=requests,
        failures=counters.failures if counters else 0,
        rps=requests / run.meta.duration_s if run.meta.duration_s > 0 else 0.0,
        latency=latency_summary(histogram),
        status_counts=dict(sorted(counters.status_counts.items())) if counters else {},
        error_classes=dict(counters.error_classes) if counters else {},
        db_connections_peak=db_peak,
        usd_per_million=usd_per_million,
        projected_latency=projected,
        measured_usd_per_million=measured_usd_per_million,
        overhead=overhead,
    )


def price(
    meta: RunMeta,
    mean_billed_ms: float,
    capacity_rps: float,
    observed_rps: float,
    prices_path: Path | None,
) -> CostComparison:
    """Both paths priced by the cost model (imported here: the report's only tie to it)."""
    from loadtests.cost import CostInputs, compare_costs, load_prices

    architecture = meta.lambda_.architecture
    if architecture not in ("x86_64", "arm64"):
        raise ValueError(f"meta.json: lambda.architecture {architecture!r} is not x86_64/arm64")
    inputs = CostInputs(
        memory_mb=meta.lambda_.memory_mb,
        architecture=cast(Any, architecture),
        mean_billed_ms=mean_billed_ms,
        measured_rps_monolith_capacity=capacity_rps,
        observed_rps=observed_rps,
    )
    return compare_costs(load_prices(prices_path), inputs)


def _cost(
    meta: RunMeta,
    invocations: InvocationStats,
    capacity_rps: float,
    observed_rps: float,
    prices_path: Path | None,
) -> tuple[CostComparison | None, CostComparison | None, str | None]:
    """The comparison with projected Init Durations billed, the one as measured, and why not."""
    if invocations.invocations == 0:
        none = "No Lambda REPORT records in the run: the Lambda bill cannot be computed."
        return None, None, none
    if observed_rps <= 0:
        return None, None, "No Lambda traffic: a cost per request needs traffic."
    if capacity_rps <= 0:
        return None, None, "The monolith served no successful requests: its capacity is unknown."
    measured = price(meta, invocations.billed_ms_mean, capacity_rps, observed_rps, prices_path)
    if not invocations.projected:
        return measured, measured, None
    mean_ms = invocations.projected_billed_ms_mean
    return price(meta, mean_ms, capacity_rps, observed_rps, prices_path), measured, None


def gather(run: RawRun, prices_path: Path | None = None) -> Report:
    """Fold a run's raw results into a `Report` (reads each stream once; writes nothing)."""
    meta = run.meta
    invocations = summarize_reports(run.lambda_reports)
    cold = summarize_cold_starts(
        run.cold_starts, invocations.init_request_ids, invocations.init_excess_ms
    )
    samples = summarize_samples(run.samples)
    seconds = split_timeseries(run.timeseries)
    capacity = sustained_peak_rps(seconds.get("monolith", []))
    counters = {name: run.counters.get(name) for name in PATHS}
    lam_requests = counters["lambda"].requests if counters["lambda"] else 0
    observed_rps = lam_requests / meta.duration_s if meta.duration_s > 0 else 0.0
    cost, measured_cost, cost_note = _cost(meta, invocations, capacity, observed_rps, prices_path)
    overhead = summarize_overhead(run.overhead or ())

    monolith = _path_report(
        "monolith",
        run,
        counters["monolith"],
        samples.db_peak_monolith,
        cost.monolith_usd_per_million if cost else None,
        overhead=overhead.get("monolith"),
    )
    lam = _path_report(
        "lambda",
        run,
        counters["lambda"],
        samples.db_peak_lambda,
        cost.serverless_usd_per_million if cost else None,
        cold if invocations.projected else None,
        measured_cost.serverless_usd_per_million if measured_cost else None,
        overhead=overhead.get("lambda"),
    )
    errors = lam.error_classes
    detail = LambdaDetail(
        cold_starts=cold,
        invocations=invocations,
        samples=samples,
        throttles=errors.get("lambda_throttle", 0),
        gateway_throttles=errors.get("gateway_throttle", 0),
        memory_mb=meta.lambda_.memory_mb,
    )
    init = detail.decision_init()
    lam_latency = lam.decision_latency
    verdict = decide(
        VerdictInputs(
            observed_rps=observed_rps,
            monolith_requests=monolith.requests,
            lambda_requests=lam.requests,
            monolith_p50_ms=monolith.latency.p50,
            monolith_p99_ms=monolith.latency.p99,
            lambda_p50_ms=lam_latency.p50,
            lambda_p99_ms=lam_latency.p99,
            monolith_failure_rate=monolith.failure_rate,
            lambda_failure_rate=lam.failure_rate,
            cold_starts=cold.count,
            cold_start_rate=detail.cold_start_rate(lam.requests),
            init_p50_ms=init.p50 if init.count else None,
            projected=invocations.projected,
            measured_lambda_p99_ms=lam.latency.p99,
            measured_init_p50_ms=(
                detail.init_duration().p50 if detail.init_duration().count else None
            ),
            throttles=detail.throttles,
            lambda_usd_per_million=cost.serverless_usd_per_million if cost else None,
            monolith_usd_per_million=cost.monolith_usd_per_million if cost else None,
            crossover_rps=cost.crossover_rps if cost else None,
            curve_max_rps=max((p.rps for p in cost.curve), default=None) if cost else None,
            monolith_overhead_p50_ms=monolith.overhead.p50 if monolith.overhead else None,
            lambda_overhead_p50_ms=lam.overhead.p50 if lam.overhead else None,
        )
    )
    series = Series(
        latency_cdf={
            name: latency_cdf(h) for name in PATHS if (h := run.histograms.get(name)) is not None
        },
        seconds=seconds,
    )
    return Report(
        meta=meta,
        monolith=monolith,
        lambda_=lam,
        detail=detail,
        monolith_capacity_rps=capacity,
        cost=cost,
        cost_note=cost_note,
        verdict=verdict,
        series=series,
        traces=(
            trace_section(run.segments, run.cold_starts, run.lambda_reports)
            if run.segments is not None
            else None
        ),
    )


# --- variants --------------------------------------------------------------------------------

CONFIGURED = "configured"
"""The main run's column: the function as strangler.toml declares it."""


def variant_column(
    name: str,
    report: Report,
    variant: Variant | None,
    reports: Iterable[LambdaReport],
    prewarm_reports: Iterable[LambdaReport],
    prices_path: Path | None,
) -> VariantColumn:
    """One column: a run's Lambda path, priced as that variant is billed (projected Init
    Durations billed where the run has them, as the main report's cost)."""
    from loadtests.cost import load_prices
    from loadtests.cost.variants import VariantUsage, variant_cost

    lam, detail, meta = report.lambda_, report.detail, report.meta.lambda_
    provisioned = meta.provisioned_concurrency or 0
    prewarm = variant.prewarm if variant is not None and variant.prewarm else 0
    every = variant.prewarm_every_min if variant is not None else None
    # a pre-warm of a sandbox already warm, as most of a month's are (1 ms: Lambda's minimum)
    warm = sorted(r.billed_ms for r in prewarm_reports if r.init_ms is None)
    inv, cost = detail.invocations, None
    if inv.invocations and meta.architecture in ("x86_64", "arm64"):
        usage = VariantUsage(
            memory_mb=meta.memory_mb,
            architecture=cast(Any, meta.architecture),
            rps=lam.rps,
            mean_billed_ms=(inv.projected_billed_ms_mean if inv.projected else inv.billed_ms_mean),
            provisioned=provisioned,
            provisioned_share=provisioned_share(reports) if provisioned else 0.0,
            prewarm_sandboxes=prewarm,
            prewarm_every_min=every,
            prewarm_billed_ms=float(warm[len(warm) // 2]) if warm else 1.0,
        )
        cost = variant_cost(load_prices(prices_path), usage)
    init, projected = detail.init_duration(), inv.projected_init
    return VariantColumn(
        name=name,
        memory_mb=meta.memory_mb,
        provisioned=provisioned,
        prewarm_sandboxes=prewarm,
        prewarm_every_min=every,
        requests=lam.requests,
        failures=lam.failures,
        latency=lam.decision_latency,
        measured_latency=lam.latency,
        cold_starts=detail.cold_starts.count,
        init_p50_ms=init.p50 if init.count else None,
        projected_init_p50_ms=projected.p50 if projected.count else None,
        throttles=detail.throttles,
        db_connections_peak=lam.db_connections_peak,
        cost=cost,
        host=detail.samples.host,
        overhead=lam.overhead,
    )


def gather_variants(
    main: Report, main_run: RawRun, variants: VariantsRaw, prices_path: Path | None
) -> VariantsSection:
    columns = [variant_column(CONFIGURED, main, None, main_run.lambda_reports, (), prices_path)]
    for raw in variants.variants:
        report = gather(raw.run, prices_path)
        columns.append(
            variant_column(
                raw.variant.name,
                report,
                raw.variant,
                raw.run.lambda_reports,
                raw.prewarm_reports,
                prices_path,
            )
        )
    return VariantsSection(tuple(columns), choose(columns, variants.objective))


# --- writing ---------------------------------------------------------------------------------


def write_report(run_dir: Path, files: dict[str, str]) -> None:
    """The one place that writes the report: each file atomically, next to `raw/`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_atomic(run_dir / name, text)


def build_report(run_dir: Path, prices_path: Path | None = None) -> Report:
    """Rebuild `report.json`, `summary.md` and `index.html` of a run from its `raw/` results."""
    run_dir = Path(run_dir)
    run = read_raw(run_dir)
    report = gather(run, prices_path)
    variants = read_variants(run_dir)
    if variants is not None:
        report = replace(report, variants=gather_variants(report, run, variants, prices_path))
    document = report.to_json()
    write_report(
        run_dir,
        {
            REPORT_JSON: json.dumps(document, indent=2) + "\n",
            SUMMARY_MD: render_summary(report),
            INDEX_HTML: render_html(report),
        },
    )
    return report
