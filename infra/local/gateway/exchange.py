"""One request as it passes through the gateway: what routing and the integration found out,
the headers the gateway adds to its answer, and the access-log line made from it all."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from infra.local.gateway.access_log import AccessRecord
from infra.local.gateway.events import format_request_time
from infra.local.gateway.tracing import TRACE_HEADER, GatewayTrace

REQUEST_ID_HEADER = "apigw-requestid"


_ID_BATCH = 1024
_ids: list[str] = []  # made ahead in batches: one os.urandom() call per id cost ~1.5 us


def new_request_id() -> str:
    """16 characters like API Gateway's ``$context.requestId`` (e.g. ``JKJaXmPLvHcESHA=``)."""
    try:
        return _ids.pop()  # atomic: gateways in threads of one process never share an id
    except IndexError:
        raw = os.urandom(10 * _ID_BATCH)
        fresh = [base64.b64encode(raw[i : i + 10]).decode("ascii") for i in range(0, len(raw), 10)]
        _ids.extend(fresh[1:])
        return fresh[0]


@dataclass(slots=True)
class Exchange:
    """Filled in as the request proceeds; read by the answer's headers and the access log."""

    client_ip: str
    request_id: str = field(default_factory=new_request_id)
    epoch_ms: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    route_key: str = "-"
    target: str | None = None
    response_length: int = 0
    integration_status: int | None = None
    integration_latency_ms: float | None = None
    integration_error: str | None = None
    function: str | None = None
    lambda_request_id: str | None = None
    init_duration_ms: str | None = None
    sandbox_id: str | None = None
    cold_start: bool | None = None
    trace: GatewayTrace | None = None
    annotations: Sequence[tuple[str, str]] = ()
    """Headers the integration adds to the answer, error or not (Lambda's sandbox details)."""

    def gateway_headers(self, target_header: str) -> dict[str, str]:
        """What the gateway itself adds to every answer: request id, target, trace id."""
        headers = {REQUEST_ID_HEADER: self.request_id}
        if self.target is not None:
            headers[target_header] = self.target
        if self.trace is not None:
            headers[TRACE_HEADER] = self.trace.response_header
        return headers

    def access_record(self, method: str, path: str, protocol: str, status: int) -> AccessRecord:
        latency = self.integration_latency_ms
        return AccessRecord(
            requestId=self.request_id,
            ip=self.client_ip,
            requestTime=format_request_time(self.epoch_ms),
            requestTimeEpoch=self.epoch_ms,
            httpMethod=method,
            routeKey=self.route_key,
            path=path,
            status=status,
            protocol=protocol,
            responseLength=self.response_length,
            integrationLatency=None if latency is None else round(latency, 3),
            integrationStatus=self.integration_status,
            integrationErrorMessage=self.integration_error,
            target=self.target,
            functionName=self.function,
            lambdaRequestId=self.lambda_request_id,
            coldStart=self.cold_start,
            initDurationMs=self.init_duration_ms,
            sandboxId=self.sandbox_id,
        )
