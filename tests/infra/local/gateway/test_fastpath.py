"""The fast path's request-head parser: simple requests in, anything unusual left to aiohttp."""

from __future__ import annotations

import pytest

from infra.local.gateway.fastpath import parse_head


def test_a_simple_request_is_parsed() -> None:
    request = parse_head(
        b"POST /rides?x=1 HTTP/1.1\r\nHost: gw\r\nContent-Length: 17\r\n"
        b"Authorization: Bearer t\r\nX-Multi: a\r\nX-Multi: b"
    )
    assert request is not None
    assert (request.method, request.target, request.path, request.length) == (
        "POST",
        "/rides?x=1",
        "/rides",
        17,
    )
    assert request.headers.getall("x-multi") == ["a", "b"]
    assert request.headers["authorization"] == "Bearer t"


@pytest.mark.parametrize(
    "head",
    [
        b"GET /x HTTP/1.0\r\nHost: a",  # not HTTP/1.1
        b"HEAD /x HTTP/1.1\r\nHost: a",  # HEAD: no body to relay
        b"GET /a%2Fb HTTP/1.1\r\nHost: a",  # encoded path: aiohttp normalises
        b"GET /a/../b HTTP/1.1\r\nHost: a",
        b"GET //a HTTP/1.1\r\nHost: a",
        b"GET x HTTP/1.1\r\nHost: a",  # not origin-form
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked",
        b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5",
        b"GET /x HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket",
        b"GET /x HTTP/1.1\r\nConnection: close",
        b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6",  # smuggling attempt
        b"POST /x HTTP/1.1\r\nContent-Length: -1",
        b"POST /x HTTP/1.1\r\nContent-Length: 999999999",  # large: streamed by aiohttp
        b"GET /x HTTP/1.1\r\nHost : a",  # whitespace before the colon
        b"GET /x HTTP/1.1\r\n folded continuation",
        b"GET  /x HTTP/1.1\r\nHost: a",  # extra space in the request line
    ],
)
def test_unusual_requests_are_left_to_aiohttp(head: bytes) -> None:
    assert parse_head(head) is None
