"""Building blocks of ``migrate`` and ``rollback``: route keys, checks, lock, table edits.

Validate (nothing changes on any error), check parity, flip the route table atomically under a
lock, record the move in the ledger, smoke-check through the gateway, and roll back by itself
when the smoke check fails.
"""

from __future__ import annotations

import fcntl
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from strangler.moves.ledger import append_entry, last_migration, ledger_path
from strangler.progress import Progress
from strangler.stack.probes import run_in_project
from strangler.stack.route_table import shown
from strangler.stack.state import utc_now
from strangler_core.config import Config
from strangler_core.errors import ConfigError, StranglerError
from strangler_core.profile import Headers
from strangler_core.routes import (
    DEFAULT_ROUTE_KEY,
    Integration,
    Route,
    RouteTable,
    load_route_table,
    save_route_table,
    validate_route_key,
)

_PATH_RE = re.compile(
    r"^/(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9._-]+\+?\})(?:/(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9._-]+\+?\}))*$"
)
SMOKE_TIMEOUT_S = 10.0


class MigrationError(StranglerError):
    """A migrate or rollback was refused or failed; the route table is as it was."""


@dataclass(frozen=True)
class RouteMove:
    """What one migrate or rollback changes: these route keys, to this integration."""

    route: str
    route_keys: tuple[str, ...]
    function: str

    @property
    def probe_path(self) -> str:
        """A concrete path of the route, for the smoke check."""
        key = self.route_keys[0]
        return key.split(" ", 1)[1] if " " in key else key


def canonical_route(route: str) -> str:
    """``/api/books/`` -> ``/api/books`` (also in ``GET /api/books/``): the route as moved.

    Django's trailing slash (APPEND_SLASH) is no part of a route key: API Gateway HTTP APIs
    refuse route paths that end in a slash and select ``/api/books`` for ``/api/books/``.
    """
    method, space, path = route.rpartition(" ")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return f"{method}{space}{path}"


def route_keys_for(route: str) -> tuple[str, ...]:
    """``/rides`` moves the route and everything below it; ``GET /rides/{id}`` moves one key.

    A trailing slash is dropped first (``/api/books/`` moves ``/api/books`` and below), so a
    route can be given as Django writes it.
    """
    route = canonical_route(route)
    if route.startswith("/"):
        if not _PATH_RE.match(route):
            raise MigrationError(
                f"{route!r} is not a route path: expected /segment[/segment...] with optional "
                "{param} or a final {proxy+}"
            )
        if route.endswith("+}"):
            return (f"ANY {route}",)
        return (f"ANY {route}", f"ANY {route}/{{proxy+}}")
    try:
        validate_route_key(route)
    except ValueError as exc:
        raise MigrationError(f"{route!r} is not a route path or route key: {exc}") from None
    if route == DEFAULT_ROUTE_KEY:
        raise MigrationError("$default is the monolith passthrough itself; migrate a route path")
    return (route,)


def choose_function(config: Config, requested: str | None) -> str:
    if not config.functions:
        raise MigrationError(
            f"no function is declared: add a [[functions]] table to {config.source} "
            "(name, memory_mb, ...) to serve migrated routes"
        )
    if requested is not None:
        if config.function(requested) is None:
            names = ", ".join(f.name for f in config.functions)
            raise MigrationError(f"no function {requested!r} in [[functions]] (declared: {names})")
        return requested
    if len(config.functions) > 1:
        names = ", ".join(f.name for f in config.functions)
        raise MigrationError(f"several functions are declared ({names}); pick one with --function")
    return config.functions[0].name


def check_route_in_django(config: Config, route: str, env: dict[str, str]) -> str:
    """The view that serves ``route`` in the project's URLconf, or a MigrationError."""
    path = route.split(" ", 1)[1] if " " in route else route
    result = run_in_project(config, "strangler.moves.django_probe", [path], env, timeout_s=60)
    if result.returncode != 0:
        raise MigrationError(f"could not load the Django URLconf:\n{result.stderr.strip()}")
    answer = json.loads(result.stdout)
    if not answer["resolves"]:
        raise MigrationError(
            f"{path} does not exist in the Django project's URLconf ({config.django.settings}); "
            "only routes the monolith serves can move"
        )
    return str(answer["view"] or answer["route"])


def plan_move(table: RouteTable, route: str, function: str) -> RouteMove:
    route = canonical_route(route)
    move = RouteMove(route=route, route_keys=route_keys_for(route), function=function)
    for key in move.route_keys:
        existing = table.route(key)
        if existing is not None and existing.integration.type == "AWS_PROXY":
            raise MigrationError(
                f"{key} is already migrated (to {existing.integration.function}, since "
                f"{existing.since or 'unknown'}); roll it back first"
            )
    return move


@contextmanager
def route_table_lock(config: Config) -> Iterator[None]:
    """One migrate or rollback at a time per route table (two would race on the file)."""
    lock_path = config.run_dir / "routes.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MigrationError(
                "another migrate or rollback is running on this route table; try again when "
                "it has finished"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def snapshot(table: RouteTable, keys: tuple[str, ...]) -> dict[str, Any]:
    """The integrations of ``keys`` (None when absent), as JSON for the ledger."""
    out: dict[str, Any] = {}
    for key in keys:
        route = table.route(key)
        out[key] = None if route is None else _integration_json(route.integration)
    return out


def _integration_json(integration: Integration) -> dict[str, Any]:
    if integration.type == "AWS_PROXY":
        return {"type": "AWS_PROXY", "function": integration.function}
    return {"type": "HTTP_PROXY", "target": integration.target}


def apply_move(table: RouteTable, move: RouteMove, since: str) -> RouteTable:
    for key in move.route_keys:
        table = table.with_route(Route(key, Integration.aws_proxy(move.function), since))
    return table


def restore(table: RouteTable, before: dict[str, Any], since: str) -> RouteTable:
    """Put ``before`` back: keys that did not exist are removed (they fall to $default)."""
    for key, integration in before.items():
        if integration is None:
            table = table.without_route(key)
        elif integration["type"] == "AWS_PROXY":
            table = table.with_route(
                Route(key, Integration.aws_proxy(integration["function"]), since)
            )
        else:
            table = table.with_route(Route(key, Integration.monolith(), since))
    return table


def wait_until_served_by(
    gateway_url: str, path: str, credentials: Headers, target: str, header: str
) -> tuple[int, str]:
    """GET ``path`` through the gateway until ``target`` serves it; (status, served by)."""
    deadline = time.monotonic() + SMOKE_TIMEOUT_S
    status, served = 0, "nothing"
    while time.monotonic() < deadline:
        request = urllib.request.Request(gateway_url + path, headers=dict(credentials))
        try:
            with urllib.request.urlopen(request, timeout=SMOKE_TIMEOUT_S) as response:
                status, served = response.status, response.headers.get(header, "?")
        except urllib.error.HTTPError as exc:
            status, served = exc.code, exc.headers.get(header, "?")
        except OSError as exc:
            status, served = 0, f"no answer ({exc})"
        if served == target:
            return status, served
        time.sleep(0.1)  # the gateway polls the table file every 200 ms
    return status, served


def rolled_back(config: Config, table: RouteTable, route: str) -> RouteTable:
    """``table`` with ``route`` back where its last migration found it (else on $default)."""
    route = canonical_route(route)
    keys = route_keys_for(route)
    if not any((r := table.route(k)) and r.integration.type == "AWS_PROXY" for k in keys):
        raise MigrationError(f"{route} is not migrated; nothing to roll back")
    previous = last_move_of(config, route)
    before = previous["before"] if previous else {key: None for key in keys}
    return restore(table, before, utc_now())


def load_table(config: Config) -> RouteTable:
    if not config.routes_path.exists():
        raise ConfigError(f"route table {config.routes_path} does not exist; `make up` creates it")
    return load_route_table(config.routes_path)


def save_and_record(
    config: Config, table: RouteTable, entry: dict[str, Any], progress: Progress
) -> RouteTable:
    saved = save_route_table(table, config.routes_path)
    append_entry(ledger_path(config.routes_path), {**entry, "table_version": saved.version})
    progress(f"route table {shown(config, config.routes_path)} is now version {saved.version}")
    return saved


def last_move_of(config: Config, route: str) -> dict[str, Any] | None:
    return last_migration(ledger_path(config.routes_path), route)
