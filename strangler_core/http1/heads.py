"""Strict HTTP/1.1 message heads (RFC 9112) parsed by httptools, the llhttp binding.

llhttp itself rejects, and this module turns into ``HttpProtocolError``: bare LF or bare CR as a
line end (RFC 9112 §2.2), CR, LF, NUL and other controls in the request target (§3.2) and in
field values (§5; HTAB and obs-text are allowed), obs-fold (§5.2), field names that are not
tokens or are followed by whitespace before the colon (§5.1), Content-Length that is not
``1*DIGIT`` or appears twice, even with equal values (§6.3: a recipient MAY reject those),
Content-Length together with Transfer-Encoding (§6.1), a request Transfer-Encoding whose last
coding is not chunked (§6.3), status codes that are not three digits (§4).

What this module adds on top: a head size limit (431 for requests), HTTP/1.x only (505), one
Host in every HTTP/1.1 request (§3.2), ``chunked`` as the only transfer coding (§6.1: a
recipient that does not understand a coding must not guess the framing; ``gzip, chunked``
passes llhttp), and no control characters in a response's reason phrase (§4).
"""

from __future__ import annotations

from typing import NamedTuple

import httptools

from strangler_core.errors import HttpProtocolError

# API Gateway HTTP APIs: "Total combined size of request line and header values: 10240 bytes"
# (Amazon API Gateway developer guide, "Quotas for configuring and running an HTTP API").
MAX_REQUEST_HEAD = 10_240
MAX_RESPONSE_HEAD = 64 * 1024
_HEAD_END = b"\r\n\r\n"
_CTL_IN_REASON = frozenset(chr(c) for c in (*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F))


class RequestHead(NamedTuple):
    """One request head. ``size`` counts its bytes, the final empty line included.

    (A named tuple: immutable, and built in a third of a frozen dataclass's time, once per
    request on the gateway's fast path.)
    """

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    content_length: int | None
    chunked: bool
    keep_alive: bool
    upgrade: bool
    size: int

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        return _first(self.headers, name)


class ResponseHead(NamedTuple):
    """One response head. ``body_length`` is the body's size when known (0: no body);
    None means chunked (``chunked``) or delimited by the connection's close."""

    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    content_length: int | None
    body_length: int | None
    chunked: bool
    keep_alive: bool
    size: int

    def header(self, name: str) -> str | None:
        return _first(self.headers, name)


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    lower = name.lower()
    for key, value in headers:
        if key.lower() == lower:
            return value
    return None


class _Collector:
    __slots__ = ("complete", "headers", "reason", "target")

    def __init__(self) -> None:
        self.headers: list[tuple[str, str]] = []
        self.target = b""
        self.reason = b""
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.target += url

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        # llhttp drops the whitespace before a field value, not the one after it (§5.5)
        self.headers.append((name.decode("latin-1"), value.decode("latin-1").rstrip(" \t")))

    def on_headers_complete(self) -> None:
        self.complete = True


def find_head_end(data: bytes | bytearray, limit: int, status: int) -> int:
    """Offset just past the head at the start of ``data``, or -1 while it is incomplete.

    The head's size is everything before its final CRLF CRLF: the start line and the field
    lines with their line ends. Over ``limit`` raises ``HttpProtocolError(status)``.
    """
    end = data.find(_HEAD_END)
    if end < 0:
        if len(data) - 3 > limit:
            raise HttpProtocolError(status, f"message head over {limit} bytes")
        return -1
    if end > limit:
        raise HttpProtocolError(status, f"message head over {limit} bytes")
    return end + 4


def _check_partial(
    parser: httptools.HttpRequestParser | httptools.HttpResponseParser,
    data: bytes | bytearray,
    status: int,
) -> None:
    """Raise now if the incomplete head in ``data`` is already malformed (a bare LF, ...)
    instead of waiting for an end that a broken peer may never send."""
    try:
        parser.feed_data(data)
    except httptools.HttpParserError as exc:
        raise HttpProtocolError(status, f"malformed message head: {exc}") from exc


def parse_request_head(
    data: bytes | bytearray, *, limit: int = MAX_REQUEST_HEAD
) -> RequestHead | None:
    """The request head at the start of ``data``; None while it is incomplete but valid so far.

    Raises ``HttpProtocolError`` with 400, 431 (head over ``limit``) or 505.
    """
    end = find_head_end(data, limit, 431)
    if end < 0:
        _check_partial(httptools.HttpRequestParser(_Collector()), data, 400)
        return None
    collector = _Collector()
    parser = httptools.HttpRequestParser(collector)
    version, upgrade = _feed(parser, collector, data[:end], 400)
    headers = collector.headers
    content_length, chunked, hosts, keep_alive = _framing(headers, version, 400)
    if hosts != 1 and (hosts or version == "1.1"):
        raise HttpProtocolError(400, "an HTTP/1.1 request needs exactly one Host header")
    return RequestHead(  # positionally: a third faster than by keyword
        parser.get_method().decode("ascii"),
        collector.target.decode("latin-1"),
        version,
        headers,
        content_length,
        chunked,
        keep_alive,
        upgrade,
        end,
    )


def parse_response_head(
    data: bytes | bytearray, *, head_request: bool = False, limit: int = MAX_RESPONSE_HEAD
) -> ResponseHead | None:
    """The response head at the start of ``data``; None while it is incomplete.

    Errors carry status 502, what a proxy answers for a malformed upstream response.
    ``head_request``: the answer to a HEAD, which has no body whatever it declares (§6.3).
    """
    end = find_head_end(data, limit, 502)
    if end < 0:
        _check_partial(httptools.HttpResponseParser(_Collector()), data, 502)
        return None
    collector = _Collector()
    parser = httptools.HttpResponseParser(collector)
    version, _ = _feed(parser, collector, data[:end], 502)
    reason = collector.reason.decode("latin-1")
    if not _CTL_IN_REASON.isdisjoint(reason):
        raise HttpProtocolError(502, "control character in the reason phrase")
    status = parser.get_status_code()
    headers = collector.headers
    content_length, chunked, _, keep_alive = _framing(headers, version, 502)
    body_length: int | None
    if head_request or status < 200 or status in (204, 304):
        body_length, chunked = 0, False  # §6.3 rule 1: no content, whatever the headers say
    elif chunked:
        body_length = None
    elif content_length is not None:
        body_length = content_length
    else:
        body_length, keep_alive = None, False  # §6.3 rule 8: the body ends at close
    return ResponseHead(
        status, reason, version, headers, content_length, body_length, chunked, keep_alive, end
    )


def _feed(
    parser: httptools.HttpRequestParser | httptools.HttpResponseParser,
    collector: _Collector,
    head: bytes | bytearray,
    status: int,
) -> tuple[str, bool]:
    """Parse one whole head: its HTTP version, and whether it asks for a protocol upgrade.

    ``status`` is the error's (400 for requests, 502 for responses); a request in a version
    other than 1.x is 505 (RFC 9110 §15.6.6).
    """
    upgrade = False
    try:
        parser.feed_data(head)
    except httptools.HttpParserUpgrade:
        upgrade = True
    except httptools.HttpParserError as exc:
        raise HttpProtocolError(status, f"malformed message head: {exc}") from exc
    if not collector.complete:
        raise HttpProtocolError(status, "malformed message head: no start line")
    version = parser.get_http_version()
    if not version.startswith("1."):
        raise HttpProtocolError(505 if status == 400 else status, f"HTTP/{version} message")
    return version, upgrade


def _framing(
    headers: list[tuple[str, str]], version: str, status: int
) -> tuple[int | None, bool, int, bool]:
    """Content-Length, whether the body is chunked, how many Host headers there are, and
    whether the connection stays open after this message (RFC 9112 §9.3)."""
    content_length = None
    chunked = False
    hosts = 0
    tokens: set[str] = set()
    for name, value in headers:
        lower = name.lower()
        if lower == "content-length":
            # llhttp has checked 1*DIGIT and uniqueness; this keeps int() from ever seeing
            # what it would accept beyond that ("²", "1_0", "+5")
            if not (value.isascii() and value.isdigit()):
                raise HttpProtocolError(status, f"Content-Length {value!r} is not 1*DIGIT")
            content_length = int(value)
        elif lower == "transfer-encoding":
            if chunked or value.lower() != "chunked":
                raise HttpProtocolError(status, f"transfer coding {value!r} is not supported")
            chunked = True
        elif lower == "host":
            hosts += 1
        elif lower == "connection":
            tokens.update(token.strip().lower() for token in value.split(","))
    keep_alive = "close" not in tokens and (version != "1.0" or "keep-alive" in tokens)
    return content_length, chunked, hosts, keep_alive
