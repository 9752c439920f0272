"""HTTP_PROXY fidelity against a real upstream HTTP server on a free port."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json

import pytest

from tests.http1_cases import exchange
from tests.infra.local.gateway.conftest import BIG_BODY, RunningGateway


def _echo(gateway: RunningGateway, *args: object, **kwargs: object) -> dict[str, object]:
    status, headers, body = gateway.request(*args, **kwargs)  # type: ignore[arg-type]
    assert status == 200
    assert headers["x-strangler-target"] == "monolith"
    return json.loads(body)


def test_method_path_query_and_body_pass_through(gateway: RunningGateway) -> None:
    binary = bytes(range(256)) * 4
    echo = _echo(
        gateway,
        "PUT",
        "/some/path%20x?a=1&a=2&b=%2F&empty=",
        body=binary,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert echo["method"] == "PUT"
    assert echo["path"] == "/some/path%20x?a=1&a=2&b=%2F&empty="
    assert base64.b64decode(echo["body"]) == binary  # type: ignore[arg-type]


_NOTE = b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Note: caf\xe9\r\nConnection: %s\r\n\r\n"


@pytest.mark.parametrize("connection", [b"keep-alive", b"close"], ids=["fast-path", "aiohttp"])
def test_header_bytes_that_are_not_utf8_pass_through_as_sent(
    gateway: RunningGateway, connection: bytes
) -> None:
    [answer] = exchange(("127.0.0.1", gateway.port), _NOTE % connection, expect_close=False)
    assert answer.status == 200
    # the upstream (http.server) reads header bytes as latin-1, one character each
    assert ["X-Note", "caf\xe9"] in json.loads(answer.body)["headers"]


def test_headers_hop_by_hop_removed_and_forwarded_added(gateway: RunningGateway) -> None:
    echo = _echo(
        gateway,
        "GET",
        "/echo",
        headers={
            "X-Custom": "kept",
            "Authorization": "Bearer t",
            "Connection": "keep-alive, X-Drop-Me",
            "X-Drop-Me": "named in Connection",
            "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "secret",
            "TE": "trailers",
            "Upgrade": "websocket",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    headers = {name.lower(): value for name, value in echo["headers"]}  # type: ignore[attr-defined]
    assert headers["x-custom"] == "kept"
    assert headers["authorization"] == "Bearer t"
    for dropped in ("x-drop-me", "keep-alive", "proxy-authorization", "te", "upgrade"):
        assert dropped not in headers
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == str(gateway.port)


def test_response_headers_keep_repeats_and_drop_hop_by_hop(gateway: RunningGateway) -> None:
    status, headers, _ = gateway.request("GET", "/echo")
    assert status == 200
    assert headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert headers["X-Upstream"] == "monolith"
    assert headers["Keep-Alive"] is None
    assert headers["apigw-requestid"]


@pytest.mark.parametrize("status", [201, 204, 404, 500])
def test_status_codes_preserved(gateway: RunningGateway, status: int) -> None:
    got, headers, body = gateway.request("GET", f"/status/{status}")
    assert got == status
    assert body == (b"" if status == 204 else f"status {status}".encode())
    assert headers["x-strangler-target"] == "monolith"


def test_large_bodies_stream_both_ways(gateway: RunningGateway) -> None:
    status, _, body = gateway.request("GET", "/big")
    assert status == 200
    assert body == BIG_BODY
    status, _, body = gateway.request(
        "POST", "/upload", body=BIG_BODY, headers={"Content-Type": "application/octet-stream"}
    )
    assert status == 200
    assert json.loads(body) == {
        "length": len(BIG_BODY),
        "sha256": hashlib.sha256(BIG_BODY).hexdigest(),
    }


def test_head_keeps_content_length(gateway: RunningGateway) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    conn.request("HEAD", "/echo")
    response = conn.getresponse()
    assert response.status == 200
    assert int(response.headers["Content-Length"]) > 0
    assert response.read() == b""
    conn.close()


def test_keep_alive_connection_serves_many_requests(gateway: RunningGateway) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    for i in range(20):
        conn.request("GET", f"/status/{201 if i % 2 else 404}")
        response = conn.getresponse()
        response.read()
        assert response.status in (201, 404)
    conn.close()


def test_chunked_upstream_response_is_relayed(gateway: RunningGateway) -> None:
    for _ in range(2):  # and the connection is reused after the last chunk
        status, _, body = gateway.request("GET", "/chunked")
        assert status == 200
        assert body == b"hello " + b"chunked" * 5000 + b" world"
