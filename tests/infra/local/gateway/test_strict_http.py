"""The gateway speaks strict HTTP/1.1 (RFC 9112) on both of its paths, over real sockets.

Every connection starts on the fast path (``fastpath``); a request it does not serve hands
the connection to aiohttp for good. So a malformed request sent first on a connection meets
the fast path, and one sent after a request that aiohttp serves (an encoded path, here) meets
aiohttp's parser and ``strict.protocol_error``. Both answer alike: the error status, then the
connection closes, and nothing reaches the upstream. An upstream that answers with broken
framing gives the client API Gateway's 502 ``{"message":"Internal Server Error"}`` (API
Gateway developer guide, "Troubleshooting issues with HTTP API Lambda integrations").
"""

from __future__ import annotations

import http.client
import socket

import pytest

from infra.local.gateway.errors import error_body
from infra.local.gateway.passthrough import STREAM_THRESHOLD
from strangler_core.http1 import MAX_REQUEST_HEAD
from tests.http1_cases import (
    MALFORMED,
    MALFORMED_RESPONSES,
    Answer,
    Case,
    RawUpstream,
    ResponseCase,
    exchange,
    padded,
)

pytestmark = [pytest.mark.timeout(60)]

MALFORMED_HEADS = [case for case in MALFORMED if not case.id.startswith("chunk-")]
# aiohttp serves this one (the fast path leaves encoded paths to it), and the connection with it
TO_AIOHTTP = b"GET /%61 HTTP/1.1\r\nHost: edge\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def answers_ok(upstream: RawUpstream) -> RawUpstream:
    upstream.answer, upstream.close = OK, False
    return upstream


def _refused(address: tuple, raw: bytes, *, after: bytes = b"") -> Answer:
    answers = exchange(address, raw, first=after)
    if after:
        assert answers[0].status == 200  # the request that moved the connection to aiohttp
    return answers[-1]


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.id)
def test_the_fast_path_refuses_malformed_requests(
    address: tuple, answers_ok: RawUpstream, case: Case
) -> None:
    """``case.rule`` names the RFC 9112 section; the upstream never sees the request.

    A malformed head is answered by the fast path itself (the gateway's JSON error); a
    chunked body is aiohttp's to read, so a malformed one is aiohttp's to refuse.
    """
    before = len(answers_ok.requests)
    answer = _refused(address, case.request("/x"))
    assert (answer.status, answer.closed) == (case.status, True), case.rule
    assert len(answers_ok.requests) == before


@pytest.mark.parametrize("case", MALFORMED_HEADS, ids=lambda case: case.id)
def test_the_fast_path_answers_a_malformed_head_itself(address: tuple, case: Case) -> None:
    answer = _refused(address, case.request("/x"))
    assert answer.body == error_body(case.status)
    assert answer.headers["Connection"] == "close"


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.id)
def test_the_aiohttp_path_refuses_malformed_requests(
    address: tuple, answers_ok: RawUpstream, case: Case
) -> None:
    before = len(answers_ok.requests)
    answer = _refused(address, case.request("/x"), after=TO_AIOHTTP)
    assert (answer.status, answer.closed) == (case.status, True), case.rule
    assert len(answers_ok.requests) == before + 1  # only the request before it


@pytest.mark.parametrize("after", [b"", TO_AIOHTTP], ids=["fast-path", "aiohttp-path"])
def test_a_head_of_exactly_the_limit_passes_through(
    address: tuple, answers_ok: RawUpstream, after: bytes
) -> None:
    """API Gateway HTTP API quota: request line and headers up to 10,240 bytes."""
    raw = padded(b"GET", MAX_REQUEST_HEAD).request("/x")
    answers = exchange(address, raw, first=after, expect_close=False)
    assert [(a.status, a.body) for a in answers] == [(200, b"ok")] * len(answers)
    assert answers_ok.requests[-1].startswith(b"GET /x HTTP/1.1\r\n")


@pytest.mark.parametrize("case", MALFORMED_RESPONSES, ids=lambda case: case.id)
@pytest.mark.parametrize("path", [b"/x", b"/%61"], ids=["fast-path", "aiohttp-path"])
def test_a_malformed_upstream_answer_is_a_502(
    address: tuple, upstream: RawUpstream, case: ResponseCase, path: bytes
) -> None:
    """The client gets API Gateway's 502, never a dropped connection, and can go on."""
    upstream.answer, upstream.close = case.raw, False
    raw = b"GET " + path + b" HTTP/1.1\r\nHost: edge\r\n\r\n"
    [answer] = exchange(address, raw, expect_close=False)
    assert answer.status == 502, case.rule
    assert answer.body == b'{"message":"Internal Server Error"}'
    upstream.answer = OK
    [again] = exchange(address, raw, expect_close=False)
    assert (again.status, again.body) == (200, b"ok")


def test_a_small_chunked_answer_is_relayed_whole(address: tuple, upstream: RawUpstream) -> None:
    """Read whole before it is sent, so its framing is checked before the client sees any of
    it; it goes on with a Content-Length (Transfer-Encoding is hop-by-hop)."""
    upstream.answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;e=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    upstream.close = False
    [answer] = exchange(address, b"GET /x HTTP/1.1\r\nHost: edge\r\n\r\n", expect_close=False)
    assert (answer.status, answer.body) == (200, b"hello world")
    assert answer.headers["Content-Length"] == "11"
    assert answer.headers["Transfer-Encoding"] is None


def test_a_body_over_the_limit_is_413(address: tuple, answers_ok: RawUpstream) -> None:
    """API Gateway HTTP API quota: payload size 10 MB."""
    raw = b"POST /x HTTP/1.1\r\nHost: edge\r\nContent-Length: %d\r\n\r\n" % (10 * 1024 * 1024 + 1)
    [answer] = exchange(address, raw, expect_close=False)
    assert answer.status == 413
    assert answer.body == b'{"message":"Request Entity Too Large"}'


def _chunked(*parts: bytes) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body


def test_a_large_chunked_answer_is_streamed(address: tuple, upstream: RawUpstream) -> None:
    """Past ``STREAM_THRESHOLD`` the answer goes on chunked as it arrives."""
    parts = [bytes([65 + i]) * (STREAM_THRESHOLD // 2) for i in range(3)]
    upstream.answer, upstream.close = _chunked(*parts) + b"0\r\n\r\n", False
    [answer] = exchange(address, b"GET /x HTTP/1.1\r\nHost: edge\r\n\r\n", expect_close=False)
    assert (answer.status, answer.body) == (200, b"".join(parts))
    assert answer.headers["Transfer-Encoding"] == "chunked"


def test_a_break_in_a_streamed_answer_cuts_the_connection(
    address: tuple, upstream: RawUpstream
) -> None:
    """Once a streamed answer's head is out, a 502 is no longer possible: the client must see
    the answer end early, never a complete-looking body. (The upstream sends the broken chunk
    only after the client has the head.)"""
    upstream.answer = _chunked(b"x" * STREAM_THRESHOLD, b"y" * 10)
    upstream.rest, upstream.close = b"+0x5\r\nabcde\r\n0\r\n\r\n", False
    upstream.release.clear()
    try:
        with socket.create_connection(address, timeout=30) as sock:
            sock.sendall(b"GET /x HTTP/1.1\r\nHost: edge\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            assert response.status == 200
            upstream.release.set()
            with pytest.raises(http.client.IncompleteRead):
                response.read()
    finally:
        upstream.rest = b""
        upstream.release.set()
