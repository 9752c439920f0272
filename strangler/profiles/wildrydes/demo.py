"""The Wild Rydes demo's tour: real requests through the monolith (``make demo`` shows them).

Look at the fleet without and with a token, book a ride, look at it, complete it, list the
rides, and one bad request (the 400 names the field).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from strangler_core.profile import Exchange, Headers

DEMO_ROUTE = "/rides"


def tour(base: str, token: Headers) -> list[Exchange]:
    exchanges = [
        call(base, "GET", "/health", ()),
        call(base, "GET", "/unicorns", ()),
        call(base, "GET", "/unicorns", token),
    ]
    booked, ride = _call(base, "POST", "/rides", token, {"lat": 47.61, "lng": -122.33})
    exchanges.append(booked)
    if booked.status == 201:
        ride_id = ride["id"]
        exchanges.append(call(base, "GET", f"/rides/{ride_id}", token))
        exchanges.append(call(base, "POST", f"/rides/{ride_id}/complete", token))
    exchanges.append(call(base, "GET", "/rides?page_size=5", token))
    exchanges.append(call(base, "POST", "/rides", token, {"lat": 123, "lng": 0}))
    return exchanges


def call(base_url: str, method: str, path: str, headers: Headers, body: Any = None) -> Exchange:
    return _call(base_url, method, path, headers, body)[0]


def _call(
    base_url: str, method: str, path: str, headers: Headers, body: Any = None
) -> tuple[Exchange, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url + path, data=data, method=method, headers=dict(headers)
    )
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    elapsed_ms = (time.perf_counter() - started) * 1000
    answer = json.loads(raw) if raw else None
    return Exchange(method, path, status, elapsed_ms, note(answer)), answer


def note(body: Any) -> str:
    """What came back, in a few words."""
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
