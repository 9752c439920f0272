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
          "route_key": "GET /orders/{id}",  # {name}: one segment; final {name+}: greedy
          "integration": {
            "type": "AWS_PROXY",
            "function": "shop",             # Lambda function name
            "payload_format_version": "2.0",  # only 2.0 is emulated
            "timeout_ms": 30000             # 50..30000 (HTTP API maximum 30 s)
          }
        }
      ],
      "throttling": {                       # optional
        "stage": {"rate": 10000, "burst": 5000},      # requests/s and bucket size
        "routes": {"GET /products": {"rate": 100, "burst": 50}}
      }
    }

An HTTP_PROXY ``target`` is either the symbol ``"monolith"`` (resolved to the gateway's
``monolith_url`` setting at run time) or an absolute ``http://`` URL. Methods are GET, POST, PUT,
PATCH, DELETE, HEAD, OPTIONS or ANY. Unknown keys are rejected so a typo never goes unnoticed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, overload

from pydantic import AfterValidator, Field, model_validator

from strangler_core.atomic import write_atomic
from strangler_core.errors import ConfigError
from strangler_core.model import InvalidKey, Items, Problem, StrictModel, load, read_json

DEFAULT_ROUTE_KEY = "$default"
MONOLITH_TARGET = "monolith"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
MAX_TIMEOUT_MS = 30_000
MIN_TIMEOUT_MS = 50

_SEGMENT = re.compile(r"^(?:[^{}/]+|\{[A-Za-z0-9._-]+\+?\})$")


class RouteTableError(ConfigError):
    """The route table file is missing, unreadable or invalid."""


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


def _route_key(route_key: str) -> str:
    try:
        validate_route_key(route_key)
    except ValueError as exc:
        raise ValueError(f"is not a route key: {exc}") from None
    return route_key


RouteKey = Annotated[str, AfterValidator(_route_key)]


class Integration(StrictModel):
    type: Literal["HTTP_PROXY", "AWS_PROXY"]
    target: str | None = None
    """HTTP_PROXY only: "monolith" or an http:// URL."""
    function: str | None = None
    """AWS_PROXY only: the Lambda function name."""
    payload_format_version: Literal["2.0"] = "2.0"
    """AWS_PROXY only: only 2.0 is emulated."""
    timeout_ms: Annotated[int, Field(ge=MIN_TIMEOUT_MS, le=MAX_TIMEOUT_MS)] = MAX_TIMEOUT_MS

    @model_validator(mode="after")
    def _fits_its_type(self) -> Integration:
        if self.type == "HTTP_PROXY":
            target = self.target
            if target != MONOLITH_TARGET and not (
                target is not None and target.startswith(("http://", "https://"))
            ):
                raise InvalidKey("target", "must be 'monolith' or an http(s):// URL")
            if self.function is not None:
                raise InvalidKey("function", "belongs to AWS_PROXY integrations")
        else:
            if not self.function:
                raise InvalidKey("function", "must be a non-empty string")
            if self.target is not None:
                raise InvalidKey("target", "belongs to HTTP_PROXY integrations")
        return self

    @classmethod
    def monolith(cls) -> Integration:
        return cls(type="HTTP_PROXY", target=MONOLITH_TARGET)

    @classmethod
    def aws_proxy(cls, function: str, timeout_ms: int = MAX_TIMEOUT_MS) -> Integration:
        return cls(type="AWS_PROXY", function=function, timeout_ms=timeout_ms)


class Route(StrictModel):
    route_key: RouteKey
    integration: Integration
    since: str | None = None
    """ISO 8601: when the route took this path."""

    @overload
    def __init__(
        self, route_key: str, integration: Integration, since: str | None = None
    ) -> None: ...

    @overload
    def __init__(self, **data: Any) -> None: ...

    def __init__(self, *args: Any, **data: Any) -> None:
        # A table row reads best positionally: Route("GET /rides", Integration.monolith()).
        # Pydantic validates a decoded row through this __init__ too, by keyword.
        row = ("route_key", "integration", "since")
        super().__init__(**dict(zip(row[: len(args)], args, strict=True)), **data)

    @property
    def method(self) -> str:
        return "ANY" if self.route_key == DEFAULT_ROUTE_KEY else self.route_key.split(" ", 1)[0]

    @property
    def path(self) -> str | None:
        return None if self.route_key == DEFAULT_ROUTE_KEY else self.route_key.split(" ", 1)[1]


class Throttle(StrictModel):
    rate: Annotated[float, Field(ge=0)]
    """Steady-state requests per second."""
    burst: Annotated[int, Field(ge=0)]
    """Bucket capacity: requests allowed at once."""


class Throttling(StrictModel):
    stage: Throttle | None = None
    routes: dict[RouteKey, Throttle] = Field(default_factory=dict)


class RouteTable(StrictModel):
    version: Annotated[int, Field(ge=0)] = 0
    """Revision of this table, incremented on every save."""
    routes: Items[Route]
    throttling: Throttling = Throttling()

    @model_validator(mode="after")
    def _route_keys_are_unique(self) -> RouteTable:
        seen: set[str] = set()
        for route in self.routes:
            if route.route_key in seen:
                raise ValueError(f"route {route.route_key!r} is listed twice")
            seen.add(route.route_key)
        return self

    def route(self, route_key: str) -> Route | None:
        return next((r for r in self.routes if r.route_key == route_key), None)

    def with_route(self, route: Route) -> RouteTable:
        """This table with ``route`` added, or replacing the route with the same key."""
        others = tuple(r for r in self.routes if r.route_key != route.route_key)
        return self.model_copy(update={"routes": (*others, route)})

    def without_route(self, route_key: str) -> RouteTable:
        routes = tuple(r for r in self.routes if r.route_key != route_key)
        return self.model_copy(update={"routes": routes})


def default_route_table(since: str | None = None) -> RouteTable:
    """Everything to the monolith: the table before the first route moves."""
    return RouteTable(routes=(Route(DEFAULT_ROUTE_KEY, Integration.monolith(), since),))


def parse_route_table(data: Any, source: str = "<route table>") -> RouteTable:
    """Build a RouteTable from decoded JSON; errors name the source and the route or key."""

    def render(source: str, item: Problem) -> str:
        return f"{source}: {_describe_problem(data, item)}"

    return load(RouteTable, data, source, error_class=RouteTableError, render=render)


def _describe_problem(data: Any, item: Problem) -> str:
    """``routes[0] (GET /x): integration: 'function' must be a non-empty string``."""
    where: list[str] = []
    node = data
    *parents, key = item.loc or ("",)
    for part in parents:
        if part == "[key]":  # pydantic's marker: the problem is a mapping's key itself
            continue
        node = _child(node, part)
        if isinstance(part, int):
            route_key = node.get("route_key") if isinstance(node, dict) else None
            shown = f" ({route_key})" if isinstance(route_key, str) else ""
            where[-1] += f"[{part}]{shown}"
        else:
            where.append(part)
    if isinstance(key, int):
        where[-1] += f"[{key}]"
        problem = item.message
    elif key == "[key]":
        problem = item.message
    elif item.unknown:
        problem = f"unknown key(s) {key!r}"
    else:
        problem = f"{key!r} {item.message}" if key else item.message
    return ": ".join([*where, problem])


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return None


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
    return parse_route_table(read_json(path, RouteTableError), str(path))


def dump_route_table(table: RouteTable) -> str:
    """Stable, pretty JSON so that a migration shows up as a small, readable diff."""
    return json.dumps(route_table_to_dict(table), indent=2, ensure_ascii=False) + "\n"


def save_route_table(table: RouteTable, path: Path | str) -> RouteTable:
    """Write ``table`` with its version incremented, atomically; return what was written.

    Readers (the gateway polls the file) see either the old or the new file, never a partial
    one: the text goes to a temporary file in the same directory, is fsynced, then renamed.
    """
    path = Path(path)
    saved = table.model_copy(update={"version": table.version + 1})
    text = dump_route_table(saved)
    parse_route_table(json.loads(text), str(path))  # never write a table we could not load
    write_atomic(path, text)
    return saved


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
    rate = throttle.rate
    return {"rate": int(rate) if rate.is_integer() else rate, "burst": throttle.burst}
