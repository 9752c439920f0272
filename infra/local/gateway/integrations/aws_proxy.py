"""AWS_PROXY: invoke the route's Lambda function with a payload format 2.0 event."""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict

from infra.local.gateway.events import ApiContext, GatewayRequest, build_event
from infra.local.gateway.integrations import Call
from infra.local.gateway.lambda_client import COLD_START_HEADER, LambdaIntegration
from infra.local.gateway.responses import Response
from infra.local.gateway.tracing import TRACE_HEADER


class AwsProxy:
    type = "AWS_PROXY"
    target = "lambda"

    def __init__(self, client: LambdaIntegration, api: ApiContext) -> None:
        self._client = client
        self._api = api

    def streams_request(self, content_length: int | None) -> bool:
        return False  # the event carries the whole body

    async def respond(self, call: Call) -> web.StreamResponse:
        request, match, exchange = call.request, call.match, call.exchange
        integration = match.route.integration
        assert integration.function is not None
        event = build_event(
            GatewayRequest(
                method=request.method,
                raw_path=request.raw_path.split("?", 1)[0],
                raw_query=request.raw_path.partition("?")[2],  # as received, undecoded
                headers=list(request.headers.items()),
                body=call.body or b"",
                source_ip=exchange.client_ip,
                request_id=exchange.request_id,
                time_epoch_ms=exchange.epoch_ms,
                route_key=match.route.route_key,
                path_parameters=match.path_parameters,
                server_port=call.server_port,
            ),
            self._api,
        )
        outcome = await self._client.invoke(
            integration.function,
            event,
            timeout_s=integration.timeout_ms / 1000,
            trace_id=(
                request.headers.get(TRACE_HEADER)
                if exchange.trace is None
                else exchange.trace.downstream
            ),
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
        headers: CIMultiDict[str] = CIMultiDict(mapped.headers)
        cold = headers.get(COLD_START_HEADER)
        exchange.cold_start = None if cold is None else cold.lower() in ("1", "true")
        headers.extend(exchange.annotations)
        headers.update(call.gateway_headers)
        exchange.response_length = len(mapped.body)
        return Response(status=mapped.status, headers=headers, body=mapped.body)
