"""Which well-formed requests the fast path serves itself, and which it leaves to aiohttp.

Malformed ones never get this far: the strict parser refuses them (tests/strangler_core/
test_http1.py; over real sockets: test_strict_http.py).
"""

from __future__ import annotations

import pytest

from infra.local.gateway.fastpath import RawRequest, simple_request
from strangler_core.http1 import parse_request_head


def _simple(head: bytes) -> RawRequest | None:
    parsed = parse_request_head(head + b"\r\n\r\n")
    assert parsed is not None
    return simple_request(parsed)


def test_a_simple_request_is_parsed() -> None:
    request = _simple(
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
        b"GET * HTTP/1.1\r\nHost: a",  # not origin-form
        b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked",
        b"POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5",
        b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket",
        b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close",
        b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999",  # large: streamed by aiohttp
    ],
)
def test_unusual_requests_are_left_to_aiohttp(head: bytes) -> None:
    assert _simple(head) is None
