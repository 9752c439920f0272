"""``make demo``: start the stack, then show real requests going through it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from strangler.core.config import Config
from strangler.progress import Progress
from strangler.stack.local import LocalStack


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    elapsed_ms: float
    body: Any


def call(base_url: str, method: str, path: str, token: str | None, body: Any = None) -> Exchange:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Exchange(method, path, status, elapsed_ms, json.loads(raw) if raw else None)


def _note(exchange: Exchange) -> str:
    body = exchange.body
    if isinstance(body, list):
        return f"{len(body)} items"
    if isinstance(body, dict):
        if "results" in body:
            return f"{body.get('count')} rides, page {body.get('page')}"
        if "unicorn" in body:
            return (
                f"ride {str(body['id'])[:8]}… {body['status']}, unicorn {body['unicorn']['name']}"
            )
        if "error" in body:
            return str(body["error"])
        return ", ".join(f"{k}={v}" for k, v in list(body.items())[:3])
    return ""


def run_demo(
    config: Config, console: Console, progress: Progress, *, duration_s: float = 60.0
) -> int:
    """Start the stack, show real requests, move /rides to Lambda, compare both paths."""
    status = LocalStack(config, progress=progress).up()
    _show_requests(config, console, status)
    _migrate_if_needed(config, console, progress, "/rides")
    from strangler.measure.compare import CompareRequest, run_compare

    progress(f"comparison run: /rides through both paths for {duration_s:.0f} s")
    run_dir = run_compare(
        config, CompareRequest(route="/rides", duration_s=duration_s), progress=progress
    )
    from loadtests.report.build import build_report

    build_report(run_dir)
    console.print((run_dir / "summary.md").read_text(), markup=False, soft_wrap=True)
    console.print(f"report: {run_dir / 'index.html'}", soft_wrap=True)
    console.print(
        "next: `make rollback-route ROUTE=/rides` sends /rides back to the monolith; "
        "`make down` stops everything."
    )
    return 0


def _migrate_if_needed(config: Config, console: Console, progress: Progress, route: str) -> None:
    from strangler.moves.migrate import migrate
    from strangler.moves.steps import load_table, route_keys_for

    table = load_table(config)
    moved = all(
        (r := table.route(key)) is not None and r.integration.type == "AWS_PROXY"
        for key in route_keys_for(route)
    )
    if moved:
        console.print(f"{route} is already served by Lambda (see `make routes`)")
        return
    outcome = migrate(config, route, progress=progress)
    console.print(f"migrated {route} to Lambda (route table version {outcome.table_version})")


def _show_requests(config: Config, console: Console, status: dict[str, Any]) -> None:
    base, token = status["monolith"], status["demo_token"]
    exchanges = [
        call(base, "GET", "/health", None),
        call(base, "GET", "/unicorns", None),
        call(base, "GET", "/unicorns", token),
    ]
    ride = call(base, "POST", "/rides", token, {"lat": 47.61, "lng": -122.33})
    exchanges.append(ride)
    if ride.status == 201:
        ride_id = ride.body["id"]
        exchanges.append(call(base, "GET", f"/rides/{ride_id}", token))
        exchanges.append(call(base, "POST", f"/rides/{ride_id}/complete", token))
    exchanges.append(call(base, "GET", "/rides?page_size=5", token))
    exchanges.append(call(base, "POST", "/rides", token, {"lat": 123, "lng": 0}))

    table = Table(title=f"real requests through the monolith ({base})")
    for column in ("method", "path", "status", "ms", "what came back"):
        table.add_column(column, justify="right" if column in ("status", "ms") else "left")
    for ex in exchanges:
        table.add_row(ex.method, ex.path, str(ex.status), f"{ex.elapsed_ms:.1f}", _note(ex))
    console.print(table)
