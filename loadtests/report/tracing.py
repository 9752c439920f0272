"""Where the time goes, from the run's X-Ray segments (`raw/segments.jsonl`, optional).

Pure: segments in, `TraceSection` out. Each trace is one request: the gateway's stage segment
at the root, then either the monolith's Django segment or Lambda's `AWS::Lambda` ->
`AWS::Lambda::Function` (`Initialization` on cold starts, `Invocation`, `Overhead`, the
function's own subsegments). Components, in ms, add up to the gateway's total:

- gateway: the stage segment minus the target's segment (routing, proxying, the Invoke call)
- init: `Initialization` (cold starts only)
- handler: the monolith's segment, or Lambda's `Invocation`, minus SQL
- sql: the SQL subsegments
- other: Lambda only, the service's time outside init and invocation (dispatch, `Overhead`)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from loadtests.report.raw import ColdStart, LambdaReport
from strangler_core.traces import Span, Trace, build_traces

COMPONENTS = ("gateway", "init", "handler", "sql", "other")
STAGE_ORIGIN = "AWS::ApiGateway::Stage"
SERVICE_ORIGIN = "AWS::Lambda"
FUNCTION_ORIGIN = "AWS::Lambda::Function"


@dataclass(frozen=True)
class TraceTiming:
    trace_id: str
    path: str  # "monolith" | "lambda"
    cold: bool
    total_ms: float
    parts: dict[str, float]  # COMPONENTS -> ms
    lambda_request_id: str | None


@dataclass(frozen=True)
class Breakdown:
    path: str
    kind: str  # "warm" | "cold"
    count: int
    mean_ms: dict[str, float]  # COMPONENTS + "total"


@dataclass(frozen=True)
class ColdStartTrace:
    trace_id: str
    lambda_request_id: str | None
    client_latency_ms: float | None
    init_ms: float | None  # Lambda's REPORT Init Duration when joined, else the trace's
    trace_ms: float


@dataclass(frozen=True)
class TraceSection:
    traces: int
    breakdowns: tuple[Breakdown, ...]
    slowest: tuple[TraceTiming, ...]
    cold_starts: tuple[ColdStartTrace, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "traces": self.traces,
            "breakdown_ms": {
                f"{b.path}/{b.kind}": {"count": b.count, **b.mean_ms} for b in self.breakdowns
            },
            "slowest": [
                {
                    "trace_id": t.trace_id,
                    "path": t.path,
                    "cold": t.cold,
                    "total_ms": round(t.total_ms, 3),
                }
                for t in self.slowest
            ],
            "cold_starts": [
                {
                    "trace_id": c.trace_id,
                    "lambda_request_id": c.lambda_request_id,
                    "client_latency_ms": c.client_latency_ms,
                    "init_ms": c.init_ms,
                    "trace_ms": round(c.trace_ms, 3),
                }
                for c in self.cold_starts
            ],
        }


def _first(spans: Iterable[Span], origin: str) -> Span | None:
    return next((s for s in spans if s.origin == origin), None)


def _sql_ms(span: Span) -> float:
    """SQL subsegments under ``span``, counted once even if one nests in another."""
    if "sql" in span.document:
        return span.duration_ms
    return sum(_sql_ms(child) for child in span.children)


def time_trace(trace: Trace) -> TraceTiming | None:
    """The components of one request; None for a trace that is not a whole request."""
    spans = list(trace.spans())
    stage = _first(trace.roots, STAGE_ORIGIN)
    root = stage or (trace.roots[0] if trace.roots else None)
    if root is None or root.end is None:
        return None
    total = root.duration_ms
    service = _first(spans, SERVICE_ORIGIN)
    parts = dict.fromkeys(COMPONENTS, 0.0)
    request_id = None
    if service is not None:
        function = _first(spans, FUNCTION_ORIGIN)
        subs = {c.name: c for c in function.children} if function else {}
        init = subs["Initialization"].duration_ms if "Initialization" in subs else 0.0
        invocation = subs["Invocation"].duration_ms if "Invocation" in subs else 0.0
        sql = _sql_ms(function) if function else 0.0
        parts.update(
            gateway=total - service.duration_ms if stage else 0.0,
            init=init,
            handler=max(invocation - sql, 0.0),
            sql=sql,
            other=max(service.duration_ms - init - invocation, 0.0),
        )
        aws = service.document.get("aws")
        if isinstance(aws, Mapping) and aws.get("request_id"):
            request_id = str(aws["request_id"])
        return TraceTiming(trace.trace_id, "lambda", init > 0, total, parts, request_id)
    app = next((c for c in root.children if c.is_segment), None) if stage else root
    if app is None:
        return None
    sql = _sql_ms(app)
    parts.update(
        gateway=total - app.duration_ms if stage else 0.0,
        handler=max(app.duration_ms - sql, 0.0),
        sql=sql,
    )
    return TraceTiming(trace.trace_id, "monolith", False, total, parts, None)


def _breakdown(path: str, kind: str, timings: list[TraceTiming]) -> Breakdown:
    count = len(timings)
    means = {c: round(sum(t.parts[c] for t in timings) / count, 3) for c in COMPONENTS}
    means["total"] = round(sum(t.total_ms for t in timings) / count, 3)
    return Breakdown(path, kind, count, means)


def trace_section(
    segments: Iterable[Mapping[str, Any]],
    cold_starts: Iterable[ColdStart] = (),
    lambda_reports: Iterable[LambdaReport] = (),
    *,
    top: int = 10,
) -> TraceSection | None:
    """The report's trace section; None when the run recorded no segments."""
    traces = build_traces(segments)
    if not traces:
        return None
    timings = [t for t in (time_trace(trace) for trace in traces.values()) if t is not None]
    groups: dict[tuple[str, str], list[TraceTiming]] = {}
    for timing in timings:
        groups.setdefault((timing.path, "cold" if timing.cold else "warm"), []).append(timing)
    breakdowns = tuple(
        _breakdown(path, kind, groups[(path, kind)])
        for path in ("monolith", "lambda")
        for kind in ("warm", "cold")
        if (path, kind) in groups
    )
    slowest = tuple(sorted(timings, key=lambda t: (-t.total_ms, t.trace_id))[:top])
    client = {c.request_id: c for c in cold_starts if c.request_id}
    init_durations = {r.request_id: r.init_ms for r in lambda_reports if r.init_ms is not None}
    joined = []
    for timing in sorted((t for t in timings if t.cold), key=lambda t: traces[t.trace_id].start):
        rid = timing.lambda_request_id
        row = client.get(rid) if rid else None
        init_ms = init_durations.get(rid) if rid else None
        if init_ms is None and row is not None:
            init_ms = row.init_ms
        joined.append(
            ColdStartTrace(
                trace_id=timing.trace_id,
                lambda_request_id=rid,
                client_latency_ms=row.latency_ms if row is not None else None,
                init_ms=init_ms if init_ms is not None else round(timing.parts["init"], 3),
                trace_ms=timing.total_ms,
            )
        )
    return TraceSection(len(traces), breakdowns, slowest, tuple(joined))
