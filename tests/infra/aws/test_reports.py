"""REPORT records from text and JSON log events; fetched from moto's CloudWatch Logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from infra.aws.errors import AwsError
from infra.aws.reports import fetch_reports, parse_json_report, parse_log_event, parse_text_report

TS = "2026-11-23T14:00:00.000Z"
COLD = (
    "REPORT RequestId: 3f1e\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 80 MB\tInit Duration: 265.72 ms\t\n"
)
WARM = (
    "REPORT RequestId: 7a2b\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 81 MB\t\nXRAY TraceId: 1-abc\tSegmentId: def\tSampled: true\t\n"
)
SNAPSTART = (
    "REPORT RequestId: 9c3d\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 1024 MB\t"
    "Max Memory Used: 90 MB\tRestore Duration: 300.12 ms\tBilled Restore Duration: 150 ms\t"
)
TIMEOUT = (
    "REPORT RequestId: 5e5e\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 99 MB\tStatus: timeout"
)


def _json_report(request_id: str, *, init: float | None = None, status: str = "success") -> str:
    metrics = {"durationMs": 5.5, "billedDurationMs": 6, "memorySizeMB": 512, "maxMemoryUsedMB": 70}
    if init is not None:
        metrics["initDurationMs"] = init
    return json.dumps(
        {
            "time": "2026-11-23T14:00:01.000Z",
            "type": "platform.report",
            "record": {"requestId": request_id, "metrics": metrics, "status": status},
        }
    )


def test_text_report_lines() -> None:
    assert parse_text_report(COLD, TS) == {
        "request_id": "3f1e",
        "duration_ms": 12.34,
        "billed_ms": 13,
        "memory_mb": 512,
        "max_memory_mb": 80,
        "init_ms": 265.72,
        "restore_ms": None,
        "billed_restore_ms": None,
        "status": "success",
        "error_type": None,
        "timestamp": TS,
    }
    warm = parse_text_report(WARM, TS)
    assert warm is not None and warm["init_ms"] is None and warm["max_memory_mb"] == 81
    snap = parse_text_report(SNAPSTART, TS)
    assert snap is not None and (snap["restore_ms"], snap["billed_restore_ms"]) == (300.12, 150)
    timeout = parse_text_report(TIMEOUT, TS)
    assert timeout is not None and timeout["status"] == "timeout"


@pytest.mark.parametrize(
    "line",
    ["START RequestId: x Version: $LATEST", "END RequestId: x", "hello", "REPORT RequestId: x"],
)
def test_other_lines_are_not_reports(line: str) -> None:
    assert parse_text_report(line, TS) is None


def test_json_platform_report() -> None:
    record = parse_json_report(_json_report("j1", init=100.25), TS)
    assert record is not None
    assert record["request_id"] == "j1"
    assert (record["duration_ms"], record["billed_ms"], record["init_ms"]) == (5.5, 6, 100.25)
    assert record["timestamp"] == "2026-11-23T14:00:01.000Z"
    assert parse_json_report(json.dumps({"type": "platform.start", "record": {}}), TS) is None
    assert parse_json_report('{"type": "platform.report", not json', TS) is None
    app_log = json.dumps({"level": "INFO", "message": "platform.report mentioned"})
    assert parse_log_event({"message": app_log, "timestamp": 0}) is None


def test_fetch_reports_for_a_window(moto_aws: None) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    group = "/aws/lambda/dev-strangler-wildrydes"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    start = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    at = int(start.timestamp() * 1000)
    events = [
        (at - 60_000, COLD.replace("3f1e", "before")),  # outside the window
        (at + 1_000, "START RequestId: 3f1e Version: 1"),
        (at + 1_010, COLD),
        (at + 1_020, "END RequestId: 3f1e"),
        (at + 2_000, WARM),
        (at + 3_000, _json_report("j1", init=80.0)),
        (at + 4_000, json.dumps({"type": "platform.start", "record": {"requestId": "j2"}})),
        (at + 120_000, WARM.replace("7a2b", "after")),  # outside the window
    ]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[{"timestamp": t, "message": m} for t, m in events],
    )
    window = list(
        fetch_reports(logs, "dev-strangler-wildrydes", start, start + timedelta(minutes=1))
    )
    assert [r["request_id"] for r in window] == ["3f1e", "7a2b", "j1"]
    assert window[0]["timestamp"] == "2026-11-23T14:00:01.010Z"
    assert window[2]["init_ms"] == 80.0


def test_fetch_reports_paginates(moto_aws: None) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    group = "/aws/lambda/f"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    start = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    at = int(start.timestamp() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": at + i, "message": WARM.replace("7a2b", f"r{i}")} for i in range(250)
        ],
    )
    calls: list[int] = []
    logs.meta.events.register("before-call.logs.FilterLogEvents", lambda **_kw: calls.append(1))
    records = list(fetch_reports(logs, "f", start, start + timedelta(minutes=1), page_size=100))
    assert len(calls) == 3
    assert len(records) == 250
    assert len({r["request_id"] for r in records}) == 250


def test_a_missing_log_group_is_a_clear_error(moto_aws: None) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    start = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    with pytest.raises(AwsError, match="not found"):
        list(fetch_reports(logs, "nothing", start, start + timedelta(minutes=1)))
