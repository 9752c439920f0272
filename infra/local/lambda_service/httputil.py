"""HTTP/1.1 connections of the Invoke and Runtime APIs, on the strict layer in strangler_core.

A request that breaks RFC 9112 gets its status (400, 413, 431, 505) and the connection is
closed: a message whose framing cannot be trusted leaves nothing to resynchronise on (§9.3).
Each response goes out in ONE write on a TCP_NODELAY socket: head and body written separately
meet Nagle + delayed ACK and cost ~44 ms per invoke (measured on this machine).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Mapping
from typing import NamedTuple, cast

from strangler_core.http1 import (
    ChunkedDecoder,
    HttpProtocolError,
    RequestHead,
    parse_request_head,
    response_head,
)

MAX_BODY_BYTES = 64 * 1024 * 1024  # beyond this a request is refused without reading it
# what a client may pipeline behind a request in progress before its reads pause
_PIPELINED = 64 * 1024


class Headers(dict[str, str]):
    """Request headers by lower-cased name (the first of repeated ones)."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


class Request(NamedTuple):
    method: str
    path: str  # the request target as sent
    headers: Headers
    body: bytes


class Http1Connection(asyncio.Protocol):
    """One keep-alive connection on the event loop: each request is parsed strictly, its body
    read whole, then handed to ``handle``; its answer, ``reply``, may come at once or later
    (a parked ``/next``, an invoke in flight). Requests pipelined behind it wait their turn:
    answers go out in order (RFC 9112 §9.3.2). ``reply`` is for the loop's thread only."""

    transport: asyncio.Transport

    def __init__(self, open_set: set[Http1Connection]) -> None:
        self._open_set = open_set  # the server's, to close what is left at its stop
        self._buffer = bytearray()
        self._head: RequestHead | None = None
        self._headers = Headers()
        self._decoder: ChunkedDecoder | None = None
        self._parts: list[bytes] = []
        self._busy = False  # a request is being answered
        self._reading = False  # inside _serve: a reply given from handle() returns there
        self._eof = False
        self._paused = False
        self.close_connection = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._open_set.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._open_set.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.close_connection:
            return  # after a protocol error or Connection: close, nothing more is read
        self._buffer += data
        if not self._busy:
            self._serve()
        elif len(self._buffer) > _PIPELINED and not self._paused:
            # what a client pipelines behind a request in progress waits in the kernel
            self._paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        """The client stopped sending: what it sent whole is still answered, then the
        connection closes (a request cut short inside its body is a 400)."""
        self._eof = True
        if not self._busy:
            self._serve()
        return True

    def handle(self, request: Request) -> None:
        """Answer ``request`` with ``reply``, now or later."""
        raise NotImplementedError

    def protocol_error(self, error: HttpProtocolError) -> None:
        """Answer a request that breaks the protocol (the connection closes after it)."""
        self.reply(error.status, message(str(error)), _JSON)

    def reply(
        self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        if self.closed:
            return  # the client went away while its request was being answered
        fields = [*(headers or {}).items(), ("Content-Length", str(len(body)))]
        if self.close_connection:
            fields.append(("Connection", "close"))
        self.transport.write(response_head(status, None, fields) + body)
        self._busy = False
        if self.close_connection:
            self.transport.close()
            self.closed = True
            return
        if self._paused:
            self._paused = False
            self.transport.resume_reading()
        if not self._reading:
            self._serve()

    def _serve(self) -> None:
        """Parse and hand over every whole request in the buffer, one at a time."""
        self._reading = True
        try:
            while not self._busy and not self.closed:
                try:
                    request = self._next_request()
                except HttpProtocolError as error:
                    self._busy = self.close_connection = True
                    self.protocol_error(error)
                    return
                if request is None:
                    if self._eof:
                        self.transport.close()
                        self.closed = True
                    return
                self._busy = True
                self.handle(request)
        finally:
            self._reading = False

    def _next_request(self) -> Request | None:
        if self._head is None:
            if not self._buffer:
                return None
            head = parse_request_head(self._buffer)
            if head is None:
                return None
            del self._buffer[: head.size]
            self._begin(head)
        head = self._head
        assert head is not None
        body = self._read_body(head)
        if body is None:
            if self._eof:
                raise HttpProtocolError(400, "connection closed inside a request body")
            return None
        self._head = None
        self.close_connection = not head.keep_alive
        return Request(head.method, head.target, self._headers, body)

    def _begin(self, head: RequestHead) -> None:
        self._head = head
        self._headers = headers = _headers(head)
        length = head.content_length or 0
        if length > MAX_BODY_BYTES:
            raise HttpProtocolError(413, f"body over {MAX_BODY_BYTES} bytes")
        if (length or head.chunked) and (dict.get(headers, "expect") or "").lower() == (
            "100-continue"
        ):
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # RFC 9110 §10.1.1
        if head.chunked:
            self._decoder, self._parts = ChunkedDecoder(MAX_BODY_BYTES), []

    def _read_body(self, head: RequestHead) -> bytes | None:
        """The whole body, or None while part of it is still to come."""
        if self._decoder is not None:
            self._parts.append(self._decoder.decode(self._buffer))
            if not self._decoder.done:
                return None
            self._decoder = None
            body, self._parts = b"".join(self._parts), []
            return body
        length = head.content_length or 0
        if len(self._buffer) < length:
            return None
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return body


def _headers(head: RequestHead) -> Headers:
    headers = Headers()
    for name, value in head.headers:
        headers.setdefault(name.lower(), value)
    return headers


_JSON = {"Content-Type": "application/json"}


def message(text: str) -> bytes:
    """The JSON body of a plain error answer."""
    return json.dumps({"message": text}).encode()
