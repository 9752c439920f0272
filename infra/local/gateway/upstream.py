"""A lean HTTP/1.1 keep-alive client for the passthrough hot path.

aiohttp's client costs ~0.3 ms of CPU per request here (cookies, redirects, tracing hooks),
more than the rest of the gateway together; the passthrough needs none of that. This client
writes the request head in one write, parses the answer with the strict layer
(``strangler_core.http1``), and hands the body over as it arrives (Content-Length, chunked or
until-close), with read flow control. A large request body is streamed with write flow control
and stops when the upstream answers early (``_Connection.upload``). An answer that breaks
RFC 9112 raises ``HttpProtocolError`` (status 502) and closes the connection.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from strangler_core.http1 import ChunkedDecoder, HttpProtocolError, parse_response_head

HIGH_WATER = 1024 * 1024
CHUNK = 64 * 1024
MAX_CHUNKED_BODY = 1 << 62  # no limit of its own: bodies are streamed, never held whole
DEFAULT_IDLE_TIMEOUT_S = 1.0
"""Below gunicorn's keep-alive timeout (2 s), the monolith's."""


@dataclass
class UpstreamResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    content_length: int | None
    _conn: _Connection = field(repr=False)

    async def read(self) -> bytes:
        if self._conn._done:  # the whole body is already here (the usual small answer)
            return self._conn.take_all()
        return b"".join([chunk async for chunk in self.iter_body()])

    async def iter_body(self) -> AsyncIterator[bytes]:
        while chunk := await self._conn.next_chunk():
            yield chunk

    def release(self) -> None:
        self._conn.release()


def _interim(status: int) -> bool:
    """RFC 9110 §15.2: a client parses and may ignore 1xx answers before the final one (the
    gateway asks for none: it answers a client's ``Expect`` itself). 101 ends HTTP on the
    connection, so it is final."""
    return 100 <= status < 200 and status != 101


def _duplicate(transport: asyncio.Transport) -> socket.socket | None:
    sock = transport.get_extra_info("socket")
    if sock is None:
        return None
    spare = sock.dup()
    spare.setblocking(False)
    return spare


def _answering(spare: socket.socket | None, transport: asyncio.Transport) -> bool:
    """The upstream has begun to answer, or closed (the event loop may not have read it yet:
    a write now could meet the reset that follows an answer, and end the transport first)."""
    if transport.is_closing():
        return True
    if spare is None:
        return False
    try:
        return bool(spare.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    except OSError:
        return True


class _Connection(asyncio.Protocol):
    def __init__(self, pool: UpstreamPool, key: tuple[str, int]) -> None:
        self._pool, self._key = pool, key
        self._loop = asyncio.get_running_loop()  # once: each look-up is a getpid() on 3.11
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._head: asyncio.Future[UpstreamResponse] | None = None
        self._chunks: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None
        self._remaining = 0  # Content-Length bytes still due
        self._decoder: ChunkedDecoder | None = None  # the body is chunked
        self._until_close = False  # the body ends when the upstream closes
        self._done = True
        self._closed = False
        self._paused = False
        self._keep_alive = True
        self._head_only = False
        self._error: Exception | None = None
        self._buffered = 0
        self._drained: asyncio.Future[None] | None = None  # set while writing is paused
        self._spare: socket.socket | None = None  # a duplicate descriptor while uploading
        self._received = 0  # bytes of the current answer so far
        self.idle_since = 0.0  # time.monotonic() when it went back to the pool

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self.resume_writing()
        self._salvage()
        self._pool.forget(self)
        if self._until_close and not self._done and self._error is None:
            self._finish()  # body framed by connection close
        error = self._error or exc or ConnectionResetError("upstream closed the connection")
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        elif not self._done:
            self._error = error
        self._wake()

    def send(
        self, head: bytes, body: bytes | None, head_only: bool
    ) -> asyncio.Future[UpstreamResponse]:
        assert self._transport is not None
        self._head = self._loop.create_future()
        self._done, self._error = False, None
        self._chunks.clear()
        self._buffered = 0
        self._received = 0
        self._head_only = head_only
        self._transport.write(head + body if body else head)
        return self._head

    async def upload(self, chunks: AsyncIterator[bytes]) -> None:
        """Stream a request body after its head, as fast as the upstream reads it.

        RFC 9112 §9.5: a client sending a body watches for an answer while it sends. Once the
        upstream has answered (or closed), it has what it wanted of the body: the rest is not
        sent. The connection is not reused, even when the whole body went out: an upstream
        that answered without reading it all may close it then (gunicorn does, although its
        answer says keep-alive).
        """
        transport = self._transport
        assert transport is not None
        self._keep_alive = False
        spare = self._spare = _duplicate(transport)
        async for chunk in chunks:
            if self._head is None or self._head.done() or _answering(spare, transport):
                return
            transport.write(chunk)
            if self._drained is not None:
                await self._drained

    def _salvage(self) -> None:
        """Read what the kernel still holds for a connection whose transport is gone.

        An upstream that answers before reading the whole body and then closes makes the
        kernel reset the connection; a write that meets the reset ends the transport before
        it has read the answer that came first. The duplicate descriptor still can.
        """
        spare, self._spare = self._spare, None
        if spare is None:
            return
        with spare:
            while not self._done:
                try:
                    data = spare.recv(CHUNK)
                except OSError:  # nothing more (or the reset itself, once the data is read)
                    return
                if not data:
                    return
                self.data_received(data)

    def pause_writing(self) -> None:
        self._drained = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    @property
    def received_nothing(self) -> bool:
        """Not one byte of the current answer arrived (so the request may not have either)."""
        return self._received == 0

    def data_received(self, data: bytes) -> None:
        self._received += len(data)
        self._buffer += data
        try:
            if self._head is not None and not self._head.done():
                self._parse_head()
            if self._head is not None and self._head.done() and not self._done:
                self._parse_body()
        except HttpProtocolError as error:
            self._fail(error)

    def _parse_head(self) -> None:
        while True:
            head = parse_response_head(self._buffer, head_request=self._head_only)
            if head is None:
                return
            del self._buffer[: head.size]
            if not _interim(head.status):
                break
        self._keep_alive = self._keep_alive and head.keep_alive
        self._decoder = ChunkedDecoder(MAX_CHUNKED_BODY, status=502) if head.chunked else None
        self._until_close = head.body_length is None and not head.chunked
        self._remaining = head.body_length or 0
        assert self._head is not None
        self._head.set_result(
            UpstreamResponse(head.status, head.reason, head.headers, head.content_length, self)
        )
        if head.body_length == 0:
            self._finish()

    def _parse_body(self) -> None:
        if self._decoder is not None:
            self._push(self._decoder.decode(self._buffer))
            if self._decoder.done:
                self._finish()
        elif self._until_close:
            self._push(bytes(self._buffer))
            self._buffer.clear()
        else:
            take = bytes(self._buffer[: self._remaining])
            del self._buffer[: len(take)]
            self._remaining -= len(take)
            self._push(take)
            if self._remaining == 0:
                self._finish()

    def _push(self, data: bytes) -> None:
        if data:
            self._chunks.append(data)
            self._buffered += len(data)
            if not self._paused and self._buffered > HIGH_WATER:
                assert self._transport is not None
                self._transport.pause_reading()
                self._paused = True
            self._wake()

    def _finish(self) -> None:
        self._done = True
        if self._spare is not None:
            self._spare.close()
            self._spare = None
        self._wake()

    def _fail(self, error: Exception) -> None:
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        else:
            self._error = error
            self._wake()
        self._keep_alive = False
        if self._transport is not None:
            self._transport.close()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_chunk(self) -> bytes:
        while not self._chunks:
            if self._done:
                return b""
            if self._error is not None:
                raise self._error
            if self._closed:
                raise ConnectionResetError("upstream closed the connection")
            self._waiter = self._loop.create_future()
            await self._waiter
        chunk = self._chunks.pop(0)
        self._buffered -= len(chunk)
        if self._paused and not self._chunks:
            assert self._transport is not None
            self._transport.resume_reading()
            self._paused = False
        return chunk

    def take_all(self) -> bytes:
        """Every buffered body chunk at once (only once the body is complete)."""
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._paused:
            assert self._transport is not None
            self._transport.resume_reading()
            self._paused = False
        return data

    def abort(self) -> None:
        self._keep_alive = False
        if self._transport is not None:
            self._transport.close()

    def release(self) -> None:
        """Back to the pool when the answer was read whole and may be followed by another."""
        assert self._transport is not None
        if self._done and self._keep_alive and not self._closed and not self._buffer:
            self._pool.put(self._key, self)
        else:
            self._transport.close()


class UpstreamPool:
    """Idle keep-alive connections per (host, port), most recently used first.

    A connection idle for ``idle_timeout_s`` is closed instead of reused: the upstream closes
    its idle connections too (gunicorn after 2 s), and one it closes just as a request goes
    out costs that request (nginx: the upstream ``keepalive_timeout``, set below the
    server's). Should a reused connection still end before the first byte of its answer, a
    ``retry`` request (an idempotent one) goes once more on a new connection, as nginx's
    ``proxy_next_upstream error`` does; a streamed body cannot be sent twice.
    """

    def __init__(self, idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S) -> None:
        self._idle_timeout_s = idle_timeout_s
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._all: set[_Connection] = set()

    async def request(
        self,
        host: str,
        port: int,
        head: bytes,
        body: bytes | AsyncIterator[bytes] | None,
        *,
        head_only: bool = False,
        retry: bool = False,
    ) -> UpstreamResponse:
        key = (host, port)
        conn = self._take_idle(key)
        if conn is not None:
            try:
                return await self._exchange(conn, head, body, head_only)
            except ConnectionError:
                once_more = retry and conn.received_nothing and not isinstance(body, AsyncIterator)
                if not once_more:
                    raise
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(lambda: _Connection(self, key), host, port)
        self._all.add(conn)
        return await self._exchange(conn, head, body, head_only)

    async def _exchange(
        self,
        conn: _Connection,
        head: bytes,
        body: bytes | AsyncIterator[bytes] | None,
        head_only: bool,
    ) -> UpstreamResponse:
        try:
            if body is None or isinstance(body, bytes):
                return await conn.send(head, body, head_only)
            answer = conn.send(head, None, head_only)
            await conn.upload(body)
            return await answer
        except BaseException:
            # cancelled (timeout) or failed half way: the connection's state is unknown
            conn.abort()
            raise

    def _take_idle(self, key: tuple[str, int]) -> _Connection | None:
        """The most recently used idle connection, unless it has been idle too long (then so
        have all the others: they are closed)."""
        idle = self._idle.get(key)
        if not idle:
            return None
        conn = idle.pop()
        if time.monotonic() - conn.idle_since < self._idle_timeout_s:
            return conn
        for stale in (conn, *idle):
            stale.abort()
        idle.clear()
        return None

    def put(self, key: tuple[str, int], conn: _Connection) -> None:
        conn.idle_since = time.monotonic()
        self._idle.setdefault(key, []).append(conn)

    def forget(self, conn: _Connection) -> None:
        self._all.discard(conn)
        idle = self._idle.get(conn._key)
        if idle and conn in idle:
            idle.remove(conn)

    def close(self) -> None:
        for conn in list(self._all):
            if conn._transport is not None:
                conn._transport.close()
        self._idle.clear()
