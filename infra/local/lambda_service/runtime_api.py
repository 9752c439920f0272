"""The Lambda Runtime API (2018-06-01) that sandboxes poll.

One event loop listens on one port per sandbox and knows the sandbox by the port a
connection arrived on: awslambdaric reads only ``AWS_LAMBDA_RUNTIME_API=host:port`` and builds
the paths itself, so the port is the only thing that can carry a sandbox's identity. A port is
no secret, so each connection is first checked to come from the sandbox's own process
(``peer.py``); any other process gets 403 and a closed connection, and never sees an event.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from strangler_core.http1 import HttpProtocolError, response_head

from . import faults, peer
from .httputil import Http1Connection, Request
from .loop import ServiceLoop

PREFIX = "/2018-06-01/runtime"
NEXT_PATH = f"{PREFIX}/invocation/next"
INIT_ERROR_PATH = f"{PREFIX}/init/error"
_RESULT_RE = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_JSON = {"Content-Type": "application/json"}
_ACCEPTED = json.dumps({"status": "OK"}).encode()
_DRAIN_S = 1.0


@dataclass(frozen=True)
class Invocation:
    """One event as the runtime receives it from ``/invocation/next``."""

    request_id: str
    payload: bytes
    deadline_ms: int  # wall-clock epoch milliseconds
    function_arn: str
    trace_id: str
    client_context: str | None = None

    def next_headers(self) -> dict[str, str]:
        # awslambdaric's native client crashes (SIGSEGV) without a Content-Type here.
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
        }
        if self.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        return headers


class RuntimeBackend(Protocol):
    """The sandbox side of the Runtime API; the server only translates HTTP to these calls."""

    def runtime_pid(self) -> int | None:
        """The process allowed to use this Runtime API (waits for it to be started); None
        once the sandbox is gone."""
        ...

    def next_invocation(self, deliver: Callable[[Invocation | None], None]) -> None:
        """Park the runtime's ``/next``; returns at once (it is called on the event loop).
        ``deliver`` is called once, from any thread: with the next event, or with None when
        the sandbox stops (the runtime gets 410)."""
        ...

    def post_response(self, request_id: str, body: bytes) -> bool:
        """False when request_id is not the invocation in progress."""
        ...

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> bool: ...

    def post_init_error(self, body: bytes, error_type: str | None) -> None: ...


def _error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class _RuntimeConnection(Http1Connection):
    """One runtime's connection (awslambdaric keeps it open for every invocation)."""

    def __init__(
        self, backend: RuntimeBackend, loop: ServiceLoop, open_set: set[Http1Connection]
    ) -> None:
        super().__init__(open_set)
        self.backend = backend
        self._loop = loop

    def handle(self, request: Request) -> None:
        if request.method == "GET":
            if request.path != NEXT_PATH:
                self.reply(404, _error_body("NotFound", request.path), _JSON)
            else:
                self.backend.next_invocation(self._deliver)
        elif request.method == "POST":
            self._post(request)
        else:
            self.reply(501, _error_body("NotImplemented", request.method), _JSON)

    def _deliver(self, invocation: Invocation | None) -> None:
        """The parked ``/next``'s answer, from whichever thread has it."""
        self._loop.call(lambda: self._answer_next(invocation))

    def _answer_next(self, invocation: Invocation | None) -> None:
        if invocation is None:
            self.close_connection = True
            self.reply(410, _error_body("SandboxShutdown", "sandbox is stopping"), _JSON)
        else:
            self.reply(200, invocation.payload, invocation.next_headers())

    def protocol_error(self, error: HttpProtocolError) -> None:
        if error.status == 413:
            self.reply(413, _error_body("RequestEntityTooLarge", str(error)), _JSON)
        else:
            super().protocol_error(error)

    def _post(self, request: Request) -> None:
        body = request.body
        error_type = request.headers.get(ERROR_TYPE_HEADER)
        if request.path == INIT_ERROR_PATH:
            self.backend.post_init_error(body, error_type)
            self.reply(202, _ACCEPTED, _JSON)
            return
        match = _RESULT_RE.match(request.path)
        if match is None:
            self.reply(404, _error_body("NotFound", request.path), _JSON)
            return
        request_id, kind = match.groups()
        if kind == "response" and len(body) > faults.MAX_RESPONSE_BYTES:
            # Lambda refuses the response and the invocation fails as the function's error.
            self.backend.post_error(
                request_id, faults.response_too_large_body(), faults.RESPONSE_TOO_LARGE
            )
            message = f"Exceeded maximum allowed payload size ({faults.MAX_RESPONSE_BYTES} bytes)."
            self.reply(413, _error_body("RequestEntityTooLarge", message), _JSON)
            return
        if kind == "response":
            accepted = self.backend.post_response(request_id, body)
        else:
            accepted = self.backend.post_error(request_id, body, error_type)
        if accepted:
            self.reply(202, _ACCEPTED, _JSON)
        else:
            self.reply(400, _error_body("InvalidRequestID", f"unknown id {request_id}"), _JSON)


_FORBIDDEN_BODY = _error_body("AccessDenied", "only this sandbox's runtime may use its Runtime API")
_FORBIDDEN = (
    response_head(
        403,
        None,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(_FORBIDDEN_BODY))),
            ("Connection", "close"),
        ],
    )
    + _FORBIDDEN_BODY
)


class RuntimeApiServer:
    """Every sandbox's port on one event loop: the service's (``loop``), or one of its own."""

    def __init__(self, host: str = "127.0.0.1", loop: ServiceLoop | None = None) -> None:
        self.host = host
        # Where the kernel cannot name a connection's process (not Linux), nothing is checked.
        self.guard = "peer-process" if peer.guard_available() else "none"
        self._own_loop = loop is None
        self.loop = loop or ServiceLoop()
        # touched on the loop's thread only
        self._listeners: dict[int, socket.socket] = {}
        self._connections: set[Http1Connection] = set()

    def start(self) -> None:
        if self._own_loop:
            self.loop.start()

    def listen(self, backend: RuntimeBackend) -> int:
        """Open a port for one sandbox and return it (from any thread)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((self.host, 0))
        listener.listen(16)
        listener.setblocking(False)
        port = int(listener.getsockname()[1])
        # a runtime that connects before the loop watches the port waits in the backlog
        self.loop.call(lambda: self._watch(port, listener, backend))
        return port

    def unlisten(self, port: int) -> None:
        self.loop.call(lambda: self._unwatch(port))

    def stop(self) -> None:
        if not self.loop.running:
            return
        done = threading.Event()

        def close_all() -> None:
            for port in list(self._listeners):
                self._unwatch(port)
            for connection in list(self._connections):
                connection.transport.abort()
            done.set()

        self.loop.call(close_all)
        done.wait(5)
        if self._own_loop:
            self.loop.stop()

    def _watch(self, port: int, listener: socket.socket, backend: RuntimeBackend) -> None:
        self._listeners[port] = listener
        self.loop.loop.add_reader(listener.fileno(), self._accept, listener, backend)

    def _unwatch(self, port: int) -> None:
        listener = self._listeners.pop(port, None)
        if listener is not None:
            self.loop.loop.remove_reader(listener.fileno())
            listener.close()

    def _accept(self, listener: socket.socket, backend: RuntimeBackend) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # BlockingIOError: nothing more to accept
                return
            self.loop.loop.create_task(self._admit(conn, backend))

    async def _admit(self, conn: socket.socket, backend: RuntimeBackend) -> None:
        """The peer check (blocking: the process may still be starting), then the connection
        joins the loop; any other process gets 403."""
        try:
            if self.guard == "peer-process" and not await self.loop.offload(
                _from_runtime, conn, backend
            ):
                await self.loop.offload(_refuse, conn)
                conn.close()
                return
            conn.setblocking(False)
            await self.loop.loop.connect_accepted_socket(
                lambda: _RuntimeConnection(backend, self.loop, self._connections), conn
            )
        except OSError:
            # A sandbox killed mid-request (timeout, crash, shutdown) resets its connection.
            conn.close()


def _from_runtime(conn: socket.socket, backend: RuntimeBackend) -> bool:
    pid = backend.runtime_pid()
    return pid is not None and peer.connected_by(conn, pid)


def _refuse(conn: socket.socket) -> None:
    """403, then close without reading the request; what it sent is drained first, or the
    close would reset the connection before the answer is read."""
    conn.setblocking(True)
    conn.sendall(_FORBIDDEN)
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(_DRAIN_S)
    with contextlib.suppress(OSError):
        while conn.recv(65536):
            pass
