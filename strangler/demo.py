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

from strangler.config import Config
from strangler.progress import Progress
from strangler.stack import LocalStack


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


def run_demo(config: Config, console: Console, progress: Progress) -> int:
    status = LocalStack(config, progress=progress).up()
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
    console.print(
        "next: `make down` stops everything; later issues add the gateway, the local Lambda "
        "service, `make migrate-route ROUTE=/rides` and the side-by-side comparison report."
    )
    return 0
