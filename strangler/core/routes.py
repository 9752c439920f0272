"""The route table: which routes the gateway sends to the monolith and which to Lambda.

The table is one JSON file, the single source of truth for the local gateway, ``migrate`` /
``rollback`` and the AWS deployer. Schema (version 1 of the format; ``version`` below is the
table's revision, incremented on every save)::

    {
      "version": 7,                         # int >= 0, revision of this table
      "routes": [                           # list, route keys unique
        {
          "route_key": "$default",          # "$default" | "METHOD /path" | "ANY /path"
          "integration": {"type": "HTTP_PROXY", "target": "monolith"},
          "since": "2026-11-23T14:00:00Z"   # optional, ISO 8601: when the route took this path
        },
        {
          "route_key": "GET /rides/{id}",   # {name}: one segment; final {name+}: greedy
          "integration": {
            "type": "AWS_PROXY",
            "function": "wildrydes",        # Lambda function name
            "payload_format_version": "2.0",  # only 2.0 is emulated
            "timeout_ms": 30000             # 50..30000 (HTTP API maximum 30 s)
          }
        }
      ],
      "throttling": {                       # optional
        "stage": {"rate": 10000, "burst": 5000},      # requests/s and bucket size
        "routes": {"GET /unicorns": {"rate": 100, "burst": 50}}
      }
    }

An HTTP_PROXY ``target`` is either the symbol ``"monolith"`` (resolved to the gateway's
``--monolith-url`` at run time) or an absolute ``http://`` URL. Methods are GET, POST, PUT,
PATCH, DELETE, HEAD, OPTIONS or ANY. Unknown keys are rejected so a typo never goes unnoticed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from strangler.core.atomic import write_atomic
from strangler.core.errors import ConfigError

DEFAULT_ROUTE_KEY = "$default"
MONOLITH_TARGET = "monolith"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
MAX_TIMEOUT_MS = 30_000
MIN_TIMEOUT_MS = 50

_SEGMENT = re.compile(r"^(?:[^{}/]+|\{[A-Za-z0-9._-]+\+?\})$")


class RouteTableError(ConfigError):
    """The route table file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class Integration:
    type: Literal["HTTP_PROXY", "AWS_PROXY"]
    target: str | None = None
    """HTTP_PROXY only: "monolith" or an http:// URL."""
    function: str | None = None
    """AWS_PROXY only: the Lambda function name."""
    payload_format_version: str = "2.0"
    timeout_ms: int = MAX_TIMEOUT_MS

    @classmethod
    def monolith(cls) -> Integration:
        return cls(type="HTTP_PROXY", target=MONOLITH_TARGET)

    @classmethod
    def aws_proxy(cls, function: str, timeout_ms: int = MAX_TIMEOUT_MS) -> Integration:
        return cls(type="AWS_PROXY", function=function, timeout_ms=timeout_ms)


@dataclass(frozen=True)
class Route:
    route_key: str
    integration: Integration
    since: str | None = None

    @property
    def method(self) -> str:
        return "ANY" if self.route_key == DEFAULT_ROUTE_KEY else self.route_key.split(" ", 1)[0]

    @property
    def path(self) -> str | None:
        return None if self.route_key == DEFAULT_ROUTE_KEY else self.route_key.split(" ", 1)[1]


@dataclass(frozen=True)
class Throttle:
    rate: float
    """Steady-state requests per second."""
    burst: int
    """Bucket capacity: requests allowed at once."""


@dataclass(frozen=True)
class Throttling:
    stage: Throttle | None = None
    routes: Mapping[str, Throttle] = field(default_factory=dict)


@dataclass(frozen=True)
class RouteTable:
    version: int
    routes: tuple[Route, ...]
    throttling: Throttling = field(default_factory=Throttling)

    def route(self, route_key: str) -> Route | None:
        return next((r for r in self.routes if r.route_key == route_key), None)

    def with_route(self, route: Route) -> RouteTable:
        """This table with ``route`` added, or replacing the route with the same key."""
        others = tuple(r for r in self.routes if r.route_key != route.route_key)
        return replace(self, routes=(*others, route))

    def without_route(self, route_key: str) -> RouteTable:
        return replace(self, routes=tuple(r for r in self.routes if r.route_key != route_key))


def default_route_table(since: str | None = None) -> RouteTable:
    """Everything to the monolith: the table before the first route moves."""
    return RouteTable(version=0, routes=(Route(DEFAULT_ROUTE_KEY, Integration.monolith(), since),))


def validate_route_key(route_key: str) -> None:
    """Raise ValueError when ``route_key`` is not ``$default`` or ``METHOD /path``."""
    if route_key == DEFAULT_ROUTE_KEY:
        return
    method, _, path = route_key.partition(" ")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(sorted(METHODS))}, not {method!r}")
    if not path.startswith("/"):
        raise ValueError("path must start with '/'")
    if path == "/":
        return
    segments = path[1:].split("/")
    for i, segment in enumerate(segments):
        if not _SEGMENT.match(segment):
            raise ValueError(f"invalid path segment {segment!r}")
        if segment.endswith("+}") and i != len(segments) - 1:
            raise ValueError(f"greedy variable {segment} must be the last segment")


def parse_route_table(data: Any, source: str = "<route table>") -> RouteTable:
    """Build a RouteTable from decoded JSON; errors name the source and the route or key."""
    obj = _mapping(data, source, {"version", "routes", "throttling"})
    version = obj.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise RouteTableError(f"{source}: 'version' must be a non-negative integer")
    raw_routes = obj.get("routes")
    if not isinstance(raw_routes, list):
        raise RouteTableError(f"{source}: 'routes' must be a list")
    routes: list[Route] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_routes):
        route = _parse_route(raw, f"{source}: routes[{index}]")
        if route.route_key in seen:
            raise RouteTableError(f"{source}: route {route.route_key!r} is listed twice")
        seen.add(route.route_key)
        routes.append(route)
    throttling = _parse_throttling(obj.get("throttling", {}), f"{source}: throttling")
    return RouteTable(version=version, routes=tuple(routes), throttling=throttling)


def route_table_to_dict(table: RouteTable) -> dict[str, Any]:
    """The JSON form of ``table``: the inverse of ``parse_route_table``."""
    data: dict[str, Any] = {
        "version": table.version,
        "routes": [_route_to_dict(r) for r in sorted(table.routes, key=_route_order)],
    }
    throttling: dict[str, Any] = {}
    if table.throttling.stage is not None:
        throttling["stage"] = _throttle_to_dict(table.throttling.stage)
    if table.throttling.routes:
        throttling["routes"] = {
            key: _throttle_to_dict(t) for key, t in sorted(table.throttling.routes.items())
        }
    if throttling:
        data["throttling"] = throttling
    return data


def load_route_table(path: Path | str) -> RouteTable:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RouteTableError(f"cannot read route table {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RouteTableError(f"{path}: not valid JSON: {exc}") from exc
    return parse_route_table(data, str(path))


def dump_route_table(table: RouteTable) -> str:
    """Stable, pretty JSON so that a migration shows up as a small, readable diff."""
    return json.dumps(route_table_to_dict(table), indent=2, ensure_ascii=False) + "\n"


def save_route_table(table: RouteTable, path: Path | str) -> RouteTable:
    """Write ``table`` with its version incremented, atomically; return what was written.

    Readers (the gateway polls the file) see either the old or the new file, never a partial
    one: the text goes to a temporary file in the same directory, is fsynced, then renamed.
    """
    path = Path(path)
    saved = replace(table, version=table.version + 1)
    text = dump_route_table(saved)
    parse_route_table(json.loads(text), str(path))  # never write a table we could not load
    write_atomic(path, text)
    return saved


def _mapping(data: Any, where: str, allowed: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise RouteTableError(f"{where}: must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RouteTableError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    return data


def _parse_route(raw: Any, where: str) -> Route:
    obj = _mapping(raw, where, {"route_key", "integration", "since"})
    route_key = obj.get("route_key")
    if not isinstance(route_key, str):
        raise RouteTableError(f"{where}: 'route_key' must be a string")
    where = f"{where} ({route_key})"
    try:
        validate_route_key(route_key)
    except ValueError as exc:
        raise RouteTableError(f"{where}: route_key: {exc}") from exc
    since = obj.get("since")
    if since is not None and not isinstance(since, str):
        raise RouteTableError(f"{where}: 'since' must be an ISO 8601 string")
    integration = _parse_integration(obj.get("integration"), f"{where}: integration")
    return Route(route_key=route_key, integration=integration, since=since)


def _parse_integration(raw: Any, where: str) -> Integration:
    obj = _mapping(
        raw, where, {"type", "target", "function", "payload_format_version", "timeout_ms"}
    )
    kind = obj.get("type")
    timeout_ms = obj.get("timeout_ms", MAX_TIMEOUT_MS)
    if (
        not isinstance(timeout_ms, int)
        or isinstance(timeout_ms, bool)
        or not MIN_TIMEOUT_MS <= timeout_ms <= MAX_TIMEOUT_MS
    ):
        raise RouteTableError(
            f"{where}: 'timeout_ms' must be an integer from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"
        )
    if kind == "HTTP_PROXY":
        target = obj.get("target")
        if target != MONOLITH_TARGET and not (
            isinstance(target, str) and target.startswith(("http://", "https://"))
        ):
            raise RouteTableError(f"{where}: 'target' must be 'monolith' or an http(s):// URL")
        if "function" in obj:
            raise RouteTableError(f"{where}: 'function' belongs to AWS_PROXY integrations")
        return Integration(type="HTTP_PROXY", target=target, timeout_ms=timeout_ms)
    if kind == "AWS_PROXY":
        function = obj.get("function")
        if not isinstance(function, str) or not function:
            raise RouteTableError(f"{where}: 'function' must be a non-empty string")
        version = obj.get("payload_format_version", "2.0")
        if version != "2.0":
            raise RouteTableError(f"{where}: only payload_format_version '2.0' is supported")
        if "target" in obj:
            raise RouteTableError(f"{where}: 'target' belongs to HTTP_PROXY integrations")
        return Integration(type="AWS_PROXY", function=function, timeout_ms=timeout_ms)
    raise RouteTableError(f"{where}: 'type' must be 'HTTP_PROXY' or 'AWS_PROXY'")


def _parse_throttling(raw: Any, where: str) -> Throttling:
    obj = _mapping(raw, where, {"stage", "routes"})
    stage = obj.get("stage")
    routes = obj.get("routes", {})
    if not isinstance(routes, dict):
        raise RouteTableError(f"{where}: 'routes' must be an object keyed by route key")
    parsed: dict[str, Throttle] = {}
    for key, value in routes.items():
        try:
            validate_route_key(key)
        except ValueError as exc:
            raise RouteTableError(f"{where}: routes: {key!r}: {exc}") from exc
        parsed[key] = _parse_throttle(value, f"{where}: routes: {key}")
    return Throttling(
        stage=None if stage is None else _parse_throttle(stage, f"{where}: stage"),
        routes=parsed,
    )


def _parse_throttle(raw: Any, where: str) -> Throttle:
    obj = _mapping(raw, where, {"rate", "burst"})
    rate, burst = obj.get("rate"), obj.get("burst")
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate < 0:
        raise RouteTableError(f"{where}: 'rate' must be a non-negative number")
    if not isinstance(burst, int) or isinstance(burst, bool) or burst < 0:
        raise RouteTableError(f"{where}: 'burst' must be a non-negative integer")
    return Throttle(rate=rate, burst=burst)


def _route_order(route: Route) -> tuple[str, str]:
    # "$default" sorts first ("$" < "/"), then by path, then by method
    return (route.path or "", route.method)


def _route_to_dict(route: Route) -> dict[str, Any]:
    integration = route.integration
    if integration.type == "HTTP_PROXY":
        body: dict[str, Any] = {"type": "HTTP_PROXY", "target": integration.target}
        if integration.timeout_ms != MAX_TIMEOUT_MS:
            body["timeout_ms"] = integration.timeout_ms
    else:
        body = {
            "type": "AWS_PROXY",
            "function": integration.function,
            "payload_format_version": integration.payload_format_version,
            "timeout_ms": integration.timeout_ms,
        }
    data: dict[str, Any] = {"route_key": route.route_key, "integration": body}
    if route.since is not None:
        data["since"] = route.since
    return data


def _throttle_to_dict(throttle: Throttle) -> dict[str, Any]:
    return {"rate": throttle.rate, "burst": throttle.burst}
