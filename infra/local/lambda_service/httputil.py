"""HTTP/1.1 connections of the Invoke and Runtime APIs, on the strict layer in strangler_core.

A request that breaks RFC 9112 gets its status (400, 413, 431, 505) and the connection is
closed: a message whose framing cannot be trusted leaves nothing to resynchronise on (§9.3).
Each response goes out in ONE send on a TCP_NODELAY socket: head and body written separately
meet Nagle + delayed ACK and cost ~44 ms per invoke (measured on this machine).
"""

from __future__ import annotations

import json
import socket
import socketserver
from collections.abc import Mapping

from strangler_core.http1 import (
    ChunkedDecoder,
    HttpProtocolError,
    RequestHead,
    parse_request_head,
    response_head,
)

MAX_BODY_BYTES = 64 * 1024 * 1024  # beyond this a request is refused without reading it
_RECV = 64 * 1024  # more per recv() costs an mmap of the whole buffer each time


class Headers(dict[str, str]):
    """Request headers by lower-cased name (the first of repeated ones)."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)


class FastHandler(socketserver.BaseRequestHandler):
    """One keep-alive connection: each request is parsed strictly, its body read whole, then
    handed to ``do_<METHOD>``, which answers with ``reply``."""

    request: socket.socket
    command: str
    path: str
    request_headers: Headers
    body: bytes
    close_connection: bool

    def setup(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self.close_connection = False

    def handle(self) -> None:
        while not self.close_connection:
            try:
                head = self._read_head()
                if head is None:
                    return  # the client closed between requests
                self._begin(head)
                self.body = self._read_body(head)
            except HttpProtocolError as error:
                self.close_connection = True
                self.protocol_error(error)
                return
            action = getattr(self, f"do_{self.command}", None)
            if action is None:
                self.reply(501, _message(f"unsupported method {self.command}"), _JSON)
            else:
                action()

    def protocol_error(self, error: HttpProtocolError) -> None:
        """Answer a request that breaks the protocol (the connection closes after it)."""
        self.reply(error.status, _message(str(error)), _JSON)

    def reply(
        self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        fields = list((headers or {}).items())
        fields.append(("Content-Length", str(len(body))))
        if self.close_connection:
            fields.append(("Connection", "close"))
        self.request.sendall(response_head(status, None, fields) + body)

    def _begin(self, head: RequestHead) -> None:
        self.command, self.path = head.method, head.target
        headers = Headers()
        for name, value in head.headers:
            headers.setdefault(name.lower(), value)
        self.request_headers = headers
        self.close_connection = not head.keep_alive

    def _read_head(self) -> RequestHead | None:
        while True:
            if self._buffer:
                head = parse_request_head(self._buffer)
                if head is not None:
                    del self._buffer[: head.size]
                    return head
            data = self.request.recv(_RECV)
            if not data:
                return None
            self._buffer += data

    def _read_body(self, head: RequestHead) -> bytes:
        length = head.content_length or 0
        if length > MAX_BODY_BYTES:
            raise HttpProtocolError(413, f"body over {MAX_BODY_BYTES} bytes")
        if (length or head.chunked) and (
            (self.request_headers.get("expect") or "").lower() == "100-continue"
        ):
            self.request.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # RFC 9110 §10.1.1
        if head.chunked:
            return self._read_chunked()
        while len(self._buffer) < length:
            self._fill()
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return body

    def _read_chunked(self) -> bytes:
        decoder = ChunkedDecoder(MAX_BODY_BYTES)
        parts = [decoder.decode(self._buffer)]
        while not decoder.done:
            self._fill()
            parts.append(decoder.decode(self._buffer))
        return b"".join(parts)

    def _fill(self) -> None:
        data = self.request.recv(_RECV)
        if not data:
            raise HttpProtocolError(400, "connection closed inside a request body")
        self._buffer += data


_JSON = {"Content-Type": "application/json"}


def _message(text: str) -> bytes:
    return json.dumps({"message": text}).encode()
