"""The strict HTTP/1.1 rules on aiohttp's path, where aiohttp alone is more lenient.

aiohttp parses with llhttp, as the fast path does, so most of RFC 9112 holds already (tested
in tests/infra/local/gateway/test_strict_http.py). It accepts ``Transfer-Encoding: gzip,
chunked`` (and ignores the gzip), and it limits each line (8,190 bytes by default) where API
Gateway limits the request line and headers together to 10,240 bytes. So aiohttp gets
per-line limits above that quota, and each request head it read is written again and parsed
by ``strangler_core.http1``: the same rules as on the fast path (the rewritten head has one
space after each colon, which is how it is measured).
"""

from __future__ import annotations

from aiohttp import web

from strangler_core.http1 import (
    MAX_REQUEST_HEAD,
    HttpProtocolError,
    parse_request_head,
    request_head,
)

AIOHTTP_LINE_LIMIT = 4 * MAX_REQUEST_HEAD
"""aiohttp's ``max_line_size`` and ``max_field_size``: a head up to this reaches the check
below, which answers 431 past the quota (aiohttp itself would say 400)."""


def wire_fields(request: web.BaseRequest) -> list[tuple[str, str]]:
    """``request``'s header fields as received, one character per byte (latin-1), as the fast
    path holds them. (aiohttp's ``request.headers`` read bytes that are not UTF-8 as lone
    surrogates, which no encoder takes.)"""
    return [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in request.raw_headers
    ]


def protocol_error(request: web.BaseRequest) -> HttpProtocolError | None:
    """Why the strict layer refuses ``request``'s head, or None."""
    version = request.version
    head = request_head(
        request.method, request.raw_path, wire_fields(request), f"{version.major}.{version.minor}"
    )
    try:
        parse_request_head(head)
    except HttpProtocolError as error:
        return error
    return None
