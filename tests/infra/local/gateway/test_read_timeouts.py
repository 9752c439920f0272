"""Read timeouts, over real sockets: a client that stops (or trickles) mid-request is let go.

Without them a partial head, a short body or an unfinished chunked body held the connection
(and the upstream's worker, for a streamed upload) open indefinitely: still open after 100 s.
Now a head must arrive whole within ``header_timeout_s`` of its first byte and a body may
pause at most ``body_timeout_s`` between reads (nginx's ``client_header_timeout`` and
``client_body_timeout``). The fast path then answers 408 and closes; on aiohttp's path the
connection closes (aiohttp owns the request by then). The timeouts here are short so the
tests are quick; the client's socket timeout is far longer, so only the gateway ends them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.gateway import fastpath
from infra.local.gateway.errors import error_body
from tests.http1_cases import RawUpstream
from tests.infra.local.gateway.conftest import passthrough_gateway

pytestmark = [pytest.mark.timeout(60)]

TIMEOUT_S = 0.3
TO_AIOHTTP = b"GET /%61 HTTP/1.1\r\nHost: edge\r\n\r\n"  # the fast path leaves encoded paths


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory, upstream: RawUpstream) -> Iterator[tuple]:
    with passthrough_gateway(
        tmp_path_factory.mktemp("gateway"),
        upstream,
        header_timeout_s=TIMEOUT_S,
        body_timeout_s=TIMEOUT_S,
    ) as address:
        yield address


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the gateway closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _stalled(address: tuple, *writes: bytes, pause_s: float = 0.0) -> bytes:
    with socket.create_connection(address, timeout=20) as sock:
        for data in writes:
            try:
                sock.sendall(data)
            except OSError:
                break  # the gateway has given up on us already
            time.sleep(pause_s)
        return _read_all(sock)


REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(error_body(408)), error_body(408))
)

STALLS = {
    "partial-head": b"GET /x HTTP/1.1\r\nHost: ed",
    "short-body": b"POST /x HTTP/1.1\r\nHost: edge\r\nContent-Length: 10\r\n\r\nabc",
}


@pytest.mark.parametrize("raw", STALLS.values(), ids=STALLS.keys())
def test_the_fast_path_answers_408_and_closes(
    impatient: tuple, upstream: RawUpstream, raw: bytes
) -> None:
    before = len(upstream.requests)
    assert _stalled(impatient, raw) == REQUEST_TIMEOUT
    assert len(upstream.requests) == before


def test_a_head_trickled_byte_by_byte_times_out_from_its_first_byte(impatient: tuple) -> None:
    """A slowloris keeps sending, a byte at a time: each byte alone is in time, the head
    is not."""
    head = b"GET /x HTTP/1.1\r\nHost: edge\r\nX-Slow: " + b"s" * 40 + b"\r\n\r\n"
    answer = _stalled(impatient, *(head[i : i + 1] for i in range(len(head))), pause_s=0.05)
    assert answer == REQUEST_TIMEOUT


def test_the_aiohttp_path_answers_what_came_whole_then_closes_on_a_stalled_head(
    impatient: tuple, upstream: RawUpstream
) -> None:
    """The first request (which moves the connection to aiohttp) is answered; the stalled
    head after it never reaches the upstream."""
    upstream.answer, upstream.close = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False
    before = len(upstream.requests)
    answer = _stalled(impatient, TO_AIOHTTP + b"GET /%61 HTTP/1.1\r\nHo")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"\r\n\r\nok")  # one answer, then the close
    assert len(upstream.requests) == before + 1


BODY_STALLS = {
    "short-body": b"POST /%61 HTTP/1.1\r\nHost: edge\r\nContent-Length: 10\r\n\r\nabc",
    "unfinished-chunked-body": (
        b"POST /x HTTP/1.1\r\nHost: edge\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"
    ),
}


@pytest.mark.parametrize("raw", BODY_STALLS.values(), ids=BODY_STALLS.keys())
def test_the_aiohttp_path_closes_on_a_stalled_body(
    impatient: tuple, upstream: RawUpstream, raw: bytes
) -> None:
    before = len(upstream.requests)
    assert _stalled(impatient, raw) == b""
    assert len(upstream.requests) == before


def test_an_idle_connection_is_closed_and_a_busy_one_kept(
    tmp_path: Path, upstream: RawUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep-alive connections idle for ``IDLE_TIMEOUT_S`` are closed, as aiohttp's are; one
    that keeps sending requests stays open across several timeout periods (the timer is not
    re-armed for every request: when it fires early it waits on for the rest). The gaps
    between its requests are a fifth of the timeout, so only a stall of most of a second on
    a loaded machine could make it look idle."""
    monkeypatch.setattr(fastpath, "IDLE_TIMEOUT_S", 1.0)
    request = b"GET /ping HTTP/1.1\r\nHost: edge\r\n\r\n"
    with (
        passthrough_gateway(tmp_path, upstream) as address,
        socket.create_connection(address, timeout=20) as idle,
        socket.create_connection(address, timeout=20) as busy,
    ):
        idle.sendall(request)
        assert idle.recv(65536).startswith(b"HTTP/1.1 200 ")
        for _ in range(12):  # 2.4 s: more than two idle periods
            busy.sendall(request)
            assert busy.recv(65536).startswith(b"HTTP/1.1 200 ")
            time.sleep(0.2)
        assert _read_all(idle) == b""  # closed by the gateway, with nothing more said
        busy.sendall(request)
        assert busy.recv(65536).startswith(b"HTTP/1.1 200 ")
