"""Route selection as API Gateway HTTP APIs do it (pure; no I/O).

The most specific route wins:

1. a route whose path is all literal segments (exact match);
2. a route with ``{name}`` variables: at the first segment where two candidates differ, the
   literal one wins (so the longer literal prefix, then more literal segments, wins);
3. a route ending in a greedy ``{name+}`` (one or more segments): longer literal prefix first;
4. ``$default`` when nothing else matches.

For the same path a specific method beats ``ANY``. Matching works on the decoded request path;
a variable segment never matches an empty segment, a greedy variable captures the rest of the
path (at least one segment) without its leading slash.

A trailing slash does not take part in route selection: ``/books/`` selects the route ``/books``
and ``/books/7/`` selects ``/books/{proxy+}``, as observed on HTTP APIs, whose route keys cannot
end in a slash anyway. A greedy variable still captures the rest of the path as sent (``7/``),
and the integration gets the whole path as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from strangler_core.routes import DEFAULT_ROUTE_KEY, Route, RouteTable

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: Mapping[str, str]


@dataclass(frozen=True)
class _Pattern:
    route: Route
    segments: tuple[str, ...]
    """Every segment before a greedy variable, as written in the route key."""
    variables: tuple[str | None, ...]
    """Per segment: the variable name, or None for a literal segment."""
    greedy: str | None
    """Name of the final greedy variable, if any (not part of ``segments``)."""

    def match(self, parts: list[str], trailing_slash: bool) -> dict[str, str] | None:
        count = len(self.segments)
        if self.greedy is None:
            if len(parts) != count:
                return None
        elif len(parts) <= count:
            return None
        params: dict[str, str] = {}
        for literal, name, part in zip(self.segments, self.variables, parts, strict=False):
            if name is None:
                if part != literal:
                    return None
            elif not part:
                return None
            else:
                params[name] = part
        if self.greedy is not None:
            rest = "/".join(parts[count:])
            if not rest:
                return None
            params[self.greedy] = rest + "/" if trailing_slash else rest
        return params


def selection_path(path: str) -> str:
    """The path routes are selected by: the request path without one trailing slash."""
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def _split(path: str) -> list[str]:
    return path[1:].split("/") if path != "/" else []


def _compile(route: Route) -> _Pattern:
    path = route.path
    assert path is not None
    segments = _split(path)
    greedy = None
    if segments and segments[-1].endswith("+}"):
        greedy = segments.pop()[1:-2]
    names = tuple(s[1:-1] if s.startswith("{") else None for s in segments)
    return _Pattern(route, tuple(segments), names, greedy)


def _specificity(pattern: _Pattern) -> tuple[object, ...]:
    literal_prefix = next(
        (i for i, name in enumerate(pattern.variables) if name is not None),
        len(pattern.variables),
    )
    shape = tuple(name is not None for name in pattern.variables)
    any_method = pattern.route.method == "ANY"
    if pattern.greedy is None:
        # only same-length patterns can both match a path, so comparing shapes suffices
        return (0, shape, any_method)
    return (1, -literal_prefix, shape, any_method)


MEMO_SIZE = 4096
"""Matches remembered per matcher; past it the memo starts afresh (a load of unique paths,
ids in them, costs a clear now and then, never unbounded memory)."""
_MISS = object()


class RouteMatcher:
    """A route table compiled for lookup; immutable, so one can be swapped in atomically.

    Its answers are remembered by (method, path): the table never changes, so neither does a
    path's match, and a gateway sees the same few paths over and over.
    """

    def __init__(self, table: RouteTable, *, memo_size: int = MEMO_SIZE) -> None:
        self.table = table
        self._memo: dict[tuple[str, str], Match | None] = {}
        self._memo_size = memo_size
        self._exact: dict[tuple[str, str], Route] = {}
        patterns: list[_Pattern] = []
        self._default: Route | None = None
        for route in table.routes:
            if route.route_key == DEFAULT_ROUTE_KEY:
                self._default = route
                continue
            pattern = _compile(route)
            if pattern.greedy is None and all(v is None for v in pattern.variables):
                self._exact[(route.method, route.path or "/")] = route
            else:
                patterns.append(pattern)
        self._patterns = tuple(sorted(patterns, key=_specificity))

    def match(self, method: str, path: str) -> Match | None:
        """The route for ``method path``, or None when nothing (not even $default) matches."""
        key = (method, path)
        found = self._memo.get(key, _MISS)
        if found is _MISS:
            found = self._select(method, path)
            if len(self._memo) >= self._memo_size:
                self._memo.clear()
            self._memo[key] = found
        return found  # type: ignore[return-value]

    def _select(self, method: str, path: str) -> Match | None:
        selected = selection_path(path)
        route = self._exact.get((method, selected)) or self._exact.get(("ANY", selected))
        if route is not None:
            return Match(route, _EMPTY)
        parts = _split(selected)
        trailing_slash = selected != path
        for pattern in self._patterns:
            method_ok = pattern.route.method in (method, "ANY")
            if method_ok and (params := pattern.match(parts, trailing_slash)) is not None:
                return Match(pattern.route, MappingProxyType(params))
        if self._default is not None:
            return Match(self._default, _EMPTY)
        return None
