"""The aiohttp request handler: route, throttle, limit the body, call the integration, log.

Every request the fast path does not take comes here (``fastlane`` serves the simple
HTTP_PROXY and AWS_PROXY ones on the raw connection).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from aiohttp import HttpVersion11, web
from multidict import CIMultiDict

from infra.local.gateway.body_budget import SMALL_BODY, BodyBudget
from infra.local.gateway.errors import IntegrationError, error_body
from infra.local.gateway.exchange import Exchange
from infra.local.gateway.integrations import Call, Integration
from infra.local.gateway.memory import trim_heap
from infra.local.gateway.responses import Response
from infra.local.gateway.serving import Serving
from infra.local.gateway.strict import protocol_error
from infra.local.gateway.tracing import TRACE_HEADER, GatewayTracer
from strangler_core.matching import Match


class RequestHandler:
    def __init__(
        self,
        serving: Serving,
        integrations: Mapping[str, Integration],
        *,
        tracer: GatewayTracer | None,
    ) -> None:
        self._serving = serving
        self._integrations = integrations
        self._tracer = tracer
        self._body_budget = BodyBudget()
        self.url = ""
        self.server_port = 0
        """Set by the gateway once it listens."""

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        state = self._serving.table.current  # read once: this request keeps this table
        exchange = Exchange(client_ip=request.remote or "")
        if self._tracer is not None:
            exchange.trace = self._tracer.begin(
                request.headers.get(TRACE_HEADER), exchange.epoch_ms / 1000
            )
        refused = protocol_error(request)
        match = None if refused else state.matcher.match(request.method, request.path)
        response: web.StreamResponse
        body: bytes | None = None
        continued = False
        if refused is not None:
            response = self._error(refused.status, exchange)
            response.force_close()  # RFC 9112 §9.3: what follows cannot be trusted either
        elif match is None:
            response = self._error(404, exchange)
        else:
            exchange.route_key = match.route.route_key
            integration = self._integrations[match.route.integration.type]
            exchange.target = integration.target
            length = request.content_length
            if not state.throttler.allow(exchange.route_key):
                response = self._error(429, exchange)
            elif length is not None and length > self._serving.max_body_bytes:
                response = self._error(413, exchange)
            else:
                continued = await send_continue(request)
                response, body = await self._integrate(request, match, integration, exchange)
        if not continued and expects_continue(request):
            # answered without the 100, so without the body the client holds back: what it
            # sends next may be that body or a new request, so close instead (RFC 9110 §10.1.1)
            response.force_close()
        if self._tracer is not None and exchange.trace is not None:
            self._tracer.finish(
                exchange.trace,
                time.time(),
                method=request.method,
                url=f"{self.url}{request.raw_path}",
                status=response.status,
                client_ip=exchange.client_ip,
                request_id=exchange.request_id,
                route_key=exchange.route_key,
                target=exchange.target,
            )
        access_log = self._serving.access_log
        if access_log is not None:
            version = request.version
            access_log.write(
                exchange.access_record(
                    request.method,
                    request.path,
                    f"HTTP/{version.major}.{version.minor}",
                    response.status,
                )
            )
        capture = self._serving.capture
        if capture is not None and refused is None:
            capture.record(
                exchange.epoch_ms / 1000,
                request.method,
                request.raw_path,
                request.raw_headers,
                body or b"",
                response.status,
                None if match is None else exchange.route_key,
                body_complete=body is not None or not request.body_exists,
            )
        if body is not None and len(body) >= SMALL_BODY and self._body_budget.idle:
            trim_heap()  # the last large body's way through the heap is free now
        return response

    async def _integrate(
        self, request: web.BaseRequest, match: Match, integration: Integration, exchange: Exchange
    ) -> tuple[web.StreamResponse, bytes | None]:
        """The answer, and the body when it was read whole (None: streamed or refused)."""
        length = request.content_length
        if integration.streams_request(length):
            return await self._respond(request, match, integration, exchange, None)
        # a body without a length may grow to the largest allowed; no body holds nothing
        # (were a GET held as 10 MB, four at once would fill the budget and the rest queue)
        limit = self._serving.max_body_bytes
        held = 0 if not request.body_exists else limit if length is None else length
        async with self._body_budget.hold(held):
            body = await read_body(request, limit)
            if body is None:
                return self._error(413, exchange), None
            return await self._respond(request, match, integration, exchange, body)

    async def _respond(
        self,
        request: web.BaseRequest,
        match: Match,
        integration: Integration,
        exchange: Exchange,
        body: bytes | None,
    ) -> tuple[web.StreamResponse, bytes | None]:
        call = Call(
            request,
            match,
            body,
            exchange,
            exchange.gateway_headers(self._serving.target_header),
            self.server_port,
        )
        try:
            return await integration.respond(call), body
        except IntegrationError as exc:
            exchange.integration_error = str(exc)
            return self._error(exc.status, exchange), body

    def _error(self, status: int, exchange: Exchange) -> web.Response:
        body = error_body(status)
        exchange.response_length = len(body)
        headers: CIMultiDict[str] = CIMultiDict(exchange.annotations)
        headers.update(exchange.gateway_headers(self._serving.target_header))
        headers["Content-Type"] = "application/json"
        return Response(status=status, headers=headers, body=body)


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def expects_continue(request: web.BaseRequest) -> bool:
    """The client holds its body back until a ``100 Continue`` (RFC 9110 §10.1.1)."""
    return (
        request.version == HttpVersion11
        and request.body_exists
        and request.headers.get("Expect", "").lower() == "100-continue"
    )


async def send_continue(request: web.BaseRequest) -> bool:
    """Ask for the body of a request the gateway will pass on, as nginx does (which sends
    the upstream no ``Expect``); True if it asked. Other expectations are ignored, as RFC 9110
    allows."""
    if not expects_continue(request):
        return False
    await request.writer.write(CONTINUE)
    request.writer.output_size = 0  # the answer itself has not begun
    return True


async def read_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """The whole body, or None when it exceeds ``limit`` (chunked uploads have no length)."""
    if not request.body_exists:
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
