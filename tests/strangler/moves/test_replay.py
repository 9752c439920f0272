"""Which requests a parity check replays, and how (pure)."""

from __future__ import annotations

import json

from strangler.moves.replay import Replay, captured_requests, generated_requests, without_body
from strangler_core.traffic import captured

KEYS = ("ANY /books", "ANY /books/{proxy+}")


def record(method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> object:
    return captured(time=0.0, method=method, target=target, headers=headers, body=body, status=200)


def test_captured_requests_of_the_route_in_order_with_their_own_headers() -> None:
    cookie = ("Cookie", "sessionid=abc")
    records = [
        record("GET", "/books", [("Host", "gw:8180"), cookie, ("Connection", "keep-alive")]),
        record("GET", "/authors/", [cookie]),
        record("POST", "/books", [cookie, ("Content-Length", "13"), ("X-Trace", "1")], b"{}"),
        record("GET", "/books", [("Host", "gw:8180"), cookie, ("Connection", "keep-alive")]),
        record("DELETE", "/books/Silver%20Blaze?x=1", [cookie, ("Connection", "x-trace")]),
        record("POST", "/books", [cookie], b"{}"),
    ]
    replays = captured_requests(records, KEYS)  # type: ignore[arg-type]
    assert replays == [
        Replay("GET", "/books", (("Host", "gw:8180"), cookie)),
        Replay("POST", "/books", (cookie, ("X-Trace", "1")), b"{}"),
        Replay("DELETE", "/books/Silver%20Blaze?x=1", (cookie,)),
        Replay("POST", "/books", (cookie,), b"{}"),
    ]
    assert replays[2].raw_path == "/books/Silver%20Blaze"
    assert replays[2].raw_query == "x=1"
    assert [r.safe for r in replays] == [True, False, False, False]
    assert captured_requests(records, KEYS, limit=2) == replays[-2:]  # type: ignore[arg-type]


def test_a_request_whose_body_was_not_captured_is_not_replayed() -> None:
    streamed = captured(
        time=0.0,
        method="PUT",
        target="/books/1",
        headers=[],
        body=b"",
        status=200,
        body_complete=False,
    )
    kept = record("GET", "/books/1", [])
    assert captured_requests([streamed, kept], KEYS) == [Replay("GET", "/books/1")]  # type: ignore[list-item]
    assert without_body([streamed, kept], KEYS) == ["PUT /books/1"]  # type: ignore[list-item]


def test_generated_requests_quote_names_and_find_items_in_any_listing() -> None:
    unicorns = [{"name": "Silver Blaze"}, {"name": "Rocinante"}]
    assert [r.target for r in generated_requests("/unicorns", unicorns)] == [
        "/unicorns",
        "/unicorns/Silver%20Blaze",
        "/unicorns/Rocinante",
    ]
    envelope = {"count": 2, "data": [{"pk": 7, "name": "x"}, {"id": 9}]}
    assert [r.target for r in generated_requests("/api/books/", envelope)] == [
        "/api/books/",
        "/api/books/7/",
        "/api/books/9/",
    ]
    linked = [{"url": "http://127.0.0.1:8100/api/books/3/"}, {"url": "http://x/elsewhere/1"}]
    assert [r.target for r in generated_requests("/api/books/", linked)] == [
        "/api/books/",
        "/api/books/3/",
    ]
    assert [r.target for r in generated_requests("/health", json.loads('{"ok": true}'))] == [
        "/health"
    ]


def test_a_request_is_named_without_the_credentials_in_its_query() -> None:
    replay = Replay("GET", "/rides?page=2&access_token=abc123", (("Authorization", "Bearer x"),))
    assert str(replay) == "GET /rides?page=2&access_token=<redacted>"
