"""The Lambda Runtime API (2018-06-01) that sandboxes poll.

One server thread listens on one port per sandbox and knows the sandbox by the port a
connection arrived on: awslambdaric reads only ``AWS_LAMBDA_RUNTIME_API=host:port`` and builds
the paths itself, so the port is the only thing that can carry a sandbox's identity. A port is
no secret, so each connection is first checked to come from the sandbox's own process
(``peer.py``); any other process gets 403 and a closed connection, and never sees an event.
"""

from __future__ import annotations

import contextlib
import json
import re
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from strangler_core.http1 import HttpProtocolError, response_head

from . import faults, peer
from .httputil import FastHandler

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
        """Park the runtime's ``/next``; returns at once. ``deliver`` is called once: with the
        next event (by the invoking thread, which writes it straight to the runtime's socket),
        or with None when the sandbox stops (the runtime gets 410).

        The connection's thread goes straight back to reading the socket, where the runtime's
        result arrives: a thread that waited for the delivery instead would be woken once
        more on every warm invoke (a GIL hand-off and a futex wake-up, for nothing).
        """
        ...

    def post_response(self, request_id: str, body: bytes) -> bool:
        """False when request_id is not the invocation in progress."""
        ...

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> bool: ...

    def post_init_error(self, body: bytes, error_type: str | None) -> None: ...


def _error_body(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class _RuntimeHandler(FastHandler):
    @property
    def backend(self) -> RuntimeBackend:
        return self.server.backend  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        if self.path != NEXT_PATH:
            self.reply(404, _error_body("NotFound", self.path), _JSON)
            return
        if not self.close_connection:
            self.backend.next_invocation(self._deliver)
            return
        # The runtime closes after this answer: the socket stays open until it is written.
        sent = threading.Event()

        def deliver_then_close(invocation: Invocation | None) -> None:
            try:
                self._deliver(invocation)
            finally:
                sent.set()

        self.backend.next_invocation(deliver_then_close)
        sent.wait()

    def _deliver(self, invocation: Invocation | None) -> None:
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

    def do_POST(self) -> None:
        body = self.body
        error_type = self.request_headers.get(ERROR_TYPE_HEADER)
        if self.path == INIT_ERROR_PATH:
            self.backend.post_init_error(body, error_type)
            self.reply(202, _ACCEPTED, _JSON)
            return
        match = _RESULT_RE.match(self.path)
        if match is None:
            self.reply(404, _error_body("NotFound", self.path), _JSON)
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


class _ConnectionContext:
    """Stands in for socketserver's server object: the handler needs only the backend."""

    def __init__(self, backend: RuntimeBackend) -> None:
        self.backend = backend


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
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        # Where the kernel cannot name a connection's process (not Linux), nothing is checked.
        self.guard = "peer-process" if peer.guard_available() else "none"
        self._selector = selectors.DefaultSelector()
        self._listeners: dict[int, socket.socket] = {}
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._accept_loop, name="runtime-api", daemon=True)
        self._thread.start()

    def listen(self, backend: RuntimeBackend) -> int:
        """Open a port for one sandbox and return it."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((self.host, 0))
        listener.listen(16)
        listener.setblocking(False)
        port = int(listener.getsockname()[1])
        with self._lock:
            self._listeners[port] = listener
            self._selector.register(listener, selectors.EVENT_READ, backend)
        return port

    def unlisten(self, port: int) -> None:
        with self._lock:
            listener = self._listeners.pop(port, None)
            if listener is not None:
                self._selector.unregister(listener)
        if listener is not None:
            listener.close()

    def stop(self) -> None:
        self._stopping = True
        self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        for port in list(self._listeners):
            self.unlisten(port)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _accept_loop(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select():
                if key.data is None:
                    continue
                try:
                    conn, addr = key.fileobj.accept()  # type: ignore[union-attr]
                except (BlockingIOError, OSError):
                    # The listener was closed by unlisten between select and accept.
                    continue
                conn.setblocking(True)
                threading.Thread(
                    target=self._serve, args=(conn, addr, key.data), daemon=True
                ).start()

    def _serve(self, conn: socket.socket, addr: tuple[str, int], backend: RuntimeBackend) -> None:
        try:
            if self.guard == "peer-process" and not _from_runtime(conn, backend):
                _refuse(conn)
                return
            _RuntimeHandler(conn, addr, _ConnectionContext(backend))  # type: ignore[arg-type]
        except OSError:
            # A sandbox killed mid-request (timeout, crash, shutdown) resets its connection.
            pass
        finally:
            conn.close()


def _from_runtime(conn: socket.socket, backend: RuntimeBackend) -> bool:
    pid = backend.runtime_pid()
    return pid is not None and peer.connected_by(conn, pid)


def _refuse(conn: socket.socket) -> None:
    """403, then close without reading the request; what it sent is drained first, or the
    close would reset the connection before the answer is read."""
    conn.sendall(_FORBIDDEN)
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(_DRAIN_S)
    with contextlib.suppress(OSError):
        while conn.recv(65536):
            pass
