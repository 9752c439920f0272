"""The gateway's trace header and stage segment (pure)."""

from __future__ import annotations

import random

from infra.local.gateway.events import ApiContext
from infra.local.gateway.tracing import begin_trace, stage_segment
from infra.local.xray.protocol import TraceHeader

ROOT = "1-5759e988-bd862e3fe1be46a994272793"


def test_a_request_without_a_header_starts_a_trace() -> None:
    trace = begin_trace(None, now=1_700_000_000.25, sample_rate=1.0)
    assert trace.root.startswith("1-6553f100-") and trace.caller is None and trace.sampled
    header = TraceHeader.parse(trace.downstream)
    assert header == TraceHeader(trace.root, trace.segment_id, True)
    assert trace.response_header == f"Root={trace.root};Sampled=1"


def test_the_sample_rate_decides_only_when_the_caller_did_not() -> None:
    rng = random.Random(7)
    decisions = [begin_trace(None, now=0, sample_rate=0.25, rng=rng).sampled for _ in range(400)]
    assert 60 < sum(decisions) < 140
    kept = begin_trace(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=0", now=0, sample_rate=1.0)
    assert (kept.root, kept.caller, kept.sampled) == (ROOT, "53995c3f42cd8ad8", False)
    assert kept.downstream == f"Root={ROOT};Parent={kept.segment_id};Sampled=0"
    assert begin_trace(f"Root={ROOT}", now=0, sample_rate=0.0).sampled is False


def test_stage_segment() -> None:
    trace = begin_trace(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1", now=10.0, sample_rate=1)
    segment = stage_segment(
        trace,
        api=ApiContext(),
        end=10.5,
        method="GET",
        url="http://127.0.0.1:8080/unicorns",
        status=429,
        client_ip="127.0.0.1",
        request_id="JKJaXmPLvHcESHA=",
        route_key="GET /unicorns",
        target="lambda",
    )
    assert segment["name"] == "local/$default" and segment["origin"] == "AWS::ApiGateway::Stage"
    assert (segment["trace_id"], segment["id"], segment["parent_id"]) == (
        ROOT,
        trace.segment_id,
        "53995c3f42cd8ad8",
    )
    assert (segment["start_time"], segment["end_time"]) == (10.0, 10.5)
    assert segment["http"]["response"]["status"] == 429
    assert segment["error"] and segment["throttle"] and "fault" not in segment
    assert segment["annotations"] == {"route_key": "GET /unicorns", "target": "lambda"}
