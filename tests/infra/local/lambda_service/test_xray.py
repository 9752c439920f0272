"""Lambda's own segments for an invocation (pure), and the settings that turn them on."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from infra.local.lambda_service.sandbox import sandbox_environment
from infra.local.lambda_service.spec import FunctionSpec, ServiceConfig, ServiceSettings
from infra.local.lambda_service.xray import (
    InvocationTimes,
    begin_invocation_trace,
    invocation_segments,
)
from infra.local.xray.protocol import TraceHeader

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


def test_the_runtime_header_names_the_function_segment_as_parent() -> None:
    trace = begin_invocation_trace(
        f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1", now=0, sample_rate=0.0
    )
    assert trace.caller == "53995c3f42cd8ad8" and trace.sampled
    assert TraceHeader.parse(trace.runtime_header) == TraceHeader(ROOT, trace.function_id, True)
    assert begin_invocation_trace(None, now=0, sample_rate=0.0).sampled is False


def test_a_cold_invocation_has_initialization_invocation_overhead() -> None:
    trace = begin_invocation_trace(
        f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1", now=0, sample_rate=1
    )
    times = InvocationTimes(
        received=1.0,
        init_start=1.001,
        init_end=1.3,
        invoke_start=1.301,
        invoke_end=1.35,
        done=1.352,
    )
    service, function = invocation_segments(
        trace, times, function="fn", arn=ARN, request_id="r1", region="us-east-1", failed=False
    )
    assert (service["origin"], service["parent_id"], service["aws"]["request_id"]) == (
        "AWS::Lambda",
        "53995c3f42cd8ad8",
        "r1",
    )
    assert (function["origin"], function["parent_id"]) == ("AWS::Lambda::Function", service["id"])
    assert function["id"] == trace.function_id
    names = [(s["name"], s["start_time"], s["end_time"]) for s in function["subsegments"]]
    assert names == [
        ("Initialization", 1.001, 1.3),
        ("Invocation", 1.301, 1.35),
        ("Overhead", 1.35, 1.352),
    ]
    assert function["start_time"] == 1.001 and function["annotations"] == {"cold_start": True}


def test_a_warm_failed_invocation() -> None:
    trace = begin_invocation_trace(None, now=0, sample_rate=1)
    times = InvocationTimes(1.0, None, None, 1.001, 1.01, 1.02)
    service, function = invocation_segments(
        trace,
        times,
        function="fn",
        arn=ARN,
        request_id="r",
        region="us-east-1",
        failed=True,
        error_type="Runtime.ExitError",
    )
    assert "parent_id" not in service
    assert [s["name"] for s in function["subsegments"]] == ["Invocation", "Overhead"]
    assert function["fault"] and function["subsegments"][0]["fault"]
    assert function["cause"]["exceptions"][0]["type"] == "Runtime.ExitError"
    json.dumps([service, function])  # sendable


def test_settings_round_trip_and_validation() -> None:
    settings = ServiceSettings(xray_daemon_address="127.0.0.1:2999", trace_sample_rate=0.5)
    spec = FunctionSpec(name="fn", handler="m.h", code_paths=(".",))
    config = ServiceConfig(settings=settings, functions=(spec,))
    assert ServiceConfig.model_validate_json(config.model_dump_json()).settings == settings
    with pytest.raises(ValidationError, match="trace_sample_rate"):
        ServiceSettings(trace_sample_rate=2)
    with pytest.raises(ValidationError, match="xray_daemon_address"):
        ServiceSettings(xray_daemon_address="nope")


def test_the_sandbox_gets_the_daemon_address_only_with_tracing_on() -> None:
    spec = FunctionSpec(name="fn", handler="m.h", code_paths=(".",))
    common = dict(
        region="us-east-1",
        runtime_api="127.0.0.1:1",
        sandbox_id="s",
        stream="x",
        provisioned=False,
        host_env={},
    )
    off = sandbox_environment(spec, **common)  # type: ignore[arg-type]
    on = sandbox_environment(spec, xray_daemon_address="127.0.0.1:2999", **common)  # type: ignore[arg-type]
    assert "AWS_XRAY_DAEMON_ADDRESS" not in off
    assert on["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2999"
    assert on["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
