"""The gateway's upstream client reads answers strictly (RFC 9112), from a raw-socket upstream.

A malformed answer raises ``HttpProtocolError`` with status 502 (what the client of the
gateway then gets, as from API Gateway) and the connection is not reused; well-formed framings
(Content-Length, chunked with extensions and trailers, until close, HEAD) are read exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from infra.local.gateway.upstream import UpstreamPool
from strangler_core.http1 import HttpProtocolError
from tests.http1_cases import MALFORMED_RESPONSES, RawUpstream, ResponseCase

pytestmark = [pytest.mark.timeout(30)]

GET = b"GET / HTTP/1.1\r\nHost: upstream\r\n\r\n"


@pytest.fixture
def upstream() -> Iterator[RawUpstream]:
    with RawUpstream() as server:
        yield server


async def _fetch(
    pool: UpstreamPool, port: int, head: bytes = GET, *, head_only: bool = False
) -> tuple[int, bytes]:
    response = await pool.request("127.0.0.1", port, head, None, head_only=head_only)
    try:
        return response.status, await response.read()
    finally:
        response.release()


def _run_twice(upstream: RawUpstream, head: bytes = GET, *, head_only: bool = False) -> list:
    """Two requests one after the other through one pool: both answers, as (status, body)."""

    async def run() -> list:
        pool = UpstreamPool()
        try:
            return [await _fetch(pool, upstream.port, head, head_only=head_only) for _ in "ab"]
        finally:
            pool.close()

    return asyncio.run(run())


@pytest.mark.parametrize("case", MALFORMED_RESPONSES, ids=lambda case: case.id)
def test_a_malformed_answer_is_a_502_protocol_error(
    upstream: RawUpstream, case: ResponseCase
) -> None:
    upstream.answer = case.raw

    async def run() -> None:
        pool = UpstreamPool()
        try:
            with pytest.raises(HttpProtocolError) as caught:
                await _fetch(pool, upstream.port)
            assert caught.value.status == 502, case.rule
            # the broken connection is not pooled: the next request opens a new one
            with pytest.raises(HttpProtocolError):
                await _fetch(pool, upstream.port)
        finally:
            pool.close()

    asyncio.run(run())
    assert upstream.connections == 2


def test_a_chunked_answer_with_extensions_and_trailers_is_decoded(upstream: RawUpstream) -> None:
    """RFC 9112 §7.1: the body is the chunks' data; the connection is reused after it."""
    upstream.answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    assert _run_twice(upstream) == [(200, b"hello world")] * 2
    assert upstream.connections == 1


def test_an_answer_ended_by_close_is_read_to_the_end(upstream: RawUpstream) -> None:
    """RFC 9112 §6.3 rule 8: no length and not chunked: the body runs until the close."""
    upstream.answer = b"HTTP/1.1 200 OK\r\n\r\nuntil the end"
    upstream.close = True
    assert _run_twice(upstream) == [(200, b"until the end")] * 2
    assert upstream.connections == 2


def test_a_head_answer_has_no_body_whatever_its_length(upstream: RawUpstream) -> None:
    """RFC 9112 §6.3 rule 1: the answer to HEAD ends with its head."""
    upstream.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
    head = b"HEAD / HTTP/1.1\r\nHost: upstream\r\n\r\n"
    assert _run_twice(upstream, head, head_only=True) == [(200, b"")] * 2
    assert upstream.connections == 1


def test_an_answer_with_extra_bytes_after_it_is_not_reused(upstream: RawUpstream) -> None:
    """Bytes past the declared length are not the start of the next answer: close."""
    upstream.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"
    assert _run_twice(upstream) == [(200, b"ok")] * 2
    assert upstream.connections == 2
