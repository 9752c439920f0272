"""The Invoke API over HTTP, compatible with boto3's lambda client via ``endpoint_url``.

Also serves ``GET /strangler/metrics`` and ``GET /strangler/health`` for the harness.
"""

from __future__ import annotations

import base64
import binascii
import errno
import json
import re
import threading
import uuid
from collections.abc import Callable
from http.server import ThreadingHTTPServer
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
from .httputil import FastHandler
from .invoke_rules import check_event_size, check_json, check_reachable, parse_function_name
from .logformat import VERSION
from .result import InvokeResult
from .spec import FunctionSpec, ServiceSettings

_Action = Callable[[str], None]

_INVOKE_RE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations/?$")
_FUNCTION_RE = re.compile(r"^/2015-03-31/functions/([^/]+)/?$")
_JSON = "application/json"


class InvokeBackend(Protocol):
    """What the Invoke API asks of the Lambda service (``LambdaService`` is one)."""

    settings: ServiceSettings

    def resolve(self, name: str) -> FunctionSpec: ...

    def check_payload(self, payload: bytes) -> None: ...

    def invoke(
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


class _InvokeHandler(FastHandler):
    server: _Server

    @property
    def service(self) -> InvokeBackend:
        return self.server.service

    def protocol_error(self, error: HttpProtocolError) -> None:
        if error.status == 413:  # AWS's own answer to an oversized Invoke request
            self._answer(lambda _: self._raise(RequestTooLargeError("Request is too large")))
        else:
            super().protocol_error(error)

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        if path == "/strangler/health":
            self.reply(200, b'{"status":"ok"}', {"Content-Type": _JSON})
        elif path == "/strangler/metrics":
            body = json.dumps(self.service.metrics(), indent=2).encode()
            self.reply(200, body, {"Content-Type": _JSON})
        elif (match := _FUNCTION_RE.match(path)) is not None:
            raw_name = unquote(match.group(1))
            self._answer(lambda request_id: self._get_function(raw_name), signed=True)
        else:
            self.reply(404, b'{"message":"Not Found"}', {"Content-Type": _JSON})

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        match = _INVOKE_RE.match(path)
        body = self.body
        if match is None:
            self.reply(404, b'{"message":"Not Found"}', {"Content-Type": _JSON})
            return
        qualifier = parse_qs(query).get("Qualifier", [None])[0]
        raw_name = unquote(match.group(1))
        self._answer(
            lambda request_id: self._invoke(raw_name, qualifier, body, request_id), signed=True
        )

    def _function_name(self, raw: str, qualifier: str | None, action: str) -> str:
        target = parse_function_name(raw, qualifier)
        check_reachable(target, self.service.settings.region, action)
        if target.qualifier not in (None, VERSION):
            # Only $LATEST exists locally; AWS answers an unknown alias or version with 404.
            return f"{target.name}:{target.qualifier}"
        return target.name

    def _invoke(self, raw_name: str, qualifier: str | None, body: bytes, request_id: str) -> None:
        service = self.service
        name = self._function_name(raw_name, qualifier, "InvokeFunction")
        invocation_type = self.request_headers.get("X-Amz-Invocation-Type", "RequestResponse")
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
            event_id = service.invoke_event(name, body)
            self.reply(202, b"", {**base, "x-amzn-RequestId": event_id})
            return
        if invocation_type != "RequestResponse":
            raise InvalidRequestError(f"Invalid invocation type {invocation_type!r}")
        result = service.invoke(
            name,
            body,
            log_tail=self.request_headers.get("X-Amz-Log-Type") == "Tail",
            trace_id=self.request_headers.get("X-Amzn-Trace-Id"),
            client_context=_client_context(self.request_headers.get("X-Amz-Client-Context")),
            request_id=request_id,
        )
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
        self.reply(200, json.dumps(payload).encode(), {"Content-Type": _JSON})

    @staticmethod
    def _raise(error: LambdaServiceError) -> None:
        raise error

    def _answer(self, action: _Action, *, signed: bool = False) -> None:
        """Run one API action (``signed``: an AWS API one, SigV4 first); a service error
        becomes AWS's JSON error response."""
        request_id = _new_request_id()
        try:
            verifier = self.server.verifier
            if signed and verifier is not None:
                verifier.verify(self.command, self.path, self.request_headers, self.body)
            action(request_id)
        except LambdaServiceError as error:
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst of load-test connections must not be refused

    def __init__(self, address: tuple[str, int], service: InvokeBackend) -> None:
        self.service = service
        credentials = service.settings.credentials
        self.verifier = (
            None if credentials is None else SigV4Verifier(credentials, service.settings.region)
        )
        super().__init__(address, _InvokeHandler)


class InvokeApiServer:
    def __init__(self, service: InvokeBackend, host: str, port: int) -> None:
        try:
            self._server = _Server((host, port), service)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(f"the Lambda service port {host}:{port} is in use") from exc
            raise
        bound_port = int(self._server.server_address[1])
        self.url = f"http://{host}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
