"""The front connection: plain HTTP passthrough without aiohttp's request machinery.

Every client connection starts here. At each request boundary the head is parsed by the
strict layer (``strangler_core.http1``); a head that breaks RFC 9112 is answered here (400,
431 past API Gateway's 10,240 bytes, 505) and the connection closed. A simple request for an
HTTP_PROXY or AWS_PROXY route (HTTP/1.1, no HEAD, a known body length up to
``STREAM_THRESHOLD`` already in the buffer, no Upgrade/Expect/Transfer-Encoding/close, a plain
path) that the ``FastLane`` accepts is served by it on this connection. Anything else hands the
connection, with the bytes not yet handled, to aiohttp's request handler for the rest of its
life (``delegated.AiohttpLink`` hands it one request at a time), so every other behaviour
(404, 413, streamed uploads, chunked bodies, HEAD, errors) stays aiohttp's. A head or body
that does not arrive in time (``timeouts``) is answered 408 and the connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable, MutableSet
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Protocol

from multidict import CIMultiDict

from infra.local.gateway.delegated import AiohttpLink
from infra.local.gateway.errors import error_body
from infra.local.gateway.framing import Waiting
from infra.local.gateway.passthrough import STREAM_THRESHOLD
from infra.local.gateway.timeouts import ReadTimeouts, ReadTimer
from strangler_core.http1 import HttpProtocolError, RequestHead, parse_request_head, response_head

IDLE_TIMEOUT_S = 75.0  # aiohttp's keep-alive timeout, so both paths close idle clients alike
FAST_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__,
# which costs the fast path ~4 % more instructions per request (docs/benchmarks.md)
@dataclass(slots=True)
class RawRequest:
    """A simple request's parts, from its head (the body follows)."""

    method: str
    target: str
    """The request target as sent (path and query)."""
    path: str
    headers: CIMultiDict[str]
    length: int


def simple_request(head: RequestHead) -> RawRequest | None:
    """The request if the fast path may serve it, or None: aiohttp serves it.

    ``head`` has passed the strict parser; what is left out here is valid but unusual: other
    versions and methods, encoded or dot segments (aiohttp normalises them), bodies that are
    chunked, large or awaited (``Expect``), upgrades and ``Connection: close``.
    """
    if head.version != "1.1" or head.method not in FAST_METHODS or not head.keep_alive:
        return None
    if head.chunked or head.upgrade or (head.content_length or 0) > STREAM_THRESHOLD:
        return None
    target = head.target
    path = target.split("?", 1)[0]
    if not path.startswith("/") or "%" in path or "/." in path or "//" in path or "#" in target:
        return None
    headers: CIMultiDict[str] = CIMultiDict(head.headers)
    if "expect" in headers or "upgrade" in headers:  # Transfer-Encoding: ``head.chunked``
        return None
    return RawRequest(head.method, target, path, headers, head.content_length or 0)


_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


ServeFast = Callable[["FrontProtocol", bytes], Awaitable[None]]
"""Serves one accepted request (given its body) on the connection."""


class FastLane(Protocol):
    """What the front connection asks of the gateway."""

    def accept(self, request: RawRequest) -> ServeFast | None:
        """How to serve ``request`` on the raw connection, or None: aiohttp serves it."""
        ...


class FrontProtocol(asyncio.Protocol):
    """One client connection, served by the fast lane until it needs aiohttp.

    While it is served here the connection is in ``connections`` (the gateway waits for and
    closes those when it stops); once handed to aiohttp, aiohttp's server tracks it.
    """

    def __init__(
        self,
        lane: FastLane,
        connections: MutableSet[FrontProtocol],
        fallback: Callable[[], Any],
        timeouts: ReadTimeouts,
    ) -> None:
        self._lane = lane
        self._timeouts = timeouts
        self._timer = ReadTimer(timeouts, self._read_timed_out)
        self._connections = connections
        self._fallback = fallback
        self._buffer = bytearray()
        self._busy = False
        self.transport: asyncio.Transport | None = None
        self.client_ip = ""
        self.task: asyncio.Task[None] | None = None
        self._paused = False
        self._drain: asyncio.Future[None] | None = None
        # looked up once: on Python 3.11 each look-up of the running loop is a getpid() call
        self._loop = asyncio.get_running_loop()
        self._idle: asyncio.TimerHandle | None = None
        self._active = 0.0  # loop time of the last read or answer

    def _arm_idle_timer(self, delay: float | None = None) -> None:
        self._idle = self._loop.call_later(
            IDLE_TIMEOUT_S if delay is None else delay, self._close_idle
        )

    def _touch(self) -> None:
        """Activity: the idle timer counts from now. It is not re-armed for every request
        (a timer costs ~4 us to cancel and schedule); when it fires early, it waits on."""
        self._active = self._loop.time()

    def _close_idle(self) -> None:
        left = self._active + IDLE_TIMEOUT_S - self._loop.time()
        if left > 0:
            self._arm_idle_timer(left)
        elif self._busy or self._buffer:
            self._arm_idle_timer()  # counts again from the end of this request
        else:
            self.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        self.client_ip = peer[0] if isinstance(peer, tuple | list) and peer else ""
        self._connections.add(self)
        self._touch()
        self._arm_idle_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._timer.cancel()
        self._connections.discard(self)
        self.resume_writing()

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    async def drain(self) -> None:
        if self._paused:
            self._drain = self._loop.create_future()
            await self._drain

    def data_received(self, data: bytes) -> None:
        self._touch()
        self._buffer += data
        if not self._busy:
            self._next()

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def _next(self) -> None:
        buf = self._buffer
        if not buf or self.transport is None or self.transport.is_closing():
            return
        try:
            head = parse_request_head(buf)
        except HttpProtocolError as error:
            self._refuse(error.status)
            return
        if head is None:
            self._timer.update(Waiting.HEAD)
            return  # the head is still on its way
        request = simple_request(head)
        serve = None if request is None else self._lane.accept(request)
        if request is None or serve is None:
            self._delegate()
            return
        end = head.size + request.length
        if len(buf) < end:
            self._timer.update(Waiting.BODY)
            return  # the body is still on its way
        self._timer.cancel()
        body = bytes(buf[head.size : end])
        del buf[:end]
        self._busy = True
        self.task = self._loop.create_task(self._serve(serve, body))

    async def _serve(self, serve: ServeFast, body: bytes) -> None:
        try:
            await serve(self, body)
        except Exception:
            if self.transport is not None:
                self.transport.abort()
            raise
        finally:
            self._busy = False
            self.task = None
        self._touch()
        self._next()

    def write(self, data: bytes) -> bool:
        """False when the client has gone."""
        if self.transport is None or self.transport.is_closing():
            return False
        self.transport.write(data)
        return True

    def _read_timed_out(self, waiting: Waiting) -> None:
        if not self._busy:
            self._refuse(408)

    def _refuse(self, status: int) -> None:
        """Answer a request that breaks RFC 9112 and close: its framing cannot be trusted, so
        nothing after it on this connection can be either (RFC 9112 §9.3). Also the answer
        to a request that did not arrive in time."""
        assert self.transport is not None
        body = error_body(status)
        fields = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ]
        self._buffer.clear()
        self.transport.write(response_head(status, None, fields) + body)
        self.transport.close()

    def _delegate(self) -> None:
        """Hand the connection and its unhandled bytes to aiohttp for good."""
        transport = self.transport
        assert transport is not None
        if self._idle is not None:
            self._idle.cancel()  # aiohttp's own keep-alive timeout takes over
        self._timer.cancel()
        self._connections.discard(self)
        link = AiohttpLink(self._fallback(), self._timeouts)
        transport.set_protocol(link)
        link.connection_made(transport)
        data = bytes(self._buffer)
        self._buffer.clear()
        if data:
            link.data_received(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
