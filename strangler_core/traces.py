"""X-Ray segments as trees: one per trace id, spans nested under their parents.

Pure except ``load_segments``. Segments arrive as whole segment documents (with nested
``subsegments``) or as streamed subsegments (``"type": "subsegment"`` with a ``parent_id``, as
the SDK sends them in Lambda); ``build_traces`` flattens both into one tree per trace id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strangler_core.errors import StranglerError

SEGMENTS_FILE = "segments.jsonl"


class TraceFileError(StranglerError):
    """The segments file is missing or a line of it is not a JSON object."""


@dataclass
class Span:
    """One segment or subsegment, with its children in start order."""

    id: str
    trace_id: str
    parent_id: str | None
    name: str
    start: float
    end: float | None  # None while in progress
    origin: str | None
    is_segment: bool
    document: Mapping[str, Any]
    children: list[Span] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return 0.0 if self.end is None else (self.end - self.start) * 1000

    def walk(self) -> Iterator[Span]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Trace:
    trace_id: str
    roots: tuple[Span, ...]

    @property
    def start(self) -> float:
        return min(r.start for r in self.roots)

    @property
    def duration_ms(self) -> float:
        ends = [s.end for r in self.roots for s in r.walk() if s.end is not None]
        return (max(ends) - self.start) * 1000 if ends else 0.0

    def spans(self) -> Iterator[Span]:
        for root in self.roots:
            yield from root.walk()


def load_segments(path: Path) -> list[dict[str, Any]]:
    """The segments of a run directory (``raw/segments.jsonl`` or ``segments.jsonl``) or file."""
    path = Path(path)
    if path.is_dir():
        candidates = [path / "raw" / SEGMENTS_FILE, path / SEGMENTS_FILE]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise TraceFileError(f"no {SEGMENTS_FILE} in {path} (nor in {path / 'raw'})")
        path = found
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot read: {exc.strerror}") from exc
    return parse_segment_lines(lines, str(path))


def parse_segment_lines(lines: Iterable[str], where: str = "segments") -> list[dict[str, Any]]:
    segments = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TraceFileError(f"{where}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(document, dict):
            raise TraceFileError(f"{where}:{number}: not a JSON object")
        segments.append(document)
    return segments


def _flatten(
    document: Mapping[str, Any], trace_id: str, parent_id: str | None, top: bool
) -> Iterator[Span]:
    end = document.get("end_time")
    is_segment = top and document.get("type") != "subsegment"
    yield Span(
        id=str(document.get("id", "")),
        trace_id=trace_id,
        parent_id=parent_id,
        name=str(document.get("name", "?")),
        start=float(document.get("start_time", 0.0)),
        end=None if document.get("in_progress") or end is None else float(end),
        origin=document.get("origin"),
        is_segment=is_segment,
        document=document,
    )
    for child in document.get("subsegments") or ():
        if isinstance(child, Mapping):
            yield from _flatten(child, trace_id, str(document.get("id", "")), top=False)


def build_traces(segments: Iterable[Mapping[str, Any]]) -> dict[str, Trace]:
    """One tree per trace id; a span whose parent never arrived becomes a root."""
    by_trace: dict[str, dict[str, Span]] = {}
    for document in segments:
        trace_id = document.get("trace_id")
        if not isinstance(trace_id, str):
            continue
        spans = by_trace.setdefault(trace_id, {})
        parent = document.get("parent_id")
        for span in _flatten(document, trace_id, parent if isinstance(parent, str) else None, True):
            known = spans.get(span.id)
            # a later, complete copy (the SDK may stream an entity again) replaces an earlier one
            if known is None or (known.end is None and span.end is not None):
                spans[span.id] = span
    traces = {}
    for trace_id, spans in by_trace.items():
        for span in spans.values():
            span.children = []
        roots = []
        for span in spans.values():
            parent = spans.get(span.parent_id) if span.parent_id else None
            if parent is None or parent is span:
                roots.append(span)
            else:
                parent.children.append(span)
        for span in spans.values():
            span.children.sort(key=lambda s: s.start)
        roots.sort(key=lambda s: s.start)
        traces[trace_id] = Trace(trace_id, tuple(roots))
    return traces


def slowest(segments: Iterable[Mapping[str, Any]], n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` longest traces as ``(trace id, duration ms)``, longest first."""
    traces = build_traces(segments).values()
    ranked = sorted(((t.trace_id, t.duration_ms) for t in traces), key=lambda p: (-p[1], p[0]))
    return ranked[:n]
