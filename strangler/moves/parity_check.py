"""The parity check's I/O: which requests to replay, and both paths' answers to them.

Requests come from the gateway's access log when it recorded traffic for the route, else they
are generated: GET on the route, and GET on items the listing names (``.../<id>``). Unsafe
methods are never replayed against real data: they are reported as skipped.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.gateway.events import map_lambda_result
from strangler.core.matching import RouteMatcher
from strangler.core.routes import Integration, Route, RouteTable
from strangler.moves.parity import Difference, IgnoreRules, Observed, compare
from strangler.stack.invoke import http_event, invoke

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_REPLAYED = 20


@dataclass(frozen=True)
class Replay:
    method: str
    path: str


@dataclass
class ParityResult:
    checked: list[Replay] = field(default_factory=list)
    skipped: list[Replay] = field(default_factory=list)
    mismatches: dict[str, list[Difference]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": len(self.checked),
            "skipped_unsafe": [f"{r.method} {r.path}" for r in self.skipped],
            "mismatched": sorted(self.mismatches),
        }


def recorded_requests(access_log: Path, route_keys: Iterable[str]) -> list[Replay]:
    """Distinct requests of the access log that the moving route keys would match."""
    matcher = RouteMatcher(
        RouteTable(version=0, routes=tuple(Route(k, Integration.monolith()) for k in route_keys))
    )
    seen: dict[Replay, None] = {}
    try:
        lines = access_log.read_text().splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        method, path = record.get("httpMethod"), record.get("path")
        if method and path and matcher.match(method, path) is not None:
            seen.setdefault(Replay(method, path), None)
    return list(seen)


def generated_requests(listing_path: str, listing: Any) -> list[Replay]:
    """GET the route, and GET the first few items it lists (by their ``id`` or ``name``)."""
    replays = [Replay("GET", listing_path)]
    items = listing.get("results") if isinstance(listing, dict) else listing
    if isinstance(items, list):
        for item in items[:3]:
            key = item.get("id") or item.get("name") if isinstance(item, dict) else None
            if key:
                replays.append(Replay("GET", f"{listing_path.rstrip('/')}/{key}"))
    return replays


def fetch_monolith(monolith_url: str, replay: Replay, token: str | None) -> Observed:
    request = urllib.request.Request(monolith_url + replay.path, method=replay.method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Observed(response.status, response.headers.get("Content-Type"), response.read())
    except urllib.error.HTTPError as exc:
        return Observed(exc.code, exc.headers.get("Content-Type"), exc.read())


def fetch_lambda(
    lambda_url: str, function: str, region: str, replay: Replay, token: str | None
) -> Observed:
    event = http_event(replay.method, replay.path, token, None)
    result = invoke(lambda_url, function, event, region)
    if result.function_error:
        return Observed(502, "application/json", json.dumps(result.payload).encode())
    response = map_lambda_result(json.dumps(result.payload).encode())
    content_type = next((v for k, v in response.headers if k.lower() == "content-type"), None)
    return Observed(response.status, content_type, response.body)


def check_parity(
    *,
    replays: list[Replay],
    monolith_url: str,
    lambda_url: str,
    function: str,
    region: str,
    token: str | None,
    rules: IgnoreRules,
) -> ParityResult:
    result = ParityResult()
    for replay in replays[:MAX_REPLAYED]:
        if replay.method not in SAFE_METHODS:
            result.skipped.append(replay)
            continue
        monolith = fetch_monolith(monolith_url, replay, token)
        lam = fetch_lambda(lambda_url, function, region, replay, token)
        result.checked.append(replay)
        differences = compare(monolith, lam, rules)
        if differences:
            result.mismatches[f"{replay.method} {replay.path}"] = differences
    return result
