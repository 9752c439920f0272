"""The Invoke and Runtime APIs speak strict HTTP/1.1 (RFC 9112), over real sockets.

Every malformed request of ``tests.http1_cases`` gets its error status and a closed connection;
well-formed edge cases (a head of exactly 10,240 bytes, chunked bodies with extensions and
trailers, a request pipelined after a chunked one) are served.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.lambda_service.httputil import MAX_BODY_BYTES
from infra.local.lambda_service.runtime_api import Invocation, RuntimeApiServer
from strangler_core.http1 import MAX_REQUEST_HEAD
from tests.http1_cases import MALFORMED, Case, exchange, padded, rejected

pytestmark = [pytest.mark.timeout(60)]

INVOKE = "/2015-03-31/functions/echo/invocations"
RESPONSE = "/2018-06-01/runtime/invocation/abc/response"
CHUNKED_EVENT = (
    b"Transfer-Encoding: chunked\r\n\r\n"
    b"4;ext=1\r\n"  # §7.1.1 chunk extensions are allowed (and ignored)
    b'{"a"\r\n'
    b'4;q="x y"\r\n'
    b": 1}\r\n"
    b"0\r\n"
    b"X-Checksum: none\r\n"  # §7.1.2 a trailer section
    b"\r\n"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaService]:
    code = tmp_path_factory.mktemp("code")
    (code / "handlers.py").write_text(
        textwrap.dedent(
            """
            def echo(event, context):
                return {"event": event}
            """
        )
    )
    settings = ServiceSettings(port=0, log_dir=str(tmp_path_factory.mktemp("logs")))
    functions = [FunctionSpec(name="echo", handler="handlers.echo", code_paths=(str(code),))]
    svc = LambdaService(settings, functions).start()
    try:
        yield svc
    finally:
        svc.stop()


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


class _Backend:
    """The sandbox side of the Runtime API: accepts every result for request id ``abc``."""

    def __init__(self) -> None:
        self.responses: list[bytes] = []

    def runtime_pid(self) -> int:
        return os.getpid()  # this test process plays the sandbox's runtime

    def next_invocation(self, deliver: Callable[[Invocation | None], None]) -> None:
        deliver(Invocation("abc", b'{"n": 1}', 0, "arn:aws:lambda:::function:f", "Root=1"))

    def post_response(self, request_id: str, body: bytes) -> bool:
        self.responses.append(body)
        return request_id == "abc"

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        return request_id == "abc"

    def post_init_error(self, body: bytes, error_type: str | None) -> None:
        pass


@pytest.fixture
def runtime() -> Iterator[tuple[tuple[str, int], _Backend]]:
    server = RuntimeApiServer()
    server.start()
    backend = _Backend()
    port = server.listen(backend)
    try:
        yield ("127.0.0.1", port), backend
    finally:
        server.stop()


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.id)
def test_invoke_api_rejects_malformed_requests(service: LambdaService, case: Case) -> None:
    """Each rule's RFC 9112 section is in ``case.rule``; the answer closes the connection."""
    answer = rejected(_address(service.url), case.request(INVOKE))
    assert (answer.status, answer.closed) == (case.status, True), case.rule
    assert answer.headers["Connection"] == "close"


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.id)
def test_runtime_api_rejects_malformed_requests(
    runtime: tuple[tuple[str, int], _Backend], case: Case
) -> None:
    address, backend = runtime
    answer = rejected(address, case.request(RESPONSE))
    assert (answer.status, answer.closed) == (case.status, True), case.rule
    assert backend.responses == []


def test_invoke_api_accepts_a_head_of_exactly_the_limit(service: LambdaService) -> None:
    """API Gateway's quota (10,240 bytes of request line and headers) is the head limit of
    every edge, so what the gateway lets through reaches the Lambda service too."""
    case = padded(b"GET", MAX_REQUEST_HEAD)
    [answer] = exchange(
        _address(service.url), case.request("/strangler/health"), expect_close=False
    )
    assert answer.status == 200
    assert json.loads(answer.body) == {"status": "ok"}


def test_invoke_api_decodes_a_chunked_event(service: LambdaService) -> None:
    """RFC 9112 §7.1: chunk extensions and trailers are read and dropped; the request after
    the body (pipelined in the same packet) is answered too."""
    raw = (
        f"POST {INVOKE} HTTP/1.1\r\nHost: edge\r\n".encode()
        + CHUNKED_EVENT
        + b"GET /strangler/health HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n"
    )
    invoked, health = exchange(_address(service.url), raw, answers=2)
    assert invoked.status == 200
    assert json.loads(invoked.body) == {"event": {"a": 1}}
    assert (health.status, health.closed) == (200, True)


def test_invoke_api_refuses_a_body_over_the_limit_before_reading_it(
    service: LambdaService,
) -> None:
    """413 with AWS's error for an oversized Invoke request, then the connection closes."""
    raw = f"POST {INVOKE} HTTP/1.1\r\nHost: edge\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    answer = rejected(_address(service.url), raw.encode())
    assert (answer.status, answer.closed) == (413, True)
    assert answer.headers["x-amzn-ErrorType"] == "RequestTooLargeException"


def test_runtime_api_decodes_a_chunked_response(
    runtime: tuple[tuple[str, int], _Backend],
) -> None:
    address, backend = runtime
    raw = f"POST {RESPONSE} HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n".encode()
    [answer] = exchange(address, raw + CHUNKED_EVENT)
    assert (answer.status, answer.closed) == (202, True)
    assert backend.responses == [b'{"a": 1}']


def test_runtime_api_next_answers_in_one_piece_with_a_content_type(
    runtime: tuple[tuple[str, int], _Backend],
) -> None:
    """awslambdaric's native client crashes without Content-Type on /invocation/next."""
    address, _ = runtime
    raw = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: edge\r\n\r\n"
    [answer] = exchange(address, raw, expect_close=False)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Lambda-Runtime-Aws-Request-Id"] == "abc"
    assert answer.body == b'{"n": 1}'


def test_runtime_api_refuses_a_body_over_the_limit(
    runtime: tuple[tuple[str, int], _Backend],
) -> None:
    address, _ = runtime
    raw = f"POST {RESPONSE} HTTP/1.1\r\nHost: edge\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    answer = rejected(address, raw.encode())
    assert (answer.status, answer.closed) == (413, True)
    assert json.loads(answer.body)["errorType"] == "RequestEntityTooLarge"


def test_a_client_that_stops_mid_head_is_answered_once_the_head_is_malformed(
    runtime: tuple[tuple[str, int], _Backend],
) -> None:
    """A bare LF is refused as soon as it arrives (RFC 9112 §2.2), not when a head end that a
    broken client never sends would have come."""
    address, _ = runtime
    answer = rejected(address, b"GET / HTTP/1.1\nHost: edge\n")
    assert (answer.status, answer.closed) == (400, True)
