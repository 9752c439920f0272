"""Where one request ends and the next begins, in a connection's bytes (pure).

aiohttp parses every byte it is given in one go: when a valid request and a malformed one
arrive in one write, the error discards the valid one too. ``RequestSplitter`` cuts the
stream at request boundaries first (heads by the strict layer, bodies by Content-Length or
chunked framing), so each piece handed on holds bytes of one request only, and says what the
connection is waiting for (a head, a body), which is what the read timeouts measure.
"""

from __future__ import annotations

from enum import Enum

from strangler_core.http1 import ChunkedDecoder, HttpProtocolError, parse_request_head

_NO_LIMIT = 1 << 62  # the limits are enforced where the request is served


class Waiting(Enum):
    NOTHING = "nothing"
    """At a boundary, nothing pending."""
    HEAD = "head"
    """Part of a request head has arrived."""
    BODY = "body"
    """A head has arrived, and only part of its body."""
    UNFRAMED = "unframed"
    """Past a malformed head or a protocol upgrade: the rest is not framed here."""


class RequestSplitter:
    def __init__(self) -> None:
        self._head = bytearray()  # an incomplete head, held until it is whole
        self._left = 0  # Content-Length bytes still due
        self._chunked: ChunkedDecoder | None = None
        self._chunk_tail = bytearray()  # chunked framing the decoder has not consumed yet
        self._unframed = False

    @property
    def waiting(self) -> Waiting:
        if self._unframed:
            return Waiting.UNFRAMED
        if self._left or self._chunked is not None:
            return Waiting.BODY
        return Waiting.HEAD if self._head else Waiting.NOTHING

    def feed(self, data: bytes) -> list[bytes]:
        """``data`` cut into pieces that each belong to one request, in order. An incomplete
        head is held back until the rest of it arrives; body bytes go on as they come."""
        pieces: list[bytes] = []
        current = bytearray()
        pos = 0
        while pos < len(data):
            if self._unframed:
                current += data[pos:]
                break
            if self._left:
                take = min(self._left, len(data) - pos)
                current += data[pos : pos + take]
                pos += take
                self._left -= take
                if not self._left:
                    pieces.append(bytes(current))
                    current.clear()
            elif self._chunked is not None:
                pos = self._chunked_body(data, pos, current, pieces)
            else:
                pos = self._request_head(data, pos, current, pieces)
        if current:
            pieces.append(bytes(current))
        return pieces

    def _request_head(self, data: bytes, pos: int, current: bytearray, pieces: list[bytes]) -> int:
        held = len(self._head)
        self._head += data[pos:]
        try:
            head = parse_request_head(self._head)
        except HttpProtocolError:
            # the server that answers the requests before it refuses this one, in order
            self._unframed = True
            current += self._head
            self._head.clear()
            return len(data)
        if head is None:
            return len(data)
        current += self._head[: head.size]
        self._head.clear()
        pos += head.size - held
        if head.upgrade:
            self._unframed = True
        elif head.chunked:
            self._chunked = ChunkedDecoder(_NO_LIMIT)
        elif head.content_length:
            self._left = head.content_length
        else:
            pieces.append(bytes(current))
            current.clear()
        return pos

    def _chunked_body(self, data: bytes, pos: int, current: bytearray, pieces: list[bytes]) -> int:
        assert self._chunked is not None
        self._chunk_tail += data[pos:]
        try:
            self._chunked.decode(self._chunk_tail)
        except HttpProtocolError:
            self._unframed = True  # the server refuses the body itself
            current += data[pos:]
            return len(data)
        if not self._chunked.done:
            current += data[pos:]
            return len(data)
        # what the decoder left is what follows the body, all of it from ``data``
        end = len(data) - len(self._chunk_tail)
        current += data[pos:end]
        pieces.append(bytes(current))
        current.clear()
        self._chunked = None
        self._chunk_tail.clear()
        return end
