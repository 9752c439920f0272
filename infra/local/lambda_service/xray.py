"""The segments AWS Lambda itself records for an invocation, built from the service's clocks.

With tracing on, Lambda sends two segments per sampled invocation: ``AWS::Lambda`` (the
service: from the Invoke request to its answer) and ``AWS::Lambda::Function`` (the execution
environment) with ``Initialization`` (cold starts only), ``Invocation`` and ``Overhead``
subsegments. The function's own SDK subsegments name the function segment as their parent: it
is the ``Parent`` of the ``_X_AMZN_TRACE_ID`` the runtime receives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from infra.local.xray.protocol import TraceHeader, continue_trace, new_entity_id

SERVICE_ORIGIN = "AWS::Lambda"
FUNCTION_ORIGIN = "AWS::Lambda::Function"


@dataclass(frozen=True)
class InvocationTrace:
    root: str
    caller: str | None  # the segment that invoked (e.g. the gateway's stage)
    sampled: bool
    service_id: str
    function_id: str

    @property
    def runtime_header(self) -> str:
        """What the runtime gets as ``Lambda-Runtime-Trace-Id`` (``_X_AMZN_TRACE_ID``)."""
        return TraceHeader(self.root, self.function_id, self.sampled).format()


def begin_invocation_trace(
    header: str | None, *, now: float, sample_rate: float, rng: random.Random | None = None
) -> InvocationTrace:
    trace = continue_trace(TraceHeader.parse(header), now=now, sample_rate=sample_rate, rng=rng)
    assert trace.root is not None and trace.sampled is not None
    return InvocationTrace(
        trace.root, trace.parent, trace.sampled, new_entity_id(), new_entity_id()
    )


@dataclass(frozen=True)
class InvocationTimes:
    """Wall-clock epoch seconds of one invocation's phases."""

    received: float  # the Invoke request arrived
    init_start: float | None  # cold start: the sandbox process started
    init_end: float | None
    invoke_start: float | None  # None when init failed
    invoke_end: float | None
    done: float  # the service answered


def _sub(name: str, start: float, end: float, **extra: Any) -> dict[str, Any]:
    return {"id": new_entity_id(), "name": name, "start_time": start, "end_time": end, **extra}


def invocation_segments(
    trace: InvocationTrace,
    times: InvocationTimes,
    *,
    function: str,
    arn: str,
    request_id: str,
    region: str,
    failed: bool,
    error_type: str | None = None,
) -> list[dict[str, Any]]:
    """The ``AWS::Lambda`` and ``AWS::Lambda::Function`` segments of one invocation (pure)."""
    status = 200
    service: dict[str, Any] = {
        "trace_id": trace.root,
        "id": trace.service_id,
        "name": function,
        "origin": SERVICE_ORIGIN,
        "start_time": times.received,
        "end_time": times.done,
        "http": {"response": {"status": status}},
        "aws": {"request_id": request_id, "region": region, "function_arn": arn},
        "resource_arn": arn,
    }
    if trace.caller:
        service["parent_id"] = trace.caller
    subsegments = []
    if times.init_start is not None and times.init_end is not None:
        subsegments.append(_sub("Initialization", times.init_start, times.init_end))
    if times.invoke_start is not None and times.invoke_end is not None:
        invocation = _sub("Invocation", times.invoke_start, times.invoke_end)
        if failed:
            invocation["fault"] = True
        subsegments.append(invocation)
        subsegments.append(_sub("Overhead", times.invoke_end, times.done))
    starts = [s["start_time"] for s in subsegments]
    function_segment: dict[str, Any] = {
        "trace_id": trace.root,
        "id": trace.function_id,
        "parent_id": trace.service_id,
        "name": function,
        "origin": FUNCTION_ORIGIN,
        "start_time": min(starts, default=times.received),
        "end_time": times.done,
        "aws": {"request_id": request_id, "function_arn": arn},
        "resource_arn": arn,
        "subsegments": subsegments,
    }
    if times.init_start is not None:
        function_segment["annotations"] = {"cold_start": True}
    if failed:
        function_segment["fault"] = True
        if error_type:
            function_segment["cause"] = {"exceptions": [{"type": error_type}]}
    return [service, function_segment]
