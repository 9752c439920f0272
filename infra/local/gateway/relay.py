"""The one response relay: an upstream answer to the client, whole or streamed.

Both ways to the client use it: aiohttp's response objects (``AiohttpSink``) and the fast
path's raw connection (``fastlane.RawSink``). The relay decides what is read whole and what is
streamed; the sink only knows how to put bytes on its kind of connection.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from multidict import CIMultiDict

from infra.local.gateway.errors import MalformedUpstreamResponse
from infra.local.gateway.passthrough import STREAM_THRESHOLD, downstream_response_headers
from infra.local.gateway.responses import Response, StreamResponse
from infra.local.gateway.upstream import UpstreamResponse
from strangler_core.http1 import HttpProtocolError


def has_no_body(status: int) -> bool:
    """RFC 9110 6.4.1: 1xx, 204 and 304 answers never carry content."""
    return status < 200 or status in (204, 304)


class ResponseSink(Protocol):
    """Where a relayed answer goes."""

    def whole(
        self, status: int, reason: str | None, headers: CIMultiDict[str], payload: bytes
    ) -> None:
        """An answer read whole; for HEAD and body-less statuses ``payload`` is empty."""

    async def begin(
        self, status: int, reason: str | None, headers: CIMultiDict[str], length: int | None
    ) -> None:
        """The head of a streamed answer; ``length`` None: the upstream sent it chunked."""

    async def write(self, chunk: bytes) -> bool:
        """One piece of a streamed body; False when the client has gone."""

    async def end(self) -> None:
        """The streamed body is complete."""


@dataclass(slots=True)
class Relayed:
    status: int
    latency_ms: float
    """From sending the request until the answer was read (whole) or began (streamed)."""
    length: int
    """Body bytes sent to the client."""


async def relay(
    upstream: UpstreamResponse,
    sink: ResponseSink,
    started: float,
    extra_headers: Mapping[str, str],
    *,
    head_only: bool,
) -> Relayed:
    """Send ``upstream`` to ``sink``; small answers in one piece, large ones in chunks.

    An answer without a length (chunked, or until close) is read up to ``STREAM_THRESHOLD``
    first: if it ends there it goes out whole, so a small answer whose framing breaks RFC 9112
    is a 502 (``MalformedUpstreamResponse``) rather than a connection cut half way, as from
    API Gateway, which buffers whole answers. Past the threshold, a break can only cut it.
    """
    headers = downstream_response_headers(upstream.headers)
    headers.update(extra_headers)
    status = upstream.status
    reason = upstream.reason or None
    length = upstream.content_length
    try:
        if head_only or has_no_body(status) or (length is not None and length <= STREAM_THRESHOLD):
            payload = await upstream.read()
            latency = (time.perf_counter() - started) * 1000
            sink.whole(status, reason, headers, payload)
            return Relayed(status, latency, len(payload))
        body = upstream.iter_body()
        first: list[bytes] = []
        if length is None:
            size = 0
            while size <= STREAM_THRESHOLD and (chunk := await anext(body, b"")):
                first.append(chunk)
                size += len(chunk)
            if size <= STREAM_THRESHOLD:
                payload = b"".join(first)
                sink.whole(status, reason, headers, payload)
                return Relayed(status, (time.perf_counter() - started) * 1000, len(payload))
    except HttpProtocolError as exc:
        raise MalformedUpstreamResponse(str(exc)) from exc
    latency = (time.perf_counter() - started) * 1000
    await sink.begin(status, reason, headers, length)
    sent = 0
    async for chunk in _prepend(first, body):
        sent += len(chunk)
        if not await sink.write(chunk):
            break
    await sink.end()
    return Relayed(status, latency, sent)


async def _prepend(first: list[bytes], rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in first:
        yield chunk
    async for chunk in rest:
        yield chunk


class AiohttpSink:
    """Builds aiohttp's answer for ``request``; the handler returns ``response``."""

    def __init__(self, request: web.BaseRequest) -> None:
        self._request = request
        self.response: web.StreamResponse | None = None

    def whole(
        self, status: int, reason: str | None, headers: CIMultiDict[str], payload: bytes
    ) -> None:
        response = Response(status=status, reason=reason, headers=headers)
        if payload:
            response.body = payload
        self.response = response

    async def begin(
        self, status: int, reason: str | None, headers: CIMultiDict[str], length: int | None
    ) -> None:
        stream = self.response = StreamResponse(status=status, reason=reason, headers=headers)
        await stream.prepare(self._request)

    async def write(self, chunk: bytes) -> bool:
        assert self.response is not None
        await self.response.write(chunk)
        return True

    async def end(self) -> None:
        assert self.response is not None
        await self.response.write_eof()
