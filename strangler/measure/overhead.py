"""The harness's own cost on each path: the probe route, and each probe's figures (pure).

Each path's private gateway gets one more route, ``GET /strangler-harness-probe``, on the same
integration as the route under comparison: HTTP_PROXY to the monolith, or AWS_PROXY to the
function. A probe is one null request on it (Django answers it 404, its cheapest answer on any
project) through the gateway, sent by ``prober.py`` beside the load. After the run, the
gateway's access log line of the request (by its ``apigw-requestid``) gives what of the round
trip was not the harness's:

- monolith path: its ``integrationLatency``, the gateway's wait on the monolith (API Gateway's
  ``$context.integrationLatency``); the rest is the gateway's passthrough;
- Lambda path: the invocation's REPORT Duration (the function's own time), found by the line's
  ``lambdaRequestId``; the rest is the gateway's AWS_PROXY integration, the Invoke API, the
  Runtime API and their hops.

Both are measured on the same request as the round trip, so the project's own work and its
variance under load cancel out, instead of adding the noise of a second, paired request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from loadtests.report.raw import OverheadProbe, PathName
from strangler_core.routes import Integration, Route, RouteTable

PROBE_PATH = "/strangler-harness-probe"
PROBE_ROUTE_KEY = f"GET {PROBE_PATH}"


def with_probe_route(table: RouteTable, integration: Integration, since: str) -> RouteTable:
    """The path's table with the probe route on ``integration`` (the route's own)."""
    return table.with_route(Route(PROBE_ROUTE_KEY, integration, since))


@dataclass(frozen=True)
class Sent:
    """A probe as the prober saw it: when, its round trip, the gateway's request id."""

    path: PathName
    t: float
    through_ms: float
    gateway_request_id: str
    trace_id: str | None = None  # its X-Ray trace, when the run is traced


@dataclass(frozen=True)
class Served:
    """The gateway's access log line of one request: its wait on the integration, and on the
    Lambda path the invocation it made."""

    integration_ms: float | None
    lambda_request_id: str | None = None
    cold_start: bool = False


def probes_of(
    sent: Iterable[Sent], served: Mapping[str, Served], durations: Mapping[str, float]
) -> list[OverheadProbe]:
    """Each probe with the part of its round trip that was not the harness's. ``served`` is by
    gateway request id, ``durations`` (REPORT Duration, ms) by Lambda request id.

    Left out: a probe the gateway did not log or did not forward, and on the Lambda path one
    that landed on a new sandbox (its round trip holds an Init) or has no REPORT record."""
    probes = []
    for probe in sent:
        line = served.get(probe.gateway_request_id)
        if line is None or line.integration_ms is None:
            continue
        inner: float | None = line.integration_ms
        if probe.path == "lambda":
            if line.cold_start or line.lambda_request_id is None:
                continue
            inner = durations.get(line.lambda_request_id)
        if inner is None:
            continue
        probes.append(
            OverheadProbe(
                t=probe.t,
                path=probe.path,
                through_ms=probe.through_ms,
                inner_ms=inner,
                integration_ms=line.integration_ms if probe.path == "lambda" else None,
            )
        )
    return sorted(probes, key=lambda p: p.t)
