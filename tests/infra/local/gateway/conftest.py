"""Real sockets on free ports: a local upstream ("the monolith"), a fake Lambda Invoke API
(the AWS side, which cannot run here) and the gateway itself in a background thread."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

import pytest

from infra.local.gateway import GatewaySettings, GatewayThread
from strangler_core.routes import parse_route_table, save_route_table
from tests.http1_cases import RawUpstream

# several MB, not a multiple of any chunk size
BIG_BODY = (bytes(range(256)) * (5 * 4096 + 1))[: 5 * 1024 * 1024 + 123]


class UpstreamHandler(BaseHTTPRequestHandler):
    """The monolith stand-in: echoes what it received, or answers what the path asks for."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            self._answer(status, b"" if status == 204 else f"status {status}".encode(), [])
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked" * 5000, b" world"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
        elif path == "/big":
            self._answer(200, BIG_BODY, [("Content-Type", "application/octet-stream")])
        elif path == "/upload":
            digest = hashlib.sha256(body).hexdigest()
            reply = json.dumps({"length": len(body), "sha256": digest}).encode()
            self._answer(200, reply, [("Content-Type", "application/json")])
        else:
            reply = json.dumps(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": self.headers.items(),
                    "body": base64.b64encode(body).decode(),
                }
            ).encode()
            self._answer(
                200,
                reply,
                [
                    ("Content-Type", "application/json"),
                    ("Set-Cookie", "a=1; Path=/"),
                    ("Set-Cookie", "b=2; Path=/"),
                    ("Keep-Alive", "timeout=5"),
                    ("X-Upstream", "monolith"),
                ],
            )

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


@dataclass
class Invocation:
    function: str
    event: dict[str, Any]
    headers: dict[str, str]
    client_port: int
    """The gateway's end of the connection the invoke came on."""


@dataclass
class FakeLambda:
    """The Invoke API side of AWS: behaviour chosen by the function's name."""

    url: str = ""
    invocations: list[Invocation] = field(default_factory=list)


def _lambda_handler(fake: FakeLambda) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            function = self.path.split("/")[3]
            length = int(self.headers["Content-Length"])
            event = json.loads(self.rfile.read(length))
            fake.invocations.append(
                Invocation(function, event, dict(self.headers.items()), self.client_address[1])
            )
            status, headers, payload = self._behaviour(function, event)
            self.send_response(status)
            headers += [
                ("x-amzn-RequestId", f"req-{len(fake.invocations)}"),
                ("X-Strangler-Sandbox-Id", "sandbox-1"),
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
            ]
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _behaviour(
            self, function: str, event: dict[str, Any]
        ) -> tuple[int, list[tuple[str, str]], bytes]:
            if function == "echo":
                result = {
                    "statusCode": 201,
                    "headers": {"content-type": "application/json", "x-strangler-cold-start": "1"},
                    "cookies": ["s=1; Path=/", "t=2; Secure"],
                    "body": json.dumps(event),
                }
                return 200, [("X-Strangler-Init-Duration-Ms", "41.5")], json.dumps(result).encode()
            if function == "binary":
                result = {
                    "statusCode": 200,
                    "headers": {"content-type": "image/png"},
                    "isBase64Encoded": True,
                    "body": base64.b64encode(b"\x89PNG\x00\xff").decode(),
                }
                return 200, [], json.dumps(result).encode()
            if function == "infer":
                return 200, [], b'{"hello": "world"}'
            if function == "text":
                return 200, [], b'"Hello from Lambda!"'
            if function == "malformed":
                return 200, [], b'{"statusCode": "two hundred"}'
            if function == "boom":
                error = {"errorMessage": "boom", "errorType": "RuntimeError"}
                return 200, [("X-Amz-Function-Error", "Unhandled")], json.dumps(error).encode()
            if function == "throttled":
                error = {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
                return (
                    429,
                    [("x-amzn-ErrorType", "TooManyRequestsException")],
                    json.dumps(error).encode(),
                )
            if function == "slow":
                time.sleep(1.0)
                return 200, [], b'{"late": true}'
            return 404, [("x-amzn-ErrorType", "ResourceNotFoundException")], b"{}"

    return Handler


def _serve(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    yield from _serve(_Server(("127.0.0.1", 0), UpstreamHandler))


@pytest.fixture(scope="module")
def fake_lambda() -> Iterator[FakeLambda]:
    fake = FakeLambda()
    server = _Server(("127.0.0.1", 0), _lambda_handler(fake))
    for url in _serve(server):
        fake.url = url
        yield fake


def write_table(path: Path, data: dict[str, Any]) -> None:
    save_route_table(parse_route_table(data, str(path)), path)


ROUTES: dict[str, Any] = {
    "version": 1,
    "routes": [
        {"route_key": "$default", "integration": {"type": "HTTP_PROXY", "target": "monolith"}},
        *(
            {
                "route_key": f"ANY /fn/{name}",
                "integration": {
                    "type": "AWS_PROXY",
                    "function": name,
                    "payload_format_version": "2.0",
                    "timeout_ms": 300 if name == "slow" else 5000,
                },
            }
            for name in (
                "echo",
                "binary",
                "infer",
                "text",
                "malformed",
                "boom",
                "throttled",
                "slow",
                "missing",
            )
        ),
        {
            "route_key": "GET /items/{id}",
            "integration": {"type": "AWS_PROXY", "function": "echo"},
        },
        {"route_key": "GET /limited", "integration": {"type": "HTTP_PROXY", "target": "monolith"}},
    ],
    "throttling": {"routes": {"GET /limited": {"rate": 0.001, "burst": 2}}},
}


@dataclass
class RunningGateway:
    url: str
    port: int
    routes_path: Path
    access_log: Path
    thread: GatewayThread

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()


@contextmanager
def routes_gateway(
    tmp: Path, upstream_url: str, fake_lambda: FakeLambda, **settings: Any
) -> Iterator[RunningGateway]:
    """A gateway on ``ROUTES`` (its table file and access log in ``tmp``) in front of the
    upstream and the fake Lambda; ``settings`` override the gateway's defaults."""
    routes = tmp / "routes.json"
    write_table(routes, ROUTES)
    config = GatewaySettings(
        routes_path=routes,
        monolith_url=upstream_url,
        lambda_url=fake_lambda.url,
        port=0,
        access_log=tmp / "access.log",
        **settings,
    )
    with GatewayThread(config) as thread:
        assert thread.gateway is not None
        url = thread.gateway.url
        yield RunningGateway(url, int(url.rsplit(":", 1)[1]), routes, tmp / "access.log", thread)


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, upstream_url: str, fake_lambda: FakeLambda
) -> Iterator[RunningGateway]:
    tmp = tmp_path_factory.mktemp("gateway")
    with routes_gateway(tmp, upstream_url, fake_lambda, reload_interval_s=0.05) as running:
        yield running


PASSTHROUGH_ONLY: dict[str, Any] = {
    "version": 1,
    "routes": [
        {"route_key": "$default", "integration": {"type": "HTTP_PROXY", "target": "monolith"}}
    ],
}


class Listening(Protocol):
    """An upstream on a local port (``RawUpstream``, or a test's own server)."""

    @property
    def port(self) -> int: ...


@contextmanager
def passthrough_gateway(
    tmp: Path,
    upstream: Listening,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    table: dict[str, Any] = PASSTHROUGH_ONLY,
    **settings: Any,
) -> Iterator[tuple]:
    """The address of a gateway whose every route passes through to ``upstream`` (a raw
    socket server, so a test decides each byte of its answers); ``settings`` override the
    gateway's defaults, ``table`` its route table."""
    routes = tmp / "routes.json"
    write_table(routes, table)
    config = GatewaySettings(
        routes_path=routes,
        monolith_url=f"http://127.0.0.1:{upstream.port}",
        lambda_url="http://127.0.0.1:9",
        port=0,
        **settings,
    )
    with GatewayThread(config, loop_factory=loop_factory) as thread:
        assert thread.gateway is not None
        yield ("127.0.0.1", int(thread.gateway.url.rsplit(":", 1)[1]))


@pytest.fixture(scope="module")
def upstream() -> Iterator[RawUpstream]:
    with RawUpstream() as server:
        yield server


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory, upstream: RawUpstream) -> Iterator[tuple]:
    """A gateway with default settings in front of ``upstream``."""
    with passthrough_gateway(tmp_path_factory.mktemp("gateway"), upstream) as found:
        yield found
