"""HTTP_PROXY: pass the request through to an HTTP backend and relay its answer.

Serves both ways in: aiohttp's requests (``respond``) and the fast path's raw ones, which call
``forward`` with their own sink.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from aiohttp import StreamReader, web
from multidict import CIMultiDict, MultiMapping

from infra.local.gateway.exchange import Exchange
from infra.local.gateway.integrations import Call, RawCall
from infra.local.gateway.passthrough import CHUNK_SIZE, STREAM_THRESHOLD, Passthrough
from infra.local.gateway.relay import AiohttpSink, ResponseSink, relay
from infra.local.gateway.strict import wire_fields
from strangler_core.routes import MONOLITH_TARGET, Route


class HttpProxy:
    type = "HTTP_PROXY"
    target = "monolith"

    def __init__(self, passthrough: Passthrough, monolith_url: str) -> None:
        self._passthrough = passthrough
        self._monolith_url = monolith_url

    def streams_request(self, content_length: int | None) -> bool:
        return content_length is not None and content_length > STREAM_THRESHOLD

    async def respond(self, call: Call) -> web.StreamResponse:
        request = call.request
        sink = AiohttpSink(request)
        await self.forward(
            call.match.route,
            request.method,
            request.raw_path,
            CIMultiDict(wire_fields(request)),
            _iter_body(request.content) if call.body is None else call.body,
            exchange=call.exchange,
            server_port=call.server_port,
            response_headers=call.gateway_headers,
            sink=sink,
        )
        assert sink.response is not None
        return sink.response

    async def serve_raw(self, call: RawCall, sink: ResponseSink) -> int:
        """The fast path's way in: the answer goes to ``sink``; its status."""
        request = call.request
        return await self.forward(
            call.match.route,
            request.method,
            request.target,
            request.headers,
            call.body,
            exchange=call.exchange,
            server_port=call.server_port,
            response_headers=call.gateway_headers,
            sink=sink,
        )

    async def forward(
        self,
        route: Route,
        method: str,
        target: str,
        headers: MultiMapping[str],
        body: bytes | AsyncIterator[bytes],
        *,
        exchange: Exchange,
        server_port: int,
        response_headers: Mapping[str, str],
        sink: ResponseSink,
    ) -> int:
        """Send the request to the route's backend, relay the answer to ``sink``; its status.

        Raises IntegrationTimeout / UpstreamUnavailable before anything reaches the sink.
        """
        integration = route.integration
        backend = integration.target or MONOLITH_TARGET
        upstream, started = await self._passthrough.send(
            method,
            target,
            headers,
            self._monolith_url if backend == MONOLITH_TARGET else backend,
            body,
            client_ip=exchange.client_ip,
            server_port=server_port,
            timeout_s=integration.timeout_ms / 1000,
            trace_header=None if exchange.trace is None else exchange.trace.downstream,
        )
        try:
            relayed = await relay(
                upstream, sink, started, response_headers, head_only=method == "HEAD"
            )
        finally:
            upstream.release()
        exchange.integration_status = relayed.status
        exchange.integration_latency_ms = relayed.latency_ms
        exchange.response_length = relayed.length
        return relayed.status


async def _iter_body(content: StreamReader) -> AsyncIterator[bytes]:
    while chunk := await content.read(CHUNK_SIZE):
        yield chunk
