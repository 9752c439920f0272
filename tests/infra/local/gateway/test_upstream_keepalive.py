"""Pooled upstream connections and the upstream's own keep-alive timeout, over real sockets.

gunicorn closes a keep-alive connection after 2 s idle; a request the gateway sends on it just
then finds it closed (requests 2.0 s apart got 503 "upstream closed the connection"). What
nginx does about it (``ngx_http_upstream_module`` ``keepalive_timeout``, set below the
server's; ``ngx_http_proxy_module`` ``proxy_next_upstream error``: a request whose connection
fails before the answer's head goes to a new one, except POST, LOCK and PATCH once sent, and
only while nothing has reached the client), the gateway does too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http1_cases import RawUpstream, exchange
from tests.infra.local.gateway.conftest import passthrough_gateway

pytestmark = [pytest.mark.timeout(60)]


def _request(method: bytes) -> bytes:
    return method + b" /rides HTTP/1.1\r\nHost: edge\r\nContent-Length: 0\r\n\r\n"


@pytest.fixture
def closing_at_the_second() -> Iterator[RawUpstream]:
    """Answers the first request of each connection, and closes it as the second arrives."""
    with RawUpstream() as upstream:
        upstream.drop_after = 1
        yield upstream


@pytest.mark.parametrize("method", [b"GET", b"PUT", b"DELETE", b"OPTIONS"])
def test_an_idempotent_request_is_sent_again_on_a_new_connection(
    tmp_path: Path, closing_at_the_second: RawUpstream, method: bytes
) -> None:
    upstream = closing_at_the_second
    with passthrough_gateway(tmp_path, upstream) as address:
        first = exchange(address, _request(b"GET"), expect_close=False)
        second = exchange(address, _request(method), expect_close=False)
    assert [a.status for a in first + second] == [200, 200]
    # the second went out on the pooled connection, found it closed, then on a new one
    assert [head.split(b" ", 1)[0] for head in upstream.requests] == [b"GET", method, method]
    assert upstream.connections == 2


@pytest.mark.parametrize("method", [b"POST", b"PATCH"])
def test_a_non_idempotent_request_is_not_sent_twice(
    tmp_path: Path, closing_at_the_second: RawUpstream, method: bytes
) -> None:
    """The upstream may have acted on it before it closed: the client gets the 503."""
    upstream = closing_at_the_second
    with passthrough_gateway(tmp_path, upstream) as address:
        exchange(address, _request(b"GET"), expect_close=False)
        [answer] = exchange(address, _request(method), expect_close=False)
    assert answer.status == 503
    assert [head.split(b" ", 1)[0] for head in upstream.requests] == [b"GET", method]


def test_a_connection_idle_past_the_timeout_is_not_reused(tmp_path: Path) -> None:
    with (
        RawUpstream() as upstream,
        passthrough_gateway(tmp_path, upstream, upstream_idle_timeout_s=0.2) as address,
    ):
        exchange(address, _request(b"POST"), expect_close=False)
        time.sleep(0.5)  # longer than the gateway keeps an idle connection
        [answer] = exchange(address, _request(b"POST"), expect_close=False)
    assert answer.status == 200
    assert upstream.connections == 2


def test_an_answer_late_past_the_route_timeout_is_a_503_and_its_connection_dropped(
    tmp_path: Path,
) -> None:
    """A route's ``timeout_ms`` bounds the wait for the upstream's answer: the client gets
    503 ``IntegrationTimeout`` (``errors.py``), and the connection that was waiting is not
    pooled (its late answer would be taken for the next request's)."""
    table = {
        "version": 1,
        "routes": [
            {
                "route_key": "$default",
                "integration": {"type": "HTTP_PROXY", "target": "monolith", "timeout_ms": 200},
            }
        ],
    }
    with RawUpstream() as upstream:
        upstream.answer = b""  # nothing until released
        upstream.rest = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate"
        with passthrough_gateway(tmp_path, upstream, table=table) as address:
            [late] = exchange(address, _request(b"GET"), expect_close=False)
            upstream.answer, upstream.rest = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", b""
            upstream.release.set()
            [again] = exchange(address, _request(b"GET"), expect_close=False)
    assert (late.status, json.loads(late.body)) == (503, {"message": "Service Unavailable"})
    assert (again.status, again.body) == (200, b"ok")
    assert upstream.connections == 2
