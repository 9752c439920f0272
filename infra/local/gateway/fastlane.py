"""The fast lane: simple requests to a fast integration, answered on the raw connection.

``fastpath.FrontProtocol`` parses a request and asks ``accept``; an accepted request is
throttled, forwarded, relayed (``RawSink``) and logged here, the way the aiohttp handler does it,
so both paths answer alike. Integrations that can serve raw requests (``RawIntegration``:
HTTP_PROXY and AWS_PROXY) are in the lane's table; traced requests and bodies over the limit go
to aiohttp.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Protocol

from multidict import CIMultiDict

from infra.local.gateway.errors import IntegrationError, error_body
from infra.local.gateway.exchange import Exchange
from infra.local.gateway.fastpath import FrontProtocol, RawRequest, ServeFast, http_date
from infra.local.gateway.integrations import RawCall
from infra.local.gateway.live_table import TableState
from infra.local.gateway.relay import ResponseSink, has_no_body
from infra.local.gateway.serving import Serving
from strangler_core.http1 import response_head
from strangler_core.matching import Match


def default_headers(headers: CIMultiDict[str]) -> None:
    # what aiohttp's path adds to every answer, so both paths answer alike (no Server header:
    # API Gateway sends none of its own)
    if "Date" not in headers:
        headers["Date"] = http_date()


class RawSink:
    """A relayed answer written straight to the front connection."""

    def __init__(self, conn: FrontProtocol) -> None:
        self._conn = conn
        self._chunked = False

    def whole(
        self, status: int, reason: str | None, headers: CIMultiDict[str], payload: bytes
    ) -> None:
        default_headers(headers)
        if has_no_body(status):
            headers.popall("Content-Length", None)
        else:
            headers["Content-Length"] = str(len(payload))
        self._conn.write(response_head(status, reason, headers.items()) + payload)

    async def begin(
        self, status: int, reason: str | None, headers: CIMultiDict[str], length: int | None
    ) -> None:
        default_headers(headers)
        self._chunked = length is None
        if self._chunked:
            headers["Transfer-Encoding"] = "chunked"
        self._conn.write(response_head(status, reason, headers.items()))

    async def write(self, chunk: bytes) -> bool:
        if self._chunked:
            chunk = b"%x\r\n%b\r\n" % (len(chunk), chunk)
        if not self._conn.write(chunk):
            return False
        await self._conn.drain()
        return True

    async def end(self) -> None:
        if self._chunked:
            self._conn.write(b"0\r\n\r\n")


class RawIntegration(Protocol):
    """An integration that serves the fast path's raw requests."""

    type: str
    target: str

    async def serve_raw(self, call: RawCall, sink: ResponseSink) -> int:
        """Answer one request on ``sink``; its status. Raises IntegrationError before
        anything reaches the sink."""
        ...


class FastLane:
    """``fastpath.FastLane`` for the gateway: which requests it takes, and how it serves them."""

    def __init__(
        self, serving: Serving, integrations: Mapping[str, RawIntegration], *, enabled: bool
    ) -> None:
        self._serving = serving
        self._integrations = integrations
        self._enabled = enabled
        self.server_port = 0
        """Set by the gateway once it listens."""

    def accept(self, request: RawRequest) -> ServeFast | None:
        if not self._enabled or request.length > self._serving.max_body_bytes:
            return None  # 413s take aiohttp's path
        state = self._serving.table.current  # read once: this request keeps this table
        match = state.matcher.match(request.method, request.path)
        if match is None:
            return None
        integration = self._integrations.get(match.route.integration.type)
        if integration is None:
            return None
        return partial(self._serve, state, match, integration, request)

    async def _serve(
        self,
        state: TableState,
        match: Match,
        integration: RawIntegration,
        request: RawRequest,
        conn: FrontProtocol,
        body: bytes,
    ) -> None:
        exchange = Exchange(client_ip=conn.client_ip)
        exchange.route_key = match.route.route_key
        exchange.target = integration.target
        gateway_headers = exchange.gateway_headers(self._serving.target_header)
        if not state.throttler.allow(exchange.route_key):
            status = self._write_error(conn, 429, exchange, gateway_headers)
        else:
            call = RawCall(request, match, body, exchange, gateway_headers, self.server_port)
            try:
                status = await integration.serve_raw(call, RawSink(conn))
            except IntegrationError as exc:
                exchange.integration_error = str(exc)
                status = self._write_error(conn, exc.status, exchange, gateway_headers)
        access_log = self._serving.access_log
        if access_log is not None:
            access_log.write(
                exchange.access_record(request.method, request.path, "HTTP/1.1", status)
            )
        capture = self._serving.capture
        if capture is not None:
            capture.record(
                exchange.epoch_ms / 1000,
                request.method,
                request.target,
                request.headers.items(),
                body,
                status,
                exchange.route_key,
            )

    def _write_error(
        self, conn: FrontProtocol, status: int, exchange: Exchange, gateway_headers: dict[str, str]
    ) -> int:
        body = error_body(status)
        exchange.response_length = len(body)
        headers: CIMultiDict[str] = CIMultiDict(exchange.annotations)  # as aiohttp's path
        headers.update(gateway_headers)
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(body))
        default_headers(headers)
        conn.write(response_head(status, None, headers.items()) + body)
        return status
