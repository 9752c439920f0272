"""The Lambda Invoke API client: invoke a function over HTTP, as AWS_PROXY routes need.

``POST {lambda_url}/2015-03-31/functions/{name}/invocations`` with the payload 2.0 event,
``RequestResponse`` invocation type, never retried (API Gateway does not retry). The request
goes over the gateway's lean keep-alive client (``upstream.UpstreamPool``, the passthrough's):
aiohttp's client cost ~0.3 ms of CPU per invoke here. The Invoke API's answer is converted here
into a response or an IntegrationError subclass, so AWS_PROXY only renders. An event past
``STREAM_EVENT_BYTES`` is streamed as ``EventJson`` produces it, with write flow control.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from multidict import CIMultiDict

from infra.local.gateway.errors import (
    FunctionError,
    IntegrationError,
    IntegrationTimeout,
    InvocationRejected,
)
from infra.local.gateway.event_json import EventJson
from infra.local.gateway.events import HttpResponse, map_lambda_result
from infra.local.gateway.invoke_signer import InvokeSigner
from infra.local.gateway.passthrough import STREAM_THRESHOLD, split_url
from infra.local.gateway.upstream import UpstreamPool
from strangler_core.http1 import HttpProtocolError, request_head

INIT_DURATION_HEADER = "X-Strangler-Init-Duration-Ms"
SANDBOX_ID_HEADER = "X-Strangler-Sandbox-Id"
LAMBDA_REQUEST_ID_HEADER = "x-strangler-lambda-request-id"
COLD_START_HEADER = "x-strangler-cold-start"


@dataclass
class InvokeOutcome:
    """What an invocation produced, for the response and the access log."""

    function: str
    integration_status: int | None = None
    integration_latency_ms: float = 0.0
    lambda_request_id: str | None = None
    init_duration_ms: str | None = None
    sandbox_id: str | None = None
    response: HttpResponse | None = None
    error: IntegrationError | None = None

    def annotation_headers(self) -> list[tuple[str, str]]:
        """Headers that let a load test join this response to the sandbox's REPORT line."""
        pairs = [
            (LAMBDA_REQUEST_ID_HEADER, self.lambda_request_id),
            (INIT_DURATION_HEADER, self.init_duration_ms),
            (SANDBOX_ID_HEADER, self.sandbox_id),
        ]
        return [(name, value) for name, value in pairs if value is not None]


class LambdaIntegration:
    def __init__(
        self, pool: UpstreamPool, lambda_url: str, signer: InvokeSigner | None = None
    ) -> None:
        self._pool = pool
        self._lambda_url = lambda_url
        self._host, self._port, self._prefix = split_url(lambda_url)
        self._signer = signer

    async def invoke(
        self,
        function: str,
        event: EventJson,
        *,
        timeout_s: float,
        trace_id: str | None = None,
    ) -> InvokeOutcome:
        """Invoke ``function``; errors are returned in ``outcome.error``, never raised."""
        outcome = InvokeOutcome(function=function)
        size = event.size
        body = event.whole() if size <= STREAM_EVENT_BYTES else _stream(event)
        headers = [
            ("Host", f"{self._host}:{self._port}"),
            ("X-Amz-Invocation-Type", "RequestResponse"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(size)),
        ]
        if trace_id:
            headers.append(("X-Amzn-Trace-Id", trace_id))
        path = f"{self._prefix}/2015-03-31/functions/{quote(function, safe='')}/invocations"
        if self._signer is not None:
            url = f"http://{self._host}:{self._port}{path}"
            headers = self._signer.sign(url, headers, event.pieces())
        head = request_head("POST", path, headers)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                answer = await self._pool.request(self._host, self._port, head, body)
                try:
                    payload = await answer.read()
                finally:
                    answer.release()
        except TimeoutError:
            outcome.error = IntegrationTimeout(f"{function}: no response in {timeout_s:g} s")
            return outcome
        except (OSError, HttpProtocolError) as exc:
            outcome.error = InvocationRejected(f"{function}: Invoke API unreachable: {exc}")
            return outcome
        finally:
            outcome.integration_latency_ms = (time.perf_counter() - started) * 1000
        answer_headers: CIMultiDict[str] = CIMultiDict(answer.headers)
        outcome.integration_status = answer.status
        outcome.lambda_request_id = answer_headers.get("x-amzn-RequestId")
        outcome.init_duration_ms = answer_headers.get(INIT_DURATION_HEADER)
        outcome.sandbox_id = answer_headers.get(SANDBOX_ID_HEADER)
        outcome.error = _invoke_error(function, answer.status, answer_headers, payload)
        if outcome.error is None:
            try:
                outcome.response = map_lambda_result(payload)
            except IntegrationError as exc:
                outcome.error = exc
        return outcome


STREAM_EVENT_BYTES = STREAM_THRESHOLD
"""Larger events are sent as they are encoded (the connection is then not reused)."""


async def _stream(event: EventJson) -> AsyncIterator[bytes]:
    for piece in event.pieces():
        yield piece


def _invoke_error(
    function: str, status: int, headers: CIMultiDict[str], payload: bytes
) -> IntegrationError | None:
    if not 200 <= status < 300:
        kind = headers.get("x-amzn-ErrorType") or _error_type(payload)
        return InvocationRejected(
            f"{function}: Invoke API answered {status} {kind}", integration_status=status
        )
    function_error = headers.get("X-Amz-Function-Error")
    if function_error:
        return FunctionError(
            f"{function}: function error ({function_error}): {payload[:200]!r}",
            integration_status=status,
        )
    return None


def _error_type(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    return str(data.get("__type") or data.get("Type") or "") if isinstance(data, dict) else ""
