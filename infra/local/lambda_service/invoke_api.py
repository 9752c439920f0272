"""The Invoke API over HTTP, compatible with boto3's lambda client via ``endpoint_url``.

Also serves ``GET /strangler/metrics`` and ``GET /strangler/health`` for the harness. It runs
on the service's event loop: a RequestResponse invoke is a task there until its answer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import json
import re
import sys
import traceback
import uuid
from collections.abc import Callable, Coroutine
from typing import Protocol
from urllib.parse import parse_qs, unquote

from strangler_core.errors import HttpProtocolError, PortInUseError

from .auth import SigV4Verifier
from .errors import (
    AuthenticationError,
    InvalidRequestError,
    LambdaServiceError,
    RequestTooLargeError,
    ThrottledError,
)
from .httputil import Http1Connection, Request, message
from .invoke_rules import check_event_size, check_json, check_reachable, parse_function_name
from .logformat import VERSION
from .loop import ServiceLoop
from .result import InvokeResult
from .spec import FunctionSpec, ServiceSettings

_Action = Callable[[str], None]

_INVOKE_RE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations/?$")
_FUNCTION_RE = re.compile(r"^/2015-03-31/functions/([^/]+)/?$")
_JSON = "application/json"
_JSON_TYPE = {"Content-Type": _JSON}


class InvokeBackend(Protocol):
    """What the Invoke API asks of the Lambda service (``LambdaService`` is one)."""

    settings: ServiceSettings

    def resolve(self, name: str) -> FunctionSpec: ...

    def check_payload(self, payload: bytes) -> None: ...

    async def invoke_async(
        self,
        name: str,
        payload: bytes,
        *,
        log_tail: bool = False,
        trace_id: str | None = None,
        client_context: str | None = None,
        request_id: str | None = None,
    ) -> InvokeResult: ...

    def invoke_event(self, name: str, payload: bytes) -> str: ...

    def metrics(self) -> dict[str, object]: ...


def error_body(error: LambdaServiceError) -> bytes:
    if isinstance(error, AuthenticationError):  # AWS's front end, not Lambda, answers these
        return json.dumps({"message": str(error)}).encode()
    payload: dict[str, str] = {"Type": "User", "message": str(error)}
    if isinstance(error, ThrottledError):
        payload["Reason"] = error.reason
    return json.dumps(payload).encode()


class _InvokeConnection(Http1Connection):
    def __init__(self, server: InvokeApiServer) -> None:
        super().__init__(server.connections)
        self.server = server
        self.service = server.service

    def protocol_error(self, error: HttpProtocolError) -> None:
        if error.status == 413:  # AWS's own answer to an oversized Invoke request
            self._error(RequestTooLargeError("Request is too large"), _new_request_id())
        else:
            super().protocol_error(error)

    def handle(self, request: Request) -> None:
        if request.method == "GET":
            self._get(request)
        elif request.method == "POST":
            self._post(request)
        else:
            self.reply(501, message(f"unsupported method {request.method}"), _JSON_TYPE)

    def _get(self, request: Request) -> None:
        path = request.path.partition("?")[0]
        if path == "/strangler/health":
            self.reply(200, b'{"status":"ok"}', _JSON_TYPE)
        elif path == "/strangler/metrics":
            body = json.dumps(self.service.metrics(), indent=2).encode()
            self.reply(200, body, _JSON_TYPE)
        elif (match := _FUNCTION_RE.match(path)) is not None:
            raw_name = unquote(match.group(1))
            self._answer(request, lambda request_id: self._get_function(raw_name))
        else:
            self.reply(404, b'{"message":"Not Found"}', _JSON_TYPE)

    def _post(self, request: Request) -> None:
        path, _, query = request.path.partition("?")
        match = _INVOKE_RE.match(path)
        if match is None:
            self.reply(404, b'{"message":"Not Found"}', _JSON_TYPE)
            return
        qualifier = parse_qs(query).get("Qualifier", [None])[0] if query else None
        raw_name = unquote(match.group(1))
        self._answer(
            request, lambda request_id: self._invoke(request, raw_name, qualifier, request_id)
        )

    def _function_name(self, raw: str, qualifier: str | None, action: str) -> str:
        target = parse_function_name(raw, qualifier)
        check_reachable(target, self.service.settings.region, action)
        if target.qualifier not in (None, VERSION):
            # Only $LATEST exists locally; AWS answers an unknown alias or version with 404.
            return f"{target.name}:{target.qualifier}"
        return target.name

    def _invoke(
        self, request: Request, raw_name: str, qualifier: str | None, request_id: str
    ) -> None:
        service = self.service
        body, headers = request.body, request.headers
        name = self._function_name(raw_name, qualifier, "InvokeFunction")
        invocation_type = headers.get("X-Amz-Invocation-Type", "RequestResponse")
        base = {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": VERSION}
        service.resolve(name)
        if invocation_type == "Event":
            check_event_size(body)
        else:
            service.check_payload(body)
        # AWS refuses a payload that is not JSON before anything runs (or is billed).
        check_json(body)
        if invocation_type == "DryRun":
            self.reply(204, b"", base)
            return
        if invocation_type == "Event":
            self._task(self._queue_event(name, body, base), request_id)
            return
        if invocation_type != "RequestResponse":
            raise InvalidRequestError(f"Invalid invocation type {invocation_type!r}")
        invocation = service.invoke_async(
            name,
            body,
            log_tail=headers.get("X-Amz-Log-Type") == "Tail",
            trace_id=headers.get("X-Amzn-Trace-Id"),
            client_context=_client_context(headers.get("X-Amz-Client-Context")),
            request_id=request_id,
        )
        self._task(self._run(invocation, base), request_id)

    async def _queue_event(self, name: str, body: bytes, base: dict[str, str]) -> None:
        # the queue writes the event durably (fsync) before AWS's 202: not on the loop
        event_id = await self.server.loop.offload(self.service.invoke_event, name, body)
        self.reply(202, b"", {**base, "x-amzn-RequestId": event_id})

    async def _run(
        self, invocation: Coroutine[object, object, InvokeResult], base: dict[str, str]
    ) -> None:
        result = await invocation
        headers = {
            **base,
            "Content-Type": _JSON,
            "X-Strangler-Sandbox-Id": result.sandbox_id,
        }
        if result.function_error is not None:
            headers["X-Amz-Function-Error"] = result.function_error
        if result.log_tail:
            headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail).decode()
        if result.init_ms is not None:
            headers["X-Strangler-Init-Duration-Ms"] = f"{result.init_ms:.2f}"
        self.reply(200, result.payload, headers)

    def _task(self, work: Coroutine[object, object, None], request_id: str) -> None:
        task = self.server.loop.loop.create_task(work)
        task.add_done_callback(lambda done: self._finished(done, request_id))

    def _finished(self, task: asyncio.Task[None], request_id: str) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, LambdaServiceError):
            self._error(error, request_id)
        elif error is not None:
            # what a bug or a failed process start raised: logged, and the connection closed
            # without an answer, as http.server's threads did
            traceback.print_exception(error, file=sys.stderr)
            self.transport.close()

    def _get_function(self, raw: str) -> None:
        spec = self.service.resolve(self._function_name(raw, None, "GetFunction"))
        region = self.service.settings.region
        configuration = {
            "FunctionName": spec.name,
            "FunctionArn": spec.arn(region),
            "Runtime": "python3.11",
            "Handler": spec.handler,
            "MemorySize": spec.memory_mb,
            "Timeout": spec.timeout_s,
            "Version": VERSION,
            "State": "Active",
            "Architectures": [spec.architecture],
            "Environment": {"Variables": dict(spec.environment)},
        }
        payload: dict[str, object] = {"Configuration": configuration}
        if spec.reserved_concurrency is not None:
            payload["Concurrency"] = {"ReservedConcurrentExecutions": spec.reserved_concurrency}
        self.reply(200, json.dumps(payload).encode(), _JSON_TYPE)

    def _answer(self, request: Request, action: _Action) -> None:
        """Run one AWS API action, SigV4 first; a service error becomes AWS's JSON error."""
        request_id = _new_request_id()
        try:
            verifier = self.server.verifier
            if verifier is not None:
                verifier.verify(request.method, request.path, request.headers, request.body)
            action(request_id)
        except LambdaServiceError as error:
            self._error(error, request_id)

    def _error(self, error: LambdaServiceError, request_id: str) -> None:
        headers = {
            "Content-Type": _JSON,
            "x-amzn-ErrorType": error.error_type,
            "x-amzn-RequestId": request_id,
        }
        if isinstance(error, ThrottledError):
            headers["Retry-After"] = "1"
        self.reply(error.status, error_body(error), headers)


def _new_request_id() -> str:
    return str(uuid.uuid4())


def _client_context(header: str | None) -> str | None:
    if not header:
        return None
    try:
        return base64.b64decode(header, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequestError("X-Amz-Client-Context is not base64 of UTF-8 JSON") from exc


class InvokeApiServer:
    """Listens on the service's loop; ``url`` once constructed."""

    def __init__(self, service: InvokeBackend, loop: ServiceLoop, host: str, port: int) -> None:
        self.service = service
        self.loop = loop
        self.connections: set[Http1Connection] = set()
        credentials = service.settings.credentials
        self.verifier = (
            None if credentials is None else SigV4Verifier(credentials, service.settings.region)
        )
        try:
            self._server = loop.run(self._listen(host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(f"the Lambda service port {host}:{port} is in use") from exc
            raise
        bound_port = int(self._server.sockets[0].getsockname()[1])
        self.url = f"http://{host}:{bound_port}"

    async def _listen(self, host: str, port: int) -> asyncio.Server:
        # a burst of load-test connections must not be refused
        return await asyncio.get_running_loop().create_server(
            lambda: _InvokeConnection(self), host, port, backlog=1024, reuse_address=True
        )

    def stop(self) -> None:
        if self.loop.running:
            self.loop.run(self._close())

    async def _close(self) -> None:
        self._server.close()
        for connection in list(self.connections):
            connection.transport.abort()
