"""AWS_PROXY: invoke the route's Lambda function with a payload format 2.0 event.

Serves both ways in: aiohttp's requests (``respond``) and the fast path's raw ones
(``serve_raw``); both build the event and render the answer in ``answer``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from multidict import CIMultiDict

from infra.local.gateway.event_json import event_json
from infra.local.gateway.events import ApiContext, GatewayRequest
from infra.local.gateway.exchange import Exchange
from infra.local.gateway.integrations import Call, RawCall
from infra.local.gateway.lambda_client import COLD_START_HEADER, LambdaIntegration
from infra.local.gateway.relay import ResponseSink
from infra.local.gateway.responses import Response
from infra.local.gateway.strict import wire_fields
from infra.local.gateway.tracing import TRACE_HEADER
from strangler_core.matching import Match


class AwsProxy:
    type = "AWS_PROXY"
    target = "lambda"

    def __init__(self, client: LambdaIntegration, api: ApiContext) -> None:
        self._client = client
        self._api = api

    def streams_request(self, content_length: int | None) -> bool:
        return False  # the event carries the whole body

    async def respond(self, call: Call) -> web.StreamResponse:
        request = call.request
        status, headers, body = await self.answer(
            call.match,
            request.method,
            request.raw_path,
            wire_fields(request),
            call.body or b"",
            exchange=call.exchange,
            server_port=call.server_port,
            gateway_headers=call.gateway_headers,
        )
        return Response(status=status, headers=headers, body=body)

    async def serve_raw(self, call: RawCall, sink: ResponseSink) -> int:
        """The fast path's way in: the answer goes to ``sink``; its status."""
        request = call.request
        status, answer_headers, answer_body = await self.answer(
            call.match,
            request.method,
            request.target,
            request.headers.items(),
            call.body,
            exchange=call.exchange,
            server_port=call.server_port,
            gateway_headers=call.gateway_headers,
        )
        sink.whole(status, None, answer_headers, answer_body)
        return status

    async def answer(
        self,
        match: Match,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        *,
        exchange: Exchange,
        server_port: int,
        gateway_headers: dict[str, str],
    ) -> tuple[int, CIMultiDict[str], bytes]:
        """Invoke the function for one request: the answer's status, headers and body.

        Raises IntegrationError before anything is answered; records the invoke in
        ``exchange``.
        """
        integration = match.route.integration
        assert integration.function is not None
        header_list = list(headers)
        raw_path, _, raw_query = target.partition("?")  # the query as received, undecoded
        event = event_json(
            GatewayRequest(
                method=method,
                raw_path=raw_path,
                raw_query=raw_query,
                headers=header_list,
                body=body,
                source_ip=exchange.client_ip,
                request_id=exchange.request_id,
                time_epoch_ms=exchange.epoch_ms,
                route_key=match.route.route_key,
                path_parameters=match.path_parameters,
                server_port=server_port,
            ),
            self._api,
        )
        if exchange.trace is not None:
            trace_id: str | None = exchange.trace.downstream
        else:
            trace_id = next((v for k, v in header_list if k.lower() == TRACE_HEADER.lower()), None)
        outcome = await self._client.invoke(
            integration.function,
            event,
            timeout_s=integration.timeout_ms / 1000,
            trace_id=trace_id,
        )
        exchange.function = outcome.function
        exchange.lambda_request_id = outcome.lambda_request_id
        exchange.init_duration_ms = outcome.init_duration_ms
        exchange.sandbox_id = outcome.sandbox_id
        exchange.integration_status = outcome.integration_status
        exchange.integration_latency_ms = outcome.integration_latency_ms
        exchange.annotations = outcome.annotation_headers()
        if outcome.error is not None:
            raise outcome.error
        mapped = outcome.response
        assert mapped is not None
        answer_headers: CIMultiDict[str] = CIMultiDict(mapped.headers)
        cold = answer_headers.get(COLD_START_HEADER)
        exchange.cold_start = None if cold is None else cold.lower() in ("1", "true")
        answer_headers.extend(exchange.annotations)
        answer_headers.update(gateway_headers)
        exchange.response_length = len(mapped.body)
        return mapped.status, answer_headers, mapped.body
