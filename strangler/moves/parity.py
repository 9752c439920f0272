"""Parity check: does the Lambda path answer a request exactly as the monolith does?

``migrate`` sends the same request down both paths and compares what came back. Both run the
same Django code on the same data, so the answers must be equal except for values generated per
request (timestamps), which ``IgnoreRules`` names by path pattern. Pure: data in, data out; the
requests themselves are made elsewhere.

Path patterns are dotted paths into a JSON body: a dict key or a list index per segment, ``*``
for exactly one segment, ``**`` for any number of segments (zero included)::

    "id"                  the top-level "id" only
    "results.*.id"        "id" of every element of the top-level "results" list
    "*.requested_at"      "requested_at" exactly one level down
    "**.requested_at"     "requested_at" at any depth, the top level included
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_IGNORED: tuple[str, ...] = (
    "**.requested_at",
    "**.completed_at",
    "**.created_at",
    "**.updated_at",
    "**.timestamp",
)
"""Generated timestamps only: ids are compared, since both paths read the same rows."""

STATUS_PATH = "(status)"
CONTENT_TYPE_PATH = "(content-type)"
BODY_PATH = "(body)"
"""Pseudo-paths, in parentheses so that they never read like a JSON key of the body."""

MISSING = "<missing>"
MAX_VALUE_CHARS = 120
"""Longest value kept in a Difference; render_diff shortens further to fit its columns."""

_BYTES_CONTEXT = 16
_BYTES_EXCERPT = 48
_NO_CONTENT = frozenset({204, 304})
_NOT_JSON = object()
"""What _json_body returns for a body that is not JSON (``None`` is JSON's null)."""


@dataclass(frozen=True)
class Observed:
    """One response as the parity check sees it."""

    status: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class Difference:
    path: str
    """Dotted JSON path (``results.2.fare``), or one of the ``(status)``-style pseudo-paths."""
    monolith: str
    """Short representation of the monolith's value; ``<missing>`` when it has none."""
    lambda_: str


@dataclass(frozen=True)
class IgnoreRules:
    """JSON body paths whose values are not compared (their presence still is).

    A field the Lambda path drops is a regression even when its value is volatile, so an ignored
    key missing on one side is still reported.
    """

    patterns: tuple[str, ...] = DEFAULT_IGNORED
    _compiled: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = []
        for pattern in self.patterns:
            segments = tuple(pattern.split("."))
            if not all(segments):
                raise ValueError(f"ignore pattern {pattern!r} has an empty segment")
            compiled.append(segments)
        object.__setattr__(self, "_compiled", tuple(compiled))

    def with_patterns(self, patterns: Iterable[str]) -> IgnoreRules:
        """These rules plus ``patterns``."""
        return IgnoreRules((*self.patterns, *patterns))

    def ignores(self, path: Sequence[str]) -> bool:
        return any(_matches(pattern, tuple(path)) for pattern in self._compiled)


def compare(
    monolith: Observed, lam: Observed, rules: IgnoreRules, *, head: bool = False
) -> list[Difference]:
    """Every way ``lam`` differs from ``monolith``; empty when the two are equivalent.

    ``head``: the answers to a HEAD request, whose bodies are not compared (RFC 9110 §9.3.2:
    the server sends none, though a function's answer may carry one); status and Content-Type
    still are, as for the GET it stands for.
    """
    differences: list[Difference] = []
    if monolith.status != lam.status:
        differences.append(Difference(STATUS_PATH, str(monolith.status), str(lam.status)))
    mono_type, lam_type = media_type(monolith.content_type), media_type(lam.content_type)
    # no content, nothing typed: Mangum labels an empty answer (a 204) application/json where
    # gunicorn sends no Content-Type at all
    has_content = monolith.body or lam.body or (head and monolith.status not in _NO_CONTENT)
    if mono_type != lam_type and has_content:
        differences.append(
            Difference(CONTENT_TYPE_PATH, _short(monolith.content_type), _short(lam.content_type))
        )
    if head:
        return differences
    mono_json, lam_json = _json_body(mono_type, monolith.body), _json_body(lam_type, lam.body)
    if mono_json is not _NOT_JSON and lam_json is not _NOT_JSON:
        _compare_json(mono_json, lam_json, (), rules, differences)
    elif monolith.body != lam.body:
        differences.append(_bytes_difference(monolith.body, lam.body))
    return differences


def compare_values(
    mono: Any, lam: Any, path: Sequence[str], rules: IgnoreRules
) -> list[Difference]:
    """Every way the JSON value ``lam`` differs from ``mono``, paths starting with ``path``."""
    differences: list[Difference] = []
    _compare_json(mono, lam, tuple(path), rules, differences)
    return differences


def media_type(content_type: str | None) -> str | None:
    """``Application/JSON; charset=utf-8`` -> ``application/json``: parameters do not count."""
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def render_diff(differences: Sequence[Difference], width: int = 40) -> str:
    """An aligned table, one line per difference, cells cut to ``width`` characters.

    Empty when there are no differences, so callers choose their own "all equal" wording.
    """
    if not differences:
        return ""
    rows = [("path", "monolith", "lambda")] + [
        # the end of a path is its most specific part, so a long path loses its start
        (_cut_start(d.path, width), _cut_end(d.monolith, width), _cut_end(d.lambda_, width))
        for d in differences
    ]
    path_width = max(len(row[0]) for row in rows)
    mono_width = max(len(row[1]) for row in rows)
    return "\n".join(
        f"{path:<{path_width}}  {mono:<{mono_width}}  {lam}".rstrip() for path, mono, lam in rows
    )


def _matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_matches(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and head in ("*", path[0]) and _matches(rest, path[1:])


def _json_body(media: str | None, body: bytes) -> Any:
    if media is None or not (media == "application/json" or media.endswith("+json")):
        return _NOT_JSON
    try:
        return json.loads(body)
    except ValueError:
        # declared JSON but is not (an empty 204, an HTML error page): compare the bytes
        return _NOT_JSON


def _compare_json(
    mono: Any, lam: Any, path: tuple[str, ...], rules: IgnoreRules, out: list[Difference]
) -> None:
    if rules.ignores(path):
        return
    if isinstance(mono, dict) and isinstance(lam, dict):
        for key in [*mono, *(k for k in lam if k not in mono)]:
            _compare_member(mono, lam, key, (*path, key), rules, out)
    elif isinstance(mono, list) and isinstance(lam, list):
        for index in range(max(len(mono), len(lam))):
            _compare_member(mono, lam, index, (*path, str(index)), rules, out)
    elif not _same_scalar(mono, lam):
        out.append(Difference(_display(path), _short_json(mono), _short_json(lam)))


def _compare_member(
    mono: Any, lam: Any, key: Any, path: tuple[str, ...], rules: IgnoreRules, out: list[Difference]
) -> None:
    in_mono = key in mono if isinstance(mono, dict) else key < len(mono)
    in_lam = key in lam if isinstance(lam, dict) else key < len(lam)
    if in_mono and in_lam:
        _compare_json(mono[key], lam[key], path, rules, out)
    else:
        out.append(
            Difference(
                _display(path),
                _short_json(mono[key]) if in_mono else MISSING,
                _short_json(lam[key]) if in_lam else MISSING,
            )
        )


def _same_scalar(mono: Any, lam: Any) -> bool:
    # Exact types: 1, 1.0 and true are equal in Python but are different JSON answers, and both
    # paths serialise the same values with the same code. NaN is the one value unequal to itself.
    if type(mono) is not type(lam):
        return False
    if isinstance(mono, float) and math.isnan(mono):
        return math.isnan(lam)
    return bool(mono == lam)


def _display(path: tuple[str, ...]) -> str:
    return ".".join(path) if path else BODY_PATH


def _short(text: str | None) -> str:
    return MISSING if text is None else _cut_end(text, MAX_VALUE_CHARS)


def _short_json(value: Any) -> str:
    return _cut_end(json.dumps(value, ensure_ascii=False, sort_keys=True), MAX_VALUE_CHARS)


def _bytes_difference(mono: bytes, lam: bytes) -> Difference:
    # Long bodies often share a long prefix, so show both around the first byte that differs.
    offset = next(
        (i for i, (a, b) in enumerate(zip(mono, lam, strict=False)) if a != b),
        min(len(mono), len(lam)),
    )
    return Difference(
        f"{BODY_PATH} byte {offset}", _bytes_excerpt(mono, offset), _bytes_excerpt(lam, offset)
    )


def _bytes_excerpt(body: bytes, offset: int) -> str:
    start = max(0, offset - _BYTES_CONTEXT)
    end = start + _BYTES_EXCERPT
    excerpt = repr(body[start:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    return f"{prefix}{excerpt}{suffix} ({len(body)} bytes)"


def _cut_end(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cut_start(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]
