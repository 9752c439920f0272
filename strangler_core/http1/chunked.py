"""Strict incremental decoding of the chunked transfer coding (RFC 9112 §7.1).

Each chunk is ``chunk-size [chunk-ext] CRLF chunk-data CRLF``; the last has size 0 and is
followed by trailer field lines and an empty line. Anything else is an error: a size that is not
``1*HEXDIG`` (``+0x5``, ``0x5``, `` 5``), whitespace not followed by an extension, bytes other
than CRLF after the chunk data, a bare LF. The decoder consumes bytes from the front of a
buffer and leaves what follows the body there, so a pipelined request after it stays intact.
"""

from __future__ import annotations

import re

from strangler_core.errors import HttpProtocolError

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = rb'"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"'
_EXTENSION = (
    rb"(?:[ \t]*;[ \t]*" + _TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + _TOKEN + rb"|" + _QUOTED + rb"))?)"
)
_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})" + _EXTENSION + rb"*")
_FIELD_LINE = re.compile(_TOKEN + rb":[ \t]*[\t\x20-\x7e\x80-\xff]*")
MAX_LINE = 4096  # a size line or one trailer line
MAX_TRAILERS = 8192

_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)


class ChunkedDecoder:
    """Decodes one chunked body; ``limit`` is the largest decoded size accepted (else 413).

    ``status`` is the status of errors in the framing: 400 in a request, 502 in a response
    (what a proxy answers for it).
    """

    def __init__(self, limit: int, *, status: int = 400) -> None:
        self._limit = limit
        self._status = status
        self._state = _SIZE
        self._left = 0  # bytes of the current chunk's data still due
        self._total = 0
        self._trailers = 0

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def decode(self, buffer: bytearray) -> bytes:
        """Consume what ``buffer`` holds of the body; the body bytes it decoded.

        Raises ``HttpProtocolError`` (``status`` when malformed, 413 over the limit).
        """
        out: list[bytes] = []
        while self._state != _DONE:
            if self._state == _DATA:
                take = bytes(buffer[: self._left])
                if not take:
                    break
                del buffer[: len(take)]
                out.append(take)
                self._left -= len(take)
                if self._left:
                    break
                self._state = _DATA_END
            elif self._state == _DATA_END:
                if len(buffer) < 2:
                    break
                if buffer[:2] != b"\r\n":
                    raise HttpProtocolError(self._status, "chunk data not followed by CRLF")
                del buffer[:2]
                self._state = _SIZE
            else:
                line = _take_line(buffer, self._status)
                if line is None:
                    break
                if self._state == _SIZE:
                    self._start_chunk(line)
                else:
                    self._trailer(line)
        return b"".join(out)

    def _start_chunk(self, line: bytes) -> None:
        match = _SIZE_LINE.fullmatch(line)
        if match is None:
            raise HttpProtocolError(self._status, f"malformed chunk size line {line[:40]!r}")
        size = int(match.group(1), 16)
        self._total += size
        if self._total > self._limit:
            raise HttpProtocolError(413, f"chunked body over {self._limit} bytes")
        self._left = size
        self._state = _DATA if size else _TRAILER

    def _trailer(self, line: bytes) -> None:
        if not line:
            self._state = _DONE
            return
        self._trailers += len(line) + 2
        if self._trailers > MAX_TRAILERS:
            raise HttpProtocolError(self._status, f"trailer section over {MAX_TRAILERS} bytes")
        if _FIELD_LINE.fullmatch(line) is None:
            raise HttpProtocolError(self._status, f"malformed trailer field {line[:40]!r}")


def _take_line(buffer: bytearray, status: int) -> bytes | None:
    """One CRLF-terminated line off the front of ``buffer`` (without the CRLF), None if
    incomplete. A LF not preceded by CR is an error (§2.2)."""
    lf = buffer.find(b"\n", 0, MAX_LINE + 2)
    if lf < 0:
        if len(buffer) > MAX_LINE + 1:
            raise HttpProtocolError(status, f"chunked line over {MAX_LINE} bytes")
        return None
    if lf == 0 or buffer[lf - 1] != 0x0D:
        raise HttpProtocolError(status, "bare LF in a chunked body")
    line = bytes(buffer[: lf - 1])
    del buffer[: lf + 1]
    return line  # a CR inside it fails the size-line and field-line patterns
