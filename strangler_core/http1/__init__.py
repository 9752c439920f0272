"""One strict HTTP/1.1 layer (RFC 9112) for every edge of the harness that speaks it.

``heads`` parses request and response heads on httptools (llhttp, as aiohttp does), ``chunked``
decodes chunked bodies, ``serialize`` writes heads. Every violation is an ``HttpProtocolError``
whose ``status`` a server answers before closing the connection (a proxy answers 502 for a
malformed upstream response).
"""

from __future__ import annotations

from strangler_core.errors import HttpProtocolError
from strangler_core.http1.chunked import ChunkedDecoder
from strangler_core.http1.heads import (
    MAX_REQUEST_HEAD,
    MAX_RESPONSE_HEAD,
    RequestHead,
    ResponseHead,
    parse_request_head,
    parse_response_head,
)
from strangler_core.http1.serialize import request_head, response_head

__all__ = [
    "MAX_REQUEST_HEAD",
    "MAX_RESPONSE_HEAD",
    "ChunkedDecoder",
    "HttpProtocolError",
    "RequestHead",
    "ResponseHead",
    "parse_request_head",
    "parse_response_head",
    "request_head",
    "response_head",
]
