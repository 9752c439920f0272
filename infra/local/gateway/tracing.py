"""X-Ray at the gateway: start or continue the ``X-Amzn-Trace-Id`` and emit the stage segment.

Like API Gateway with tracing on: a request with a sampled-or-not decision keeps it, one
without gets a decision at the sample rate; every request gets a trace id (``Root``), and the
header sent on names the gateway's segment as ``Parent``. Sampled requests produce one segment
(origin ``AWS::ApiGateway::Stage``, name ``<api id>/<stage>``) sent to the X-Ray daemon address.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from infra.local.gateway.events import ApiContext
from infra.local.xray.emitter import UdpSegmentEmitter
from infra.local.xray.protocol import TraceHeader, continue_trace, new_entity_id

TRACE_HEADER = "X-Amzn-Trace-Id"
STAGE_ORIGIN = "AWS::ApiGateway::Stage"


@dataclass(frozen=True)
class GatewayTrace:
    """One request's place in its trace: ``downstream`` is the header sent to the target."""

    root: str
    segment_id: str
    caller: str | None  # the client's segment id, when it sent one
    sampled: bool
    start: float

    @property
    def downstream(self) -> str:
        return TraceHeader(self.root, self.segment_id, self.sampled).format()

    @property
    def response_header(self) -> str:
        return TraceHeader(self.root, None, self.sampled).format()


def begin_trace(
    header: str | None, *, now: float, sample_rate: float, rng: random.Random | None = None
) -> GatewayTrace:
    trace = continue_trace(TraceHeader.parse(header), now=now, sample_rate=sample_rate, rng=rng)
    assert trace.root is not None and trace.sampled is not None
    return GatewayTrace(trace.root, new_entity_id(), trace.parent, trace.sampled, now)


def stage_segment(
    trace: GatewayTrace,
    *,
    api: ApiContext,
    end: float,
    method: str,
    url: str,
    status: int,
    client_ip: str,
    request_id: str,
    route_key: str,
    target: str | None,
) -> dict[str, Any]:
    """The segment API Gateway records for one request (pure)."""
    segment: dict[str, Any] = {
        "trace_id": trace.root,
        "id": trace.segment_id,
        "name": f"{api.api_id}/{api.stage}",
        "origin": STAGE_ORIGIN,
        "start_time": trace.start,
        "end_time": end,
        "http": {
            "request": {"method": method, "url": url, "client_ip": client_ip},
            "response": {"status": status},
        },
        "aws": {
            "api_gateway": {
                "account_id": api.account_id,
                "rest_api_id": api.api_id,
                "stage": api.stage,
                "request_id": request_id,
            }
        },
        "annotations": {"route_key": route_key, "target": target or "-"},
    }
    if trace.caller:
        segment["parent_id"] = trace.caller
    if status >= 500:
        segment["fault"] = True
    elif status >= 400:
        segment["error"] = True
        if status == 429:
            segment["throttle"] = True
    return segment


class GatewayTracer:
    def __init__(self, daemon_address: str, sample_rate: float, api: ApiContext) -> None:
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"trace sample rate must be 0..1, got {sample_rate}")
        self.sample_rate = sample_rate
        self.api = api
        self._emitter = UdpSegmentEmitter(daemon_address)

    def begin(self, header: str | None, now: float) -> GatewayTrace:
        return begin_trace(header, now=now, sample_rate=self.sample_rate)

    def finish(self, trace: GatewayTrace, end: float, **fields: Any) -> None:
        if trace.sampled:
            self._emitter.send(stage_segment(trace, api=self.api, end=end, **fields))

    def close(self) -> None:
        self._emitter.close()
