"""``strangler traces``: X-Ray segments collected by the local collector, as indented trees."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from strangler_core.traces import Span, build_traces, slowest


def _detail(span: Span) -> str:
    doc = span.document
    parts = []
    http = doc.get("http")
    if isinstance(http, Mapping):
        request = http.get("request") or {}
        response = http.get("response") or {}
        method, url = request.get("method"), request.get("url")
        if method or url:
            parts.append(" ".join(str(p) for p in (method, url) if p))
        if response.get("status") is not None:
            parts.append(str(response["status"]))
    sql = doc.get("sql")
    if isinstance(sql, Mapping) and sql.get("sanitized_query"):
        query = " ".join(str(sql["sanitized_query"]).split())
        parts.append(query if len(query) <= 80 else query[:77] + "...")
    if doc.get("fault"):
        parts.append("fault")
    elif doc.get("error"):
        parts.append("error")
    if span.end is None:
        parts.append("in progress")
    return "  ".join(parts)


def _render_span(span: Span, depth: int, trace_start: float, lines: list[str]) -> None:
    label = span.name + (f" [{span.origin}]" if span.origin else "")
    timing = f"+{(span.start - trace_start) * 1000:.1f} ms  {span.duration_ms:.1f} ms"
    detail = _detail(span)
    lines.append("  " * (depth + 1) + f"{label}  {timing}" + (f"  {detail}" if detail else ""))
    for child in span.children:
        _render_span(child, depth + 1, trace_start, lines)


def render_trace(segments: Iterable[Mapping[str, Any]], trace_id: str | None = None) -> str:
    """The trace ``trace_id`` (default: every trace, in start order) as an indented tree:
    one line per span, offset from the trace's start and duration in ms."""
    traces = build_traces(segments)
    chosen = (
        [traces[trace_id]]
        if trace_id is not None and trace_id in traces
        else sorted(traces.values(), key=lambda t: t.start)
    )
    if trace_id is not None and trace_id not in traces:
        return f"trace {trace_id}: no segments\n"
    blocks = []
    for trace in chosen:
        lines = [f"trace {trace.trace_id}  {trace.duration_ms:.1f} ms"]
        for root in trace.roots:
            _render_span(root, 0, trace.start, lines)
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def traces_report(segments: list[dict[str, Any]], trace_id: str | None, top: int = 10) -> str:
    """What ``strangler traces`` prints: the one trace asked for, else the ``top`` slowest
    trace ids and the tree of the slowest one."""
    if trace_id is not None:
        return render_trace(segments, trace_id)
    ranked = slowest(segments, top)
    if not ranked:
        return "no traces\n"
    lines = [f"{len(build_traces(segments))} traces; slowest {len(ranked)}:"]
    lines += [f"  {tid}  {ms:.1f} ms" for tid, ms in ranked]
    return "\n".join(lines) + "\n\n" + render_trace(segments, ranked[0][0])
