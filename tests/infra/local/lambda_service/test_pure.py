"""Pure parts: Lambda's log formats, billing math, admission decisions, config, names."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.local.lambda_service.invoke_rules import Target, parse_function_name
from infra.local.lambda_service.limits import cpu_quota_us, cpu_share
from infra.local.lambda_service.logformat import (
    Report,
    billed_duration_ms,
    exit_error_message,
    init_report_line,
    log_stream_name,
    report_line,
    report_record,
    timeout_message,
)
from infra.local.lambda_service.scheduler import (
    ACCOUNT_LIMIT,
    RESERVED_LIMIT,
    SCALING_RATE,
    Action,
    Load,
    ScaleWindow,
    decide,
)
from infra.local.lambda_service.spec import (
    FunctionSpec,
    ServiceConfig,
    ServiceSettings,
    load_service_config,
)
from strangler_core.errors import ConfigError

RID = "8f5fd7ee-7a4d-4c4b-9d1a-2f3b1c0e9a11"


def test_report_line_cold_is_lambda_format_exactly() -> None:
    report = Report(RID, duration_ms=12.344, memory_mb=512, max_memory_mb=80, init_ms=265.72)
    assert report_line(report) == (
        f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 279 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 80 MB\tInit Duration: 265.72 ms"
    )


def test_report_line_warm_has_no_init_duration() -> None:
    report = Report(RID, duration_ms=12.34, memory_mb=512, max_memory_mb=80)
    assert report_line(report) == (
        f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 80 MB"
    )


def test_report_line_timeout_and_exit_error() -> None:
    timeout = Report(RID, 3000.5, 128, 40, status="timeout")
    assert report_line(timeout).endswith("Max Memory Used: 40 MB\tStatus: timeout")
    crash = Report(RID, 2.0, 128, 40, status="error", error_type="Runtime.ExitError")
    assert report_line(crash).endswith("\tStatus: error\tError Type: Runtime.ExitError")


@pytest.mark.parametrize(
    ("duration", "init", "billed"),
    [(0.2, None, 1), (1.0, None, 1), (1.01, None, 2), (12.34, 265.72, 279), (0.0, None, 1)],
)
def test_billed_duration_rounds_up_and_includes_init(
    duration: float, init: float | None, billed: int
) -> None:
    assert billed_duration_ms(duration, init) == billed


def test_other_lambda_texts() -> None:
    when = datetime(2026, 11, 23, 8, 5, 3, 250_000, tzinfo=UTC)
    assert log_stream_name(when, "ab" * 16) == "2026/11/23/[$LATEST]" + "ab" * 16
    assert timeout_message(when, RID, 3) == (
        f"2026-11-23T08:05:03.250Z {RID} Task timed out after 3.00 seconds"
    )
    assert exit_error_message(RID, -9) == (
        f"RequestId: {RID} Error: Runtime exited with error: signal: killed"
    )
    assert exit_error_message(RID, 1).endswith("Runtime exited with error: exit status 1")
    assert init_report_line(12.5, "error", "Runtime.ImportModuleError") == (
        "INIT_REPORT Init Duration: 12.50 ms\tPhase: init\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError"
    )


def test_report_record_for_jsonl() -> None:
    report = Report(RID, 1.5, 256, 30, init_ms=100.0, handler_error="ValueError")
    record = report_record(report, function="f", sandbox_id="abc", timestamp="t")
    assert record == {
        "request_id": RID,
        "function": "f",
        "sandbox_id": "abc",
        "duration_ms": 1.5,
        "billed_ms": 102,
        "memory_mb": 256,
        "max_memory_mb": 30,
        "init_ms": 100.0,
        "init_run_queue_wait_ms": None,
        "init_cpu_ms": None,
        "init_vcpus": None,
        "init_throttled_ms": None,
        "projected_init_ms": None,
        "rerun_init_ms": None,
        "suppressed_init_ms": None,
        "status": "error",
        "error_type": "ValueError",
        "timestamp": "t",
    }


def _load(**overrides: object) -> Load:
    values: dict[str, object] = {
        "in_flight": 0,
        "idle": 0,
        "reserved": None,
        "unreserved_in_flight": 0,
        "unreserved_capacity": 1000,
        "recent_starts": 0,
        "scale_limit": None,
    }
    values.update(overrides)
    return Load(**values)  # type: ignore[arg-type]


def test_decide() -> None:
    assert decide(_load()).action is Action.START
    assert decide(_load(idle=1)).action is Action.REUSE
    assert decide(_load(reserved=2, in_flight=2, idle=1)).reason == RESERVED_LIMIT
    assert decide(_load(reserved=0)).reason == RESERVED_LIMIT
    assert decide(_load(reserved=3, in_flight=2)).action is Action.START
    # A reserved function does not draw on the shared pool, others do.
    assert decide(_load(reserved=3, unreserved_in_flight=10, unreserved_capacity=10)).action is (
        Action.START
    )
    assert decide(_load(unreserved_in_flight=10, unreserved_capacity=10)).reason == ACCOUNT_LIMIT
    assert decide(_load(recent_starts=5, scale_limit=5)).reason == SCALING_RATE
    assert decide(_load(recent_starts=5, scale_limit=5, idle=1)).action is Action.REUSE


def test_scale_window_slides() -> None:
    window = ScaleWindow(10.0)
    for t in (0.0, 1.0, 2.0):
        window.record(t)
    assert window.count(5.0) == 3
    assert window.count(10.5) == 2
    assert window.count(12.0) == 0


def test_cpu_quota_is_proportional_to_memory() -> None:
    assert cpu_quota_us(cpu_share(1769)) == 100_000
    assert cpu_quota_us(cpu_share(3538)) == 200_000
    assert cpu_quota_us(cpu_share(128)) == round(100_000 * 128 / 1769)


def test_function_name_forms() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:rides"
    assert parse_function_name("rides", None) == Target("rides", None)
    assert parse_function_name("rides:$LATEST", None) == Target("rides", "$LATEST")
    assert parse_function_name(arn, None) == Target("rides", None, "us-east-1", "123456789012")
    assert parse_function_name(arn + ":live", "v") == Target(
        "rides", "v", "us-east-1", "123456789012"
    )
    assert parse_function_name("123456789012:function:rides", "$LATEST") == Target(
        "rides", "$LATEST", None, "123456789012"
    )


def test_config_round_trip(tmp_path: Path) -> None:
    settings = ServiceSettings(port=9001, log_dir=str(tmp_path), scale_limit_per_10s=5)
    functions = (
        FunctionSpec(
            name="rides",
            handler="app.handler",
            code_paths=("src",),
            reserved_concurrency=4,
            environment={"A": "1"},
        ),
    )
    path = tmp_path / "service.json"
    path.write_text(ServiceConfig(settings=settings, functions=functions).model_dump_json())
    assert load_service_config(path) == ServiceConfig(settings=settings, functions=functions)


FN = {"name": "f", "handler": "a.b", "code_paths": ["."]}


@pytest.mark.parametrize(
    ("functions", "settings", "key"),
    [
        ([{**FN, "memory_mb": 64}], {}, "functions[0].memory_mb"),
        ([{**FN, "handler": "nodot"}], {}, "functions[0].handler"),
        ([{**FN, "timeout_s": "3"}], {}, "functions[0].timeout_s"),
        ([{**FN, "colour": 1}], {}, "functions[0].colour"),
        ([{**FN, "code_paths": []}], {}, "functions[0].code_paths"),
        ([{"name": "f", "handler": "a.b"}], {}, "functions[0].code_paths"),
        ([{**FN, "environment": {"AWS_REGION": "x"}}], {}, "functions[0].environment"),
        (
            [{**FN, "reserved_concurrency": 1, "provisioned_concurrency": 2}],
            {},
            "functions[0].provisioned_concurrency",
        ),
        ([FN, FN], {}, "functions"),
        ([{**FN, "reserved_concurrency": 2}], {"account_concurrency": 1}, "functions"),
        ([], {"enforce_limits": "on"}, "settings.enforce_limits"),
        ([], {"account_concurrency": 0}, "settings.account_concurrency"),
        ([], {"xray_daemon_address": "nope"}, "settings.xray_daemon_address"),
        ([], {"trace_sample_rate": 2}, "settings.trace_sample_rate"),
        ([], {"log_dir": ""}, "settings.log_dir"),
    ],
)
def test_config_errors_name_the_key_and_file(
    tmp_path: Path, functions: list[object], settings: dict[str, object], key: str
) -> None:
    path = tmp_path / "service.json"
    path.write_text(json.dumps({"settings": settings, "functions": functions}))
    with pytest.raises(ConfigError) as info:
        load_service_config(path)
    assert str(info.value).startswith(f"{path}: {key}: ")
