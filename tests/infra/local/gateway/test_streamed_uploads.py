"""Streamed passthrough uploads whose upstream answers before it has read the body.

Bodies over ``STREAM_THRESHOLD`` go upstream as they arrive. A Django view that refuses a
request (405 on a GET-only route, 400 on a bad form) answers before reading the body, and
gunicorn then closes the connection; with the body unread, the kernel resets it, and the
gateway's next write meets the reset. RFC 9112 §9.5: a client sending a body watches for an
answer while it sends, and stops sending when the server does not want the rest. The client
gets the upstream's answer, never aiohttp's plain 500 or a 503.

The race between the answer and the gateway's writes is the kernel's, so each case sends a
burst of uploads; before the fix about a quarter of them failed (asyncio: 503, uvloop, which
a gateway process runs on: aiohttp's 500 "Server got itself in trouble").
"""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvloop

from infra.local.gateway.passthrough import STREAM_THRESHOLD
from infra.local.gateway.settings import DEFAULT_TARGET_HEADER
from tests.http1_cases import RawUpstream
from tests.infra.local.gateway.conftest import passthrough_gateway

pytestmark = [pytest.mark.timeout(120)]

REFUSAL = b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 4\r\n\r\nnope"
BODY = b"r" * (4 * STREAM_THRESHOLD)
LOOPS = [asyncio.new_event_loop, uvloop.new_event_loop]


@pytest.fixture
def refusing() -> Iterator[RawUpstream]:
    """Answers every request head at once, then closes with the body unread (a reset)."""
    with RawUpstream() as upstream:
        upstream.answer, upstream.close = REFUSAL, True
        yield upstream


@pytest.mark.parametrize("loop", LOOPS, ids=["asyncio", "uvloop"])
def test_the_upstreams_early_answer_reaches_the_client(
    tmp_path: Path, refusing: RawUpstream, loop: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    answers = []
    with passthrough_gateway(tmp_path, refusing, loop) as (host, port):
        for _ in range(30):
            conn = http.client.HTTPConnection(host, port, timeout=30)
            try:
                conn.request("POST", "/unicorns", body=BODY)
                response = conn.getresponse()
                answers.append(
                    (response.status, response.getheader(DEFAULT_TARGET_HEADER), response.read())
                )
            finally:
                conn.close()
    assert answers == [(405, "monolith", b"nope")] * 30


def test_the_client_connection_goes_on_after_an_early_answer(
    tmp_path: Path, refusing: RawUpstream
) -> None:
    """The rest of the body is read and dropped, so the next request on the same
    connection is a request, not body bytes."""
    with passthrough_gateway(tmp_path, refusing, uvloop.new_event_loop) as (host, port):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            found = []
            for method, body in (("POST", BODY), ("GET", None), ("POST", BODY)):
                conn.request(method, "/rides", body=body)
                response = conn.getresponse()
                found.append((response.status, response.read()))
        finally:
            conn.close()
    assert found == [(405, b"nope")] * 3
    assert [head.split(b"\r\n", 1)[0] for head in refusing.requests] == [
        b"POST /rides HTTP/1.1",
        b"GET /rides HTTP/1.1",
        b"POST /rides HTTP/1.1",
    ]
