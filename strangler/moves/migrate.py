"""``strangler migrate`` and ``strangler rollback``: the whole move of one route, step by step.

1. validate (route in Django's URLconf, a function to serve it, not already moved, stack up);
2. parity check of both paths: the route's captured requests replayed in order, reads on the
   live stack, writes on two copies of the database (one per path, never the live data),
   answers and changed rows compared; a mismatch aborts unless forced;
3. flip the route table atomically under a lock, and record the move in the ledger;
4. smoke-check through the gateway; roll back by itself when that fails.
Any error before step 3 leaves the route table byte-identical.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from strangler.moves.copies import write_paths
from strangler.moves.parity import IgnoreRules, render_diff
from strangler.moves.parity_check import ParityResult, Paths, check_parity, fetch_monolith
from strangler.moves.replay import Replay, captured_requests, generated_requests, without_body
from strangler.moves.steps import (
    MigrationError,
    RouteMove,
    apply_move,
    canonical_route,
    check_route_in_django,
    choose_function,
    load_table,
    plan_move,
    restore,
    rolled_back,
    route_keys_for,
    route_table_lock,
    save_and_record,
    snapshot,
    wait_until_served_by,
)
from strangler.profiles import profile_for
from strangler.progress import Progress
from strangler.stack.lambda_key import invoke_credentials
from strangler.stack.launch import django_env
from strangler.stack.local import LocalStack, credentials, require_running
from strangler.stack.state import read_state, traffic_dir, utc_now
from strangler_core.config import Config
from strangler_core.profile import Headers
from strangler_core.traffic import read_captured


@dataclass(frozen=True)
class MoveOutcome:
    route: str
    route_keys: tuple[str, ...]
    target: str
    table_version: int
    smoke_status: int


def migrate(
    config: Config,
    route: str,
    *,
    function: str | None = None,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> MoveOutcome:
    route = canonical_route(route)
    # 1. validate: everything that can refuse does so before anything is written
    progress(f"[1/4] validating {route}")
    table = load_table(config)
    chosen = choose_function(config, function)
    move = plan_move(table, route, chosen)
    status = require_running(config)
    if not status.get("lambda"):
        raise MigrationError("the local Lambda service is not running; `make up` starts it")
    env = django_env(config, read_state(config)["database"])
    view = check_route_in_django(config, move.route_keys[0], env)
    progress(f"      {route} is served by {view} in Django; function {chosen!r} will serve it")

    # 2. parity
    progress("[2/4] parity check: replaying requests against both paths")
    parity = _parity(config, status, move, progress)
    if parity.mismatches:
        report = render_mismatches(parity)
        if not force:
            raise MigrationError(
                f"parity check failed for {len(parity.mismatches)} of {len(parity.checked)} "
                f"requests; nothing was changed (use --force to migrate anyway):\n{report}"
            )
        progress(f"      mismatches ignored (--force):\n{report}")
    progress(
        f"      {len(parity.checked)} requests answered alike by both paths "
        f"({parity.writes} of them writes, replayed on copies of the database)"
    )

    # 3. flip
    progress("[3/4] flipping the route table")
    with route_table_lock(config):
        table = load_table(config)  # again, under the lock: another move may have landed
        move = plan_move(table, route, chosen)
        before = snapshot(table, move.route_keys)
        after_table = apply_move(table, move, utc_now())
        saved = save_and_record(
            config,
            after_table,
            {
                "at": utc_now(),
                "action": "migrate",
                "route": route,
                "route_keys": list(move.route_keys),
                "before": before,
                "after": snapshot(after_table, move.route_keys),
                "parity": {**parity.to_json(), "forced": force and bool(parity.mismatches)},
            },
            progress,
        )

        # 4. smoke check through the gateway
        smoke_path = _concrete_path(move, parity.checked)
        progress(f"[4/4] smoke check: GET {smoke_path} through the gateway")
        smoke_status, served = _smoke(config, status, smoke_path, "lambda")
        if served != "lambda" or smoke_status >= 500:
            rolled = restore(saved, before, utc_now())
            save_and_record(
                config,
                rolled,
                {
                    "at": utc_now(),
                    "action": "auto-rollback",
                    "route": route,
                    "route_keys": list(move.route_keys),
                    "before": snapshot(saved, move.route_keys),
                    "after": before,
                    "reason": f"smoke check: HTTP {smoke_status} served by {served}",
                },
                progress,
            )
            raise MigrationError(
                f"smoke check failed (HTTP {smoke_status}, served by {served}); the route was "
                "rolled back automatically"
            )
    return MoveOutcome(route, move.route_keys, "lambda", saved.version, smoke_status)


def rollback(config: Config, route: str, *, progress: Progress = lambda _: None) -> MoveOutcome:
    route = canonical_route(route)
    keys = route_keys_for(route)
    with route_table_lock(config):
        table = load_table(config)
        rolled = rolled_back(config, table, route)
        saved = save_and_record(
            config,
            rolled,
            {
                "at": utc_now(),
                "action": "rollback",
                "route": route,
                "route_keys": list(keys),
                "before": snapshot(table, keys),
                "after": snapshot(rolled, keys),
            },
            progress,
        )
    status = LocalStack(config).status()
    smoke_status = 0
    probe = RouteMove(route, keys, "").probe_path
    if status["running"] and "{" not in probe:
        smoke_status, served = _smoke(config, status, probe, "monolith")
        progress(f"smoke check: GET {probe} -> HTTP {smoke_status}, served by {served}")
    return MoveOutcome(route, keys, "monolith", saved.version, smoke_status)


def _parity(
    config: Config, status: dict[str, Any], move: RouteMove, progress: Progress
) -> ParityResult:
    live = Paths(
        status["monolith"],
        status["lambda"],
        move.function,
        config.lambda_service.region,
        invoke_credentials(config),
    )
    records = list(read_captured(traffic_dir(config)))
    for request in without_body(records, move.route_keys):
        progress(f"      not replayed: {request} (its body was not captured)")
    replays = captured_requests(records, move.route_keys)
    if replays:
        progress(f"      replaying {len(replays)} captured requests of {move.route}, in order")
    else:
        replays = _generated(live, move, credentials(config))
        progress(
            f"      no captured traffic for {move.route}: replaying {len(replays)} generated "
            "GET requests (capture traffic through the gateway to check writes too)"
        )
    rules = IgnoreRules((*config.parity.ignore, *profile_for(config).parity_ignore()))
    live_database = read_state(config)["database"]
    return check_parity(
        replays=replays,
        route_keys=move.route_keys,
        live=live,
        rules=rules,
        column_rules=rules.with_patterns(config.parity.ignore_columns),
        write_paths=lambda: write_paths(config, live_database, move.function, progress),
        progress=progress,
    )


def _generated(live: Paths, move: RouteMove, credentials: Headers) -> list[Replay]:
    # every HTTP/1.1 request names its host, and the function's event carries it (Django checks
    # it against ALLOWED_HOSTS): the one the monolith request names, so both see the same host;
    # then the profile's credentials (none for a project without a profile)
    headers: Headers = (("Host", urlsplit(live.monolith_url).netloc), *credentials)
    listing = fetch_monolith(live.monolith_url, Replay("GET", move.probe_path, headers))
    try:
        body = json.loads(listing.body)
    except ValueError:
        body = None
    return generated_requests(move.probe_path, body, headers)


def render_mismatches(parity: ParityResult) -> str:
    """Each mismatch: which request (its place in the replay), what differs, the table."""
    blocks = [
        f"request {m.index} of {parity.planned}, {m.request}: {m.what}\n"
        + render_diff(m.differences)
        for m in parity.mismatches
    ]
    if parity.not_replayed:
        blocks.append(
            f"{len(parity.not_replayed)} later writes not replayed: the copies had diverged"
        )
    return "\n".join(blocks)


def _concrete_path(move: RouteMove, checked: list[Replay]) -> str:
    """The route's own path, or (for ``/rides/{id}``) a path parity already used."""
    if "{" not in move.probe_path:
        return move.probe_path
    return checked[0].path if checked else move.probe_path


def _smoke(config: Config, status: dict[str, Any], path: str, target: str) -> tuple[int, str]:
    return wait_until_served_by(
        status["gateway"],
        path,
        credentials(config),
        target,
        config.gateway.target_header,
    )
