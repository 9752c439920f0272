"""A lean HTTP/1.1 keep-alive client for the passthrough hot path.

aiohttp's client costs ~0.3 ms of CPU per request here (cookies, redirects, tracing hooks),
more than the rest of the gateway together; the passthrough needs none of that. This client
writes the request head in one write, parses the answer head in Python, and hands the body
over as it arrives (Content-Length, chunked or until-close), with read flow control.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
HIGH_WATER = 1024 * 1024


class UpstreamProtocolError(ConnectionError):
    """The upstream's answer is not valid HTTP/1.1."""


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


class _Connection(asyncio.Protocol):
    def __init__(self, pool: UpstreamPool, key: tuple[str, int]) -> None:
        self._pool, self._key = pool, key
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._head: asyncio.Future[UpstreamResponse] | None = None
        self._chunks: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None
        self._remaining: int | None = 0  # body bytes still due; None: until close
        self._chunked = False
        self._done = True
        self._closed = False
        self._paused = False
        self._keep_alive = True
        self._head_only = False
        self._error: Exception | None = None
        self._buffered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._pool.forget(self)
        if self._remaining is None and not self._done:
            self._finish()  # body framed by connection close
        error = exc or ConnectionResetError("upstream closed the connection")
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
        elif not self._done:
            self._error = error
        self._wake()

    def send(
        self, head: bytes, body: bytes | None, head_only: bool
    ) -> asyncio.Future[UpstreamResponse]:
        assert self._transport is not None
        loop = asyncio.get_running_loop()
        self._head = loop.create_future()
        self._done, self._error = False, None
        self._chunks.clear()
        self._buffered = 0
        self._head_only = head_only
        self._transport.write(head + body if body else head)
        return self._head

    def write(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.write(data)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._head is not None and not self._head.done():
            self._parse_head()
        if self._head is not None and self._head.done() and not self._done:
            self._parse_body()

    def _parse_head(self) -> None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                self._fail(UpstreamProtocolError("response head too large"))
            return
        lines = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        try:
            version, code, *reason = lines[0].split(" ", 2)
            status = int(code)
        except ValueError:
            self._fail(UpstreamProtocolError(f"bad status line {lines[0]!r}"))
            return
        headers = []
        length = None
        self._chunked = False
        self._keep_alive = version == "HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(":")
            value = value.strip()
            headers.append((name, value))
            lower = name.lower()
            if lower == "content-length":
                length = int(value)
            elif lower == "transfer-encoding" and "chunked" in value.lower():
                self._chunked = True
            elif lower == "connection":
                self._keep_alive = "close" not in value.lower() and (
                    self._keep_alive or "keep-alive" in value.lower()
                )
        if self._head_only or status in (204, 304) or 100 <= status < 200:
            self._chunked = False
            self._remaining = 0
        elif self._chunked:
            self._remaining = 0
        else:
            self._remaining = length
            if length is None:
                self._keep_alive = False
        assert self._head is not None
        self._head.set_result(
            UpstreamResponse(status, reason[0] if reason else "", headers, length, self)
        )
        if self._remaining == 0 and not self._chunked:
            self._finish()

    def _parse_body(self) -> None:
        if self._chunked:
            self._parse_chunks()
        elif self._remaining is None:
            self._push(bytes(self._buffer))
            self._buffer.clear()
        else:
            take = bytes(self._buffer[: self._remaining])
            del self._buffer[: len(take)]
            self._remaining -= len(take)
            self._push(take)
            if self._remaining == 0:
                self._finish()

    def _parse_chunks(self) -> None:
        while not self._done:
            left = self._remaining or 0
            if left > 0:
                take = bytes(self._buffer[:left])
                del self._buffer[: len(take)]
                self._push(take)
                if len(take) < left:
                    self._remaining = left - len(take)
                    return
                self._remaining = -2  # the CRLF after the chunk data
            if self._remaining == -2:
                if len(self._buffer) < 2:
                    return
                del self._buffer[:2]
                self._remaining = 0
            end = self._buffer.find(b"\r\n")
            if end < 0:
                return
            size = int(bytes(self._buffer[:end]).split(b";", 1)[0], 16)
            if size == 0:
                if self._buffer.find(b"\r\n\r\n", end) < 0:
                    return  # trailers (ignored) end with an empty line
                self._buffer.clear()
                self._finish()
                return
            del self._buffer[: end + 2]
            self._remaining = size

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
        self._wake()

    def _fail(self, error: Exception) -> None:
        if self._head is not None and not self._head.done():
            self._head.set_exception(error)
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
            if self._closed:
                raise self._error or ConnectionResetError("upstream closed the connection")
            self._waiter = asyncio.get_running_loop().create_future()
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
    """Idle keep-alive connections per (host, port), most recently used first."""

    def __init__(self) -> None:
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
    ) -> UpstreamResponse:
        key = (host, port)
        idle = self._idle.get(key)
        conn = idle.pop() if idle else None
        if conn is None:
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(lambda: _Connection(self, key), host, port)
            self._all.add(conn)
        try:
            if body is None or isinstance(body, bytes):
                return await conn.send(head, body, head_only)
            answer = conn.send(head, None, head_only)
            async for chunk in body:
                conn.write(chunk)
            return await answer
        except BaseException:
            # cancelled (timeout) or failed half way: the connection's state is unknown
            conn.abort()
            raise

    def put(self, key: tuple[str, int], conn: _Connection) -> None:
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
