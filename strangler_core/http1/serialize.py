"""Writing message heads (RFC 9112 §3, §4, §5): the one place a head becomes bytes.

A head is written whole, so a caller can send it in one write with its body: on a TCP_NODELAY
socket, a head and body written apart meet Nagle's algorithm and the peer's delayed ACK
(~44 ms per exchange, measured on this project's Runtime API). A CR or LF inside a name or
value would let one header inject others (response splitting), so it is refused here.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus

from strangler_core.errors import HttpProtocolError

_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def request_head(
    method: str, target: str, headers: Iterable[tuple[str, str]], version: str = "1.1"
) -> bytes:
    """``METHOD target HTTP/1.1`` and the header lines, ending with the empty line."""
    return _head(f"{method} {target} HTTP/{version}", headers)


def response_head(status: int, reason: str | None, headers: Iterable[tuple[str, str]]) -> bytes:
    """``HTTP/1.1 status reason`` (the standard phrase when ``reason`` is empty) and the
    header lines, ending with the empty line."""
    return _head(f"HTTP/1.1 {status} {reason or _PHRASES.get(status, '')}", headers)


def _head(start: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [start, *map(": ".join, headers)]  # each (name, value) pair
    text = "\r\n".join(lines) + "\r\n\r\n"
    ends = len(lines) + 1
    if text.count("\n") != ends or text.count("\r") != ends:
        raise HttpProtocolError(500, "CR or LF inside a start line or header")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise HttpProtocolError(500, f"header not encodable as ISO-8859-1: {exc}") from exc
