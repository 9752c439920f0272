"""A valid request and a malformed one pipelined in one write, over real sockets.

RFC 9112 §9.3: a server answers pipelined requests in order; a malformed one is answered
with its error and the connection closes (its framing cannot be trusted). aiohttp parses
every byte of a write in one go, so the malformed request's error used to discard the valid
one before it (one 400, nothing booked); the gateway now hands aiohttp one request at a time.
"""

from __future__ import annotations

import pytest

from infra.local.gateway.framing import RequestSplitter, Waiting
from tests.http1_cases import MALFORMED, Case, RawUpstream, exchange

pytestmark = [pytest.mark.timeout(60)]

MALFORMED_HEADS = [case for case in MALFORMED if not case.id.startswith("chunk-")]
FAST = b"GET /x HTTP/1.1\r\nHost: edge\r\n\r\n"
TO_AIOHTTP = b"GET /%61 HTTP/1.1\r\nHost: edge\r\n\r\n"  # the fast path leaves encoded paths
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def answers_ok(upstream: RawUpstream) -> RawUpstream:
    upstream.answer, upstream.close = OK, False
    return upstream


@pytest.mark.parametrize("case", MALFORMED_HEADS, ids=lambda case: case.id)
@pytest.mark.parametrize(
    ("first", "valid"),
    [(b"", FAST), (b"", TO_AIOHTTP), (TO_AIOHTTP, TO_AIOHTTP)],
    ids=["fast-path", "aiohttp-path", "aiohttp-path-later"],
)
def test_the_valid_request_is_answered_then_the_malformed_one_refused(
    address: tuple, answers_ok: RawUpstream, case: Case, first: bytes, valid: bytes
) -> None:
    """``first`` moves the connection to aiohttp before the write with both requests."""
    before = len(answers_ok.requests)
    answers = exchange(address, valid + case.request("/x"), answers=2, first=first)
    assert [a.status for a in answers] == [200] * (1 + bool(first)) + [case.status], case.rule
    assert answers[-1].closed
    assert len(answers_ok.requests) == before + 1 + bool(first)


CHUNKED_POST = (
    b"POST /a HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n4\r\n\r\n\r\n\r\n0\r\nX-Trailer: t\r\n\r\n"
)
LENGTH_POST = b"POST /b HTTP/1.1\r\nHost: edge\r\nContent-Length: 4\r\n\r\nbody"
STREAM = CHUNKED_POST + FAST + LENGTH_POST + FAST


@pytest.mark.parametrize("step", [1, 2, 7, len(STREAM)], ids=lambda n: f"{n}-bytes-a-read")
def test_the_splitter_cuts_at_every_request_boundary(step: int) -> None:
    """However the bytes arrive, each piece belongs to one request and none is lost (a body
    that holds CRLF CRLF is still body)."""
    splitter = RequestSplitter()
    pieces: list[bytes] = []
    for start in range(0, len(STREAM), step):
        pieces += splitter.feed(STREAM[start : start + step])
    assert b"".join(pieces) == STREAM
    ends = [sum(map(len, pieces[: i + 1])) for i in range(len(pieces))]
    boundaries = [len(CHUNKED_POST), len(CHUNKED_POST + FAST), len(STREAM) - len(FAST)]
    assert set(boundaries) <= set(ends)
    assert splitter.waiting is Waiting.NOTHING


def test_the_splitter_says_what_the_connection_waits_for() -> None:
    splitter = RequestSplitter()
    assert splitter.feed(b"GET /x HTTP/1.1\r\nHo") == []  # a head is held until whole
    assert splitter.waiting is Waiting.HEAD
    assert splitter.feed(b"st: edge\r\n\r\n" + LENGTH_POST[:-2]) == [FAST, LENGTH_POST[:-2]]
    assert splitter.waiting is Waiting.BODY
    assert splitter.feed(b"dy") == [b"dy"]
    assert splitter.waiting is Waiting.NOTHING
    assert splitter.feed(b"GET /x HTTP/1.1\r\nX-A : b\r\n\r\nmore") == [
        b"GET /x HTTP/1.1\r\nX-A : b\r\n\r\nmore"
    ]
    assert splitter.waiting is Waiting.UNFRAMED
