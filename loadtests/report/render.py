"""Render a gathered `Report` as `summary.md` and a self-contained `index.html` (Jinja, last).

Pure: a report in, text out. The plots are inline SVG made by `svg.py`; the page loads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from loadtests.report.metrics import Latency
from loadtests.report.model import PathReport, Report
from loadtests.report.overhead import Overhead
from loadtests.report.svg import (
    ACCENT_COLOR,
    LAMBDA_COLOR,
    MONOLITH_COLOR,
    MUTED_COLOR,
    Chart,
    Rule,
    Series,
    render_chart,
)
from loadtests.report.variants import VariantColumn
from loadtests.report.verdict import approx, fmt_rps

TEMPLATES = Path(__file__).with_name("templates")
DASH = "—"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# --- the side-by-side table ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    metric: str
    monolith: str
    lambda_: str


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _usd(value: float | None) -> str:
    return DASH if value is None else f"${value:,.2f}"


def _pct(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _projected(projected: str, measured: str, is_projected: bool) -> str:
    """A Lambda figure: the projected value labelled, the measured one beside it."""
    if not is_projected or projected == measured:
        return projected
    return f"{projected} projected ({measured} measured)"


def _overhead(overhead: Overhead | None) -> str:
    if overhead is None:
        return DASH
    return f"{_ms(overhead.p50)} / {_ms(overhead.p99)} ({overhead.probes:,} probes)"


def table_rows(report: Report) -> list[Row]:
    mono, lam, d = report.monolith, report.lambda_, report.detail
    inv = d.invocations
    proj = inv.projected
    init, measured_init = d.decision_init(), d.init_duration()
    cold, cold_projected = (
        d.cold_starts.latency,
        d.cold_starts.projected_latency or d.cold_starts.latency,
    )

    def both(metric: str, value: Callable[[PathReport], str]) -> Row:
        return Row(metric, value(mono), value(lam))

    def latency(metric: str, value: Callable[[Latency], float]) -> Row:
        return Row(
            metric,
            _ms(value(mono.latency)),
            _projected(_ms(value(lam.decision_latency)), _ms(value(lam.latency)), proj),
        )

    def net(p: PathReport) -> str:
        return DASH if (n := p.net_latency) is None else f"{_ms(n.p50)} / {_ms(n.p99)}"

    rows = [
        both("Requests", lambda p: f"{p.requests:,}"),
        both("Failed requests", lambda p: f"{p.failures:,} ({_pct(p.failure_rate)})"),
        both("Throughput", lambda p: f"{p.rps:,.1f} req/s"),
        latency("Latency p50", lambda q: q.p50),
        latency("Latency p90", lambda q: q.p90),
        latency("Latency p99", lambda q: q.p99),
        latency("Latency p99.9", lambda q: q.p999),
        latency("Latency max", lambda q: q.max),
        both("Harness overhead p50 / p99", lambda p: _overhead(p.overhead)),
        both("Latency p50 / p99 net of harness overhead", net),
        Row(
            "Cold starts",
            DASH,
            f"{d.cold_starts.count:,} ({_pct(d.cold_start_rate(lam.requests))})",
        ),
        Row(
            "Cold-start request latency p50 / max",
            DASH,
            _projected(
                f"{_ms(cold_projected.p50)} / {_ms(cold_projected.max)}",
                f"{_ms(cold.p50)} / {_ms(cold.max)}",
                proj,
            )
            if cold.count
            else DASH,
        ),
        Row(
            "Init Duration p50 / max",
            DASH,
            _projected(
                f"{_ms(init.p50)} / {_ms(init.max)}",
                f"{_ms(measured_init.p50)} / {_ms(measured_init.max)}"
                if measured_init.count
                else "none within 10 s",
                proj,
            )
            if init.count
            else DASH,
        ),
        Row("Throttled requests", DASH, f"{d.throttles:,}"),
        Row(
            "Peak concurrency",
            f"{report.meta.monolith.workers} workers x {report.meta.monolith.threads} threads",
            f"{d.samples.concurrency_peak:,}",
        ),
        both("Peak DB connections", lambda p: f"{p.db_connections_peak:,}"),
        Row(
            "Billed duration (mean)",
            DASH,
            _projected(
                f"{inv.projected_billed_ms_mean:,.1f} ms",
                f"{inv.billed_ms_mean:,.1f} ms",
                proj,
            )
            if inv.invocations
            else DASH,
        ),
        Row(
            "Max memory used",
            DASH,
            f"{inv.max_memory_used_mb} of {d.memory_mb} MB" if inv.invocations else DASH,
        ),
        Row(
            "USD per 1M requests",
            _usd(mono.usd_per_million),
            _projected(_usd(lam.usd_per_million), _usd(lam.measured_usd_per_million), proj),
        ),
    ]
    return rows


# --- the variants, side by side ----------------------------------------------------------------


@dataclass(frozen=True)
class VariantTable:
    headers: list[str]  # "Metric", "Monolith", then one per variant
    rows: list[list[str]]


def _setting(column: VariantColumn) -> str:
    parts = [f"{column.memory_mb} MB"]
    if column.provisioned:
        parts.append(f"provisioned {column.provisioned}")
    if column.prewarm_sandboxes and column.prewarm_every_min:
        parts.append(f"pre-warm {column.prewarm_sandboxes} every {column.prewarm_every_min:g} min")
    return ", ".join(parts)


def _init(column: VariantColumn) -> str:
    if column.init_p50_ms is None:
        return DASH
    if column.projected_init_p50_ms is None:
        return f"{_ms(column.init_p50_ms)} measured"
    return f"{_ms(column.projected_init_p50_ms)} ({_ms(column.init_p50_ms)} measured)"


def _latency(column: VariantColumn, percentile: str) -> str:
    """Projected, with the measured figure beside it where they differ."""
    shown = float(getattr(column.latency, percentile))
    measured = float(getattr(column.measured_latency, percentile))
    if shown == measured:
        return _ms(shown)
    return f"{_ms(shown)} ({_ms(measured)} measured)"


def _host(column: VariantColumn) -> str:
    host = column.host
    if host is None:
        return DASH
    share = f"{host.saturated_samples} of {host.samples} s"
    return f"saturated ({share})" if host.saturated else f"no ({share})"


def variant_table(report: Report) -> VariantTable | None:
    section = report.variants
    if section is None:
        return None
    mono, columns = report.monolith, section.columns

    def row(metric: str, monolith: str, value: Callable[[VariantColumn], str]) -> list[str]:
        return [metric, monolith, *(value(c) for c in columns)]

    def usd(value: float | None) -> str:
        return _usd(value)

    return VariantTable(
        headers=["Metric", "Monolith", *(c.name for c in columns)],
        rows=[
            row(
                "Setting",
                f"{report.meta.monolith.workers} workers x {report.meta.monolith.threads} threads",
                _setting,
            ),
            row(
                "Requests (failed)",
                f"{mono.requests:,} ({_pct(mono.failure_rate)})",
                lambda c: f"{c.requests:,} ({_pct(c.failure_rate)})",
            ),
            row("Latency p50", _ms(mono.latency.p50), lambda c: _latency(c, "p50")),
            row("Latency p90", _ms(mono.latency.p90), lambda c: _latency(c, "p90")),
            row("Latency p99", _ms(mono.latency.p99), lambda c: _latency(c, "p99")),
            row(
                "Harness overhead p50 / p99",
                _overhead(mono.overhead),
                lambda c: _overhead(c.overhead),
            ),
            row("Cold starts", DASH, lambda c: f"{c.cold_starts:,}"),
            row("Init Duration p50, projected", DASH, _init),
            row("Throttled requests", DASH, lambda c: f"{c.throttles:,}"),
            row(
                "Peak DB connections",
                f"{mono.db_connections_peak:,}",
                lambda c: f"{c.db_connections_peak:,}",
            ),
            row(
                "USD per 1M requests",
                usd(mono.usd_per_million),
                lambda c: usd(c.cost.usd_per_million if c.cost else None),
            ),
            row(
                "USD per month at the run's rate",
                DASH,
                lambda c: usd(c.cost.usd_per_month if c.cost else None),
            ),
            row("Host saturated (runnable > cores)", DASH, _host),
        ],
    )


# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    plot: str  # data-plot attribute
    title: str
    caption: str
    svg: Markup


COLORS = {"monolith": MONOLITH_COLOR, "lambda": LAMBDA_COLOR}
LABELS = {"monolith": "monolith", "lambda": "Lambda"}


def _latency_cdf(report: Report) -> Figure:
    series = [
        Series(LABELS[p], [(ms, pct) for ms, pct in pts if ms > 0], COLORS[p])
        for p, pts in report.series.latency_cdf.items()
    ]
    chart = Chart(
        "latency (ms, log scale)", "% of requests at or below", series, x_log=True, y_min=0
    )
    caption = (
        f"Latency distribution of each path, exact from the HDR histograms. p99: monolith "
        f"{_ms(report.monolith.latency.p99)}, Lambda {_ms(report.lambda_.latency.p99)}."
    )
    return Figure("latency-cdf", "Latency CDF", caption, Markup(render_chart(chart)))


def _latency_over_time(report: Report) -> Figure:
    series: list[Series] = []
    for path, rows in report.series.seconds.items():
        series.append(Series(f"{LABELS[path]} p50", [(r.t, r.p50_ms) for r in rows], COLORS[path]))
        series.append(
            Series(
                f"{LABELS[path]} p99", [(r.t, r.p99_ms) for r in rows], COLORS[path], dashed=True
            )
        )
    cold = report.detail.cold_starts
    series.append(
        Series(
            "cold start",
            [(c.t, c.max_latency_ms) for c in cold.per_second],
            ACCENT_COLOR,
            style="markers",
        )
    )
    chart = Chart("seconds since start", "latency (ms, log scale)", series, y_log=True)
    caption = (
        f"p50 and p99 latency per second for each path; triangles mark seconds with cold starts "
        f"(at the slowest cold-start request). {cold.count:,} cold starts in total."
    )
    return Figure("latency-over-time", "Latency over time", caption, Markup(render_chart(chart)))


def _concurrency(report: Report) -> Figure:
    rows = report.detail.samples.lambda_seconds
    series = [
        Series(
            "concurrent executions",
            [(r.t, r.concurrent_executions) for r in rows],
            LAMBDA_COLOR,
            style="step",
        ),
        Series(
            "sandboxes (warm + busy)",
            [(r.t, r.sandboxes_warm + r.sandboxes_busy) for r in rows],
            MUTED_COLOR,
            dashed=True,
        ),
        Series("throttles / s", [(r.t, r.throttles) for r in rows], ACCENT_COLOR, style="step"),
    ]
    reserved = report.meta.lambda_.reserved_concurrency
    rules = [Rule(reserved, f"reserved concurrency {reserved}", "y")] if reserved else []
    chart = Chart("seconds since start", "count", series, rules=rules, y_min=0)
    caption = (
        f"Lambda concurrency, sandboxes and throttles per second, sampled from the Lambda "
        f"service. Peak concurrency {report.detail.samples.concurrency_peak}; "
        f"{report.detail.throttles:,} requests throttled."
    )
    return Figure(
        "lambda-concurrency",
        "Lambda concurrency and throttles",
        caption,
        Markup(render_chart(chart)),
    )


def _db_connections(report: Report) -> Figure:
    rows = report.detail.samples.db_seconds
    series = [
        Series("monolith", [(r.t, r.monolith) for r in rows], MONOLITH_COLOR, style="step"),
        Series("Lambda", [(r.t, r.lambda_) for r in rows], LAMBDA_COLOR, style="step"),
        Series(
            "all clients", [(r.t, r.total) for r in rows], MUTED_COLOR, style="step", dashed=True
        ),
    ]
    limit = report.meta.database.max_connections
    rules = [Rule(limit, f"max_connections {limit}", "y", ACCENT_COLOR)] if limit else []
    chart = Chart("seconds since start", "open connections", series, rules=rules, y_min=0)
    caption = (
        f"Database connections per path (pg_stat_activity by application name). Peaks: "
        f"monolith {report.monolith.db_connections_peak}, Lambda "
        f"{report.lambda_.db_connections_peak}, all {report.detail.samples.db_peak_total}."
    )
    return Figure("db-connections", "Database connections", caption, Markup(render_chart(chart)))


def _cost(report: Report) -> Figure:
    cost = report.cost
    if cost is None:
        chart = Chart("traffic (req/s)", "USD per month", [])
        return Figure(
            "cost-vs-traffic",
            "Cost vs traffic",
            report.cost_note or "No cost data.",
            Markup(render_chart(chart)),
        )
    series = [
        Series(
            "monolith (EC2 + ALB)",
            [(p.rps, p.monolith_usd_month) for p in cost.curve],
            MONOLITH_COLOR,
        ),
        Series(
            "Lambda + API Gateway", [(p.rps, p.lambda_usd_month) for p in cost.curve], LAMBDA_COLOR
        ),
    ]
    rules = [Rule(cost.observed_rps, f"observed {fmt_rps(cost.observed_rps)} req/s")]
    if cost.crossover_rps is not None:
        rules.append(
            Rule(
                cost.crossover_rps,
                f"crossover ~{approx(cost.crossover_rps)} req/s",
                color=ACCENT_COLOR,
            )
        )
    chart = Chart(
        "steady traffic (req/s, log scale)",
        "USD per month (log scale)",
        series,
        rules=rules,
        x_log=True,
        y_log=True,
    )
    crossover = (
        f"Lambda costs more above ~{approx(cost.crossover_rps)} req/s."
        if cost.crossover_rps is not None
        else "No crossover in the modelled range."
    )
    caption = (
        f"Monthly cost of each end state at a steady traffic, from this run's billed duration "
        f"and the monolith's measured capacity ({report.monolith_capacity_rps:,.1f} req/s). "
        f"{crossover} Prices {cost.region}, as of {cost.prices_as_of}."
    )
    return Figure("cost-vs-traffic", "Cost vs traffic", caption, Markup(render_chart(chart)))


def figures(report: Report) -> list[Figure]:
    return [
        _latency_cdf(report),
        _latency_over_time(report),
        _concurrency(report),
        _db_connections(report),
        _cost(report),
    ]


# --- pages -----------------------------------------------------------------------------------


def conditions_rows(report: Report) -> list[tuple[str, str]]:
    m = report.meta
    lam = m.lambda_
    return [
        ("Route", m.route),
        ("Scenario", m.scenario),
        ("Load model", f"{m.load_model} ({m.load_model_detail})"),
        ("Users", str(m.users)),
        ("Duration", f"{m.duration_s:,.0f} s ({m.started_at} to {m.ended_at})"),
        ("Host", f"{m.host.cores or '?'} cores, Python {m.host.python}, {m.host.platform}"),
        ("Lambda function", f"{lam.function}, {lam.memory_mb} MB {lam.architecture}"),
        ("Lambda emulation limits", lam.limits),
        (
            "Reserved / provisioned concurrency",
            f"{lam.reserved_concurrency if lam.reserved_concurrency is not None else 'none'} / "
            f"{lam.provisioned_concurrency if lam.provisioned_concurrency is not None else 'none'}",
        ),
        ("Monolith", f"{m.monolith.workers} workers x {m.monolith.threads} threads"),
        (
            "Database max_connections",
            str(m.database.max_connections) if m.database.max_connections is not None else "?",
        ),
    ]


def overhead_note(report: Report) -> str | None:
    """What the overhead rows mean, under the table, when the run probed them."""
    if report.monolith.overhead is None and report.lambda_.overhead is None:
        return None
    return (
        "Harness overhead: the local emulator's own share of each path's latency, probed during "
        "the run with null requests (monolith path: the gateway's passthrough; Lambda path: the "
        "gateway, Invoke API and Runtime API hops, the REPORT Duration left out). The net "
        "latency takes it out; AWS's own API Gateway and Lambda costs are not modelled here, so "
        "it is the local latency without the emulator's share, not a forecast of AWS's."
    )


def _context(report: Report) -> dict[str, object]:
    """What both templates are given."""
    return {
        "report": report,
        "meta": report.meta,
        "rows": table_rows(report),
        "overhead_note": overhead_note(report),
        "conditions": conditions_rows(report),
        "variants": variant_table(report),
    }


def render_summary(report: Report) -> str:
    return _environment().get_template("summary.md.j2").render(_context(report))


def render_html(report: Report) -> str:
    return (
        _environment()
        .get_template("index.html.j2")
        .render(_context(report), figures=figures(report))
    )
