"""The requests a parity check replays: the route's captured traffic, else generated GETs (pure).

A captured request is replayed as the client sent it: method, raw path and query, its own
headers (the user's own cookies, session or token: whatever their project uses) and body. Only
what belongs to one connection is dropped (hop-by-hop headers, and ``Content-Length``, which
the sender recomputes for the body it sends). Order is capture order: unsafe requests depend on
what the ones before them wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from infra.local.gateway.passthrough import HOP_BY_HOP
from strangler_core.matching import Match, RouteMatcher
from strangler_core.routes import Integration, Route, RouteTable
from strangler_core.traffic import CapturedRequest, redacted_target

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_REPLAYED = 30
"""The most recent requests of the route that a check replays (each write costs two table
scans of both copies)."""

ITEM_KEYS = ("id", "pk", "slug", "name")
"""Fields that name an item of a listing, in order of preference (``url`` is tried last)."""

_DROPPED = HOP_BY_HOP | {"content-length", "host"}

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Replay:
    method: str
    target: str
    """The request target as sent: raw (percent-encoded) path, and ``?query`` when there is one."""
    headers: Headers = ()
    """End-to-end headers as captured, ``Host`` included (the Lambda event carries it)."""
    body: bytes = b""

    @property
    def safe(self) -> bool:
        return self.method in SAFE_METHODS

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]

    @property
    def path(self) -> str:
        return self.target

    def __str__(self) -> str:
        # how reports name the request: a token in its query is not printed
        return f"{self.method} {redacted_target(self.target)}"


def route_matcher(route_keys: Iterable[str]) -> RouteMatcher:
    routes = tuple(Route(key, Integration.monolith()) for key in route_keys)
    return RouteMatcher(RouteTable(version=0, routes=routes))


def match(matcher: RouteMatcher, replay: Replay) -> Match | None:
    """The moving route key ``replay`` falls under (routes match the decoded path)."""
    return matcher.match(replay.method, unquote(replay.raw_path))


def captured_requests(
    records: Iterable[CapturedRequest], route_keys: Iterable[str], limit: int = MAX_REPLAYED
) -> list[Replay]:
    """The route's captured requests in capture order: the latest ``limit`` of them.

    A safe request repeated with the same target and headers is kept once (its first time);
    unsafe ones are all kept, since each may change what the next one finds. A request whose
    body was not recorded cannot be resent (``without_body`` lists those).
    """
    matcher = route_matcher(route_keys)
    replays: list[Replay] = []
    seen: set[Replay] = set()
    for record in records:
        if not record.body_complete:
            continue
        replay = Replay(
            record.method.upper(),
            record.target,
            tuple((name, value) for name, value in record.headers if _end_to_end(name, record)),
            record.body,
        )
        if match(matcher, replay) is None:
            continue
        if replay.safe:
            if replay in seen:
                continue
            seen.add(replay)
        replays.append(replay)
    return replays[-limit:]


def without_body(records: Iterable[CapturedRequest], route_keys: Iterable[str]) -> list[str]:
    """``METHOD target`` of the route's captured requests whose body was not recorded."""
    matcher = route_matcher(route_keys)
    return [
        f"{r.method} {r.target}"
        for r in records
        if not r.body_complete and match(matcher, Replay(r.method.upper(), r.target)) is not None
    ]


def _end_to_end(name: str, record: CapturedRequest) -> bool:
    lower = name.lower()
    if lower == "host":
        return True
    return lower not in _DROPPED and lower not in _connection_tokens(record.headers)


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    # RFC 9110 7.6.1: headers named in Connection are hop-by-hop too
    return {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
    }


def generated_requests(listing_path: str, listing: Any, headers: Headers = ()) -> list[Replay]:
    """GET the route, and GET the first few items its JSON listing names.

    The listing is a JSON array of objects, or an object holding one (``results``, ``data``,
    ...); an item is named by its first field of ``ITEM_KEYS``, or by the path of its ``url``.
    Names are percent-encoded: ``/products/Blue Shirt`` is sent as ``/products/Blue%20Shirt``.
    """
    base = quote(listing_path, safe="/")
    replays = [Replay("GET", base, headers)]
    for item in _items(listing)[:3]:
        target = _item_target(base, item)
        if target is not None:
            replays.append(Replay("GET", target, headers))
    return replays


def _items(listing: Any) -> list[Any]:
    if isinstance(listing, list):
        return listing
    if isinstance(listing, dict):
        for value in listing.values():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value
    return []


def _item_target(base: str, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for key in ITEM_KEYS:
        value = item.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            trailing = "/" if base.endswith("/") else ""
            return f"{base.rstrip('/')}/{quote(str(value), safe='')}{trailing}"
    url = item.get("url")
    if isinstance(url, str):
        from urllib.parse import urlsplit

        path = urlsplit(url).path
        return path if path.startswith(base.rstrip("/") + "/") else None
    return None
