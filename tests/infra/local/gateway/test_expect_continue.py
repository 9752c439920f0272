"""``Expect: 100-continue`` (RFC 9110 §10.1.1), over raw sockets: the gateway answers it.

curl sends it by itself for bodies over 1 KB and holds the body back until a ``100 Continue``
(or a second). The gateway asks for the body once it knows it will pass the request on, as
nginx does, and sends the upstream no ``Expect``; 1xx answers an upstream sends anyway are
parsed and skipped (RFC 9110 §15.2), never relayed as if they were the answer.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket

import pytest

from infra.local.gateway.passthrough import STREAM_THRESHOLD
from tests.http1_cases import RawUpstream, exchange
from tests.infra.local.gateway.conftest import RunningGateway

pytestmark = [pytest.mark.timeout(60)]

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _read_head(sock: socket.socket) -> bytes:
    """One message head off the socket, byte by byte so nothing after it is consumed."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            break
        head += byte
    return head


def _post_expecting_continue(
    port: int, path: str, body: bytes
) -> tuple[bytes, http.client.HTTPResponse, bytes]:
    """What came before the body was sent (the interim answer), then the final answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST %s HTTP/1.1\r\nHost: edge\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (path.encode(), len(body))
        )
        interim = _read_head(sock)
        sock.sendall(body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return interim, response, response.read()


@pytest.mark.parametrize(
    "size", [4096, STREAM_THRESHOLD + 4096], ids=["read-whole", "streamed-upstream"]
)
def test_a_passthrough_request_gets_100_then_the_upstreams_answer(
    gateway: RunningGateway, size: int
) -> None:
    """The upstream stand-in (Python's http.server) answers an ``Expect`` with its own 100,
    as gunicorn does: relayed, that 100 was the client's answer, and the 200 never came."""
    body = bytes(range(256)) * (size // 256)
    interim, response, data = _post_expecting_continue(gateway.port, "/rides", body)
    assert interim == CONTINUE
    assert response.status == 200
    echoed = json.loads(data)
    assert base64.b64decode(echoed["body"]) == body  # the write happened, once
    assert "expect" not in {name.lower() for name, _ in echoed["headers"]}


def test_a_lambda_request_gets_100_then_the_functions_answer(gateway: RunningGateway) -> None:
    body = b"\x00\xff" * 1024
    interim, response, data = _post_expecting_continue(gateway.port, "/fn/echo", body)
    assert interim == CONTINUE
    assert response.status == 201
    assert base64.b64decode(json.loads(data)["body"]) == body


def test_an_answer_before_the_body_ends_the_connection(gateway: RunningGateway) -> None:
    """A 413 is known from the head alone: it comes instead of the 100, and ends the
    connection (RFC 9110 §10.1.1: the client may send the held-back body or a new request
    next, which the gateway could not tell apart)."""
    head = (
        b"POST /rides HTTP/1.1\r\nHost: edge\r\nContent-Length: %d\r\n"
        b"Expect: 100-continue\r\n\r\n" % (10 * 1024 * 1024 + 1)
    )
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(head)
        first = _read_head(sock)
    assert first.startswith(b"HTTP/1.1 413 ")
    assert b"\r\nConnection: close\r\n" in first


@pytest.mark.parametrize("path", [b"/x", b"/%61"], ids=["fast-path", "aiohttp-path"])
def test_interim_answers_of_the_upstream_are_skipped(
    address: tuple, upstream: RawUpstream, path: bytes
) -> None:
    upstream.close = False
    upstream.answer = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
    )
    try:
        [answer] = exchange(
            address, b"GET " + path + b" HTTP/1.1\r\nHost: edge\r\n\r\n", expect_close=False
        )
    finally:
        upstream.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert (answer.status, answer.body) == (201, b"ok")
    assert answer.headers["Link"] is None
