"""A JSON request as a test client sends it, with the session cookie it gets back."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def send(
    base: str, method: str, target: str, body: Any = None, cookie: str = ""
) -> tuple[int, Any, str]:
    """A request to ``base``: (status, JSON answer, the session cookie it set)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + target, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, raw, headers = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as exc:
        status, raw, headers = exc.code, exc.read(), exc.headers
    session = next(
        (c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [] if "sessionid" in c), ""
    )
    return status, json.loads(raw) if raw else None, session
