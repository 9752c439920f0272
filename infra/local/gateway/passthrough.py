"""HTTP_PROXY, the request side: send a request upstream over pooled keep-alive connections.

Method, path, raw query, end-to-end headers, body and status pass through byte for byte;
hop-by-hop headers are dropped and ``X-Forwarded-For/Proto/Port`` added, as a proxy must.
Bodies with a known length up to ``STREAM_THRESHOLD`` are sent in one write; larger ones are
streamed in chunks, never held whole in memory (``relay`` does the same for the answer).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from urllib.parse import urlsplit

from multidict import CIMultiDict, MultiMapping

from infra.local.gateway.deadline import Deadline
from infra.local.gateway.errors import (
    IntegrationTimeout,
    MalformedUpstreamResponse,
    UpstreamUnavailable,
)
from infra.local.gateway.upstream import UpstreamPool, UpstreamResponse
from strangler_core.http1 import HttpProtocolError, request_head

STREAM_THRESHOLD = 256 * 1024
NON_IDEMPOTENT = frozenset({"POST", "LOCK", "PATCH"})
"""What nginx never sends twice (``proxy_next_upstream``); any other request may be repeated
on a new connection when a reused one closed before answering."""
CHUNK_SIZE = 64 * 1024

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# the client sets Host itself for the upstream connection; the gateway answers a client's
# ``Expect: 100-continue`` itself and sends the body right after the head (as nginx does)
_REQUEST_SKIP = HOP_BY_HOP | {"host", "expect"}
_FORWARDED_SET = frozenset({"x-forwarded-proto", "x-forwarded-port"})


def _tokens(value: str) -> set[str]:
    # RFC 9110 7.6.1: headers named in Connection are hop-by-hop too
    return {t.strip().lower() for t in value.split(",")}


def _without(fields: list[tuple[str, str]], names: set[str]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in fields if name.lower() not in names]


def upstream_request_fields(
    headers: Iterable[tuple[str, str]],
    client_ip: str,
    server_port: int,
    body_length: int | None = None,
) -> list[tuple[str, str]]:
    """End-to-end request header fields plus the X-Forwarded-* a proxy adds, in one pass
    (pure). ``body_length``: the length of a body sent whole, which replaces the client's
    ``Content-Length`` (and is added when the body is not empty)."""
    out: list[tuple[str, str]] = []
    named: set[str] | None = None  # what Connection names
    forwarded_for: list[str] = []
    had_length = False
    for name, value in headers:
        lower = name.lower()
        if lower in _REQUEST_SKIP or lower.startswith("proxy-"):
            if lower == "connection":
                named = _tokens(value) if named is None else named | _tokens(value)
        elif lower == "x-forwarded-for":
            forwarded_for.append(value)
        elif lower in _FORWARDED_SET:
            pass  # the gateway's own values replace the client's
        elif lower == "content-length" and body_length is not None:
            had_length = True
        else:
            out.append((name, value))
    if named:
        out = _without(out, named)
    forwarded_for.append(client_ip)
    out.append(("X-Forwarded-For", ", ".join(forwarded_for)))
    out.append(("X-Forwarded-Proto", "http"))
    out.append(("X-Forwarded-Port", str(server_port)))
    if body_length is not None and (body_length or had_length):
        out.append(("Content-Length", str(body_length)))
    return out


def upstream_request_headers(
    headers: MultiMapping[str], client_ip: str, server_port: int
) -> CIMultiDict[str]:
    """End-to-end request headers plus the X-Forwarded-* a proxy adds (pure)."""
    return CIMultiDict(upstream_request_fields(headers.items(), client_ip, server_port))


def downstream_response_headers(headers: list[tuple[str, str]]) -> CIMultiDict[str]:
    """The upstream's response headers without hop-by-hop ones (pure)."""
    kept: list[tuple[str, str]] = []
    named: set[str] | None = None
    for name, value in headers:
        lower = name.lower()
        if lower in HOP_BY_HOP or lower.startswith("proxy-"):
            if lower == "connection":
                named = _tokens(value) if named is None else named | _tokens(value)
        else:
            kept.append((name, value))
    return CIMultiDict(_without(kept, named) if named else kept)


class Passthrough:
    def __init__(self, pool: UpstreamPool) -> None:
        self._pool = pool
        self._loop: asyncio.AbstractEventLoop | None = None  # the first send's, kept

    async def send(
        self,
        method: str,
        raw_path: str,
        request_headers: MultiMapping[str],
        base_url: str,
        data: bytes | AsyncIterator[bytes],
        *,
        client_ip: str,
        server_port: int,
        timeout_s: float,
        trace_header: str | None = None,
    ) -> tuple[UpstreamResponse, float]:
        """Send one request upstream; the answer's head and when the request was sent.

        Raises IntegrationTimeout / UpstreamUnavailable / MalformedUpstreamResponse; the
        caller releases the answer.
        """
        base = split_url(base_url)
        host, port, prefix = base
        # a body sent whole goes on with its length (a chunked upload read whole, too)
        fields = upstream_request_fields(
            request_headers.items(),
            client_ip,
            server_port,
            len(data) if isinstance(data, bytes) else None,
        )
        if trace_header is not None:
            fields = [f for f in fields if f[0].lower() != "x-amzn-trace-id"]
            fields.append(("X-Amzn-Trace-Id", trace_header))
        head = request_head(method, prefix + raw_path, [("Host", f"{host}:{port}"), *fields])
        started = time.perf_counter()
        loop = self._loop
        if loop is None:  # looked up once: on Python 3.11 each look-up is a getpid() call
            loop = self._loop = asyncio.get_running_loop()
        try:
            async with Deadline(timeout_s, loop):
                upstream = await self._pool.request(
                    host,
                    port,
                    head,
                    data,
                    head_only=method == "HEAD",
                    retry=method not in NON_IDEMPOTENT,
                )
        except TimeoutError as exc:
            raise IntegrationTimeout(f"no response from {base_url} in {timeout_s:g} s") from exc
        except OSError as exc:
            raise UpstreamUnavailable(f"{base_url}: {exc!r}") from exc
        except HttpProtocolError as exc:
            raise MalformedUpstreamResponse(f"{base_url}: {exc}") from exc
        return upstream, started


_SPLIT_CACHE: dict[str, tuple[str, int, str]] = {}


def split_url(base_url: str) -> tuple[str, int, str]:
    """host, port and path prefix of a target URL (parsed once per URL)."""
    parts = _SPLIT_CACHE.get(base_url)
    if parts is None:
        base = urlsplit(base_url)
        parts = (base.hostname or "127.0.0.1", base.port or 80, base.path.rstrip("/"))
        if len(_SPLIT_CACHE) < 1024:
            _SPLIT_CACHE[base_url] = parts
    return parts
