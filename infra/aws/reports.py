"""Lambda REPORT records from CloudWatch Logs, in the shape the local service writes.

Lambda logs one report per invocation, as a text line (the default log format)::

    REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t
    Max Memory Used: 80 MB\tInit Duration: 265.72 ms

(SnapStart functions: ``Restore Duration: 300.12 ms\tBilled Restore Duration: 150 ms`` instead
of Init Duration; a failed invocation adds ``Status: timeout|error`` and ``Error Type: ...``), or
with the JSON log format as a ``platform.report`` event::

    {"time": "...", "type": "platform.report", "record": {"requestId": "...", "status": "success",
     "metrics": {"durationMs": 12.34, "billedDurationMs": 13, "memorySizeMB": 512,
                 "maxMemoryUsedMB": 80, "initDurationMs": 265.72}}}

Both become the record of ``reports.jsonl`` / ``lambda_reports.jsonl``: ``request_id``,
``duration_ms``, ``billed_ms``, ``memory_mb``, ``max_memory_mb``, ``init_ms`` (or None),
``restore_ms`` (or None), ``status``, ``timestamp`` (ISO 8601), plus ``billed_restore_ms`` and
``error_type`` (or None). Parsing is pure; ``fetch_reports`` is the one function with I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions

from infra.aws.errors import AwsError

REPORT_PREFIX = "REPORT RequestId: "
JSON_REPORT_TYPE = "platform.report"
# CloudWatch Logs filter pattern: either form of the report (OR of two terms)
FILTER_PATTERN = '?"REPORT RequestId" ?"platform.report"'

_TEXT_FIELDS = {
    "Duration": "duration_ms",
    "Billed Duration": "billed_ms",
    "Memory Size": "memory_mb",
    "Max Memory Used": "max_memory_mb",
    "Init Duration": "init_ms",
    "Restore Duration": "restore_ms",
    "Billed Restore Duration": "billed_restore_ms",
}
_INT_FIELDS = frozenset({"billed_ms", "memory_mb", "max_memory_mb", "billed_restore_ms"})
_JSON_METRICS = {
    "durationMs": "duration_ms",
    "billedDurationMs": "billed_ms",
    "memorySizeMB": "memory_mb",
    "maxMemoryUsedMB": "max_memory_mb",
    "initDurationMs": "init_ms",
    "restoreDurationMs": "restore_ms",
    "billedRestoreDurationMs": "billed_restore_ms",
}


def iso_timestamp(epoch_ms: int) -> str:
    when = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _empty(request_id: str, timestamp: str) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "duration_ms": None,
        "billed_ms": None,
        "memory_mb": None,
        "max_memory_mb": None,
        "init_ms": None,
        "restore_ms": None,
        "billed_restore_ms": None,
        "status": "success",
        "error_type": None,
        "timestamp": timestamp,
    }


def _number(key: str, value: Any) -> float | int:
    number = float(value)
    return round(number) if key in _INT_FIELDS else round(number, 3)


def parse_text_report(message: str, timestamp: str) -> dict[str, Any] | None:
    """The record of a text REPORT line, or None when ``message`` is not one."""
    first = message.lstrip().split("\n", 1)[0]  # X-Ray adds an "XRAY TraceId: ..." line
    if not first.startswith(REPORT_PREFIX):
        return None
    fields = [f.strip() for f in first[len("REPORT ") :].split("\t") if f.strip()]
    request_id = fields[0].removeprefix("RequestId: ").strip()
    record = _empty(request_id, timestamp)
    for field in fields[1:]:
        name, sep, value = field.partition(": ")
        if not sep:
            continue
        if name in _TEXT_FIELDS:
            try:
                record[_TEXT_FIELDS[name]] = _number(_TEXT_FIELDS[name], value.split()[0])
            except (ValueError, IndexError):
                return None
        elif name == "Status":
            record["status"] = value
        elif name == "Error Type":
            record["error_type"] = value
    if record["duration_ms"] is None:
        return None
    return record


def parse_json_report(message: str, fallback_timestamp: str) -> dict[str, Any] | None:
    """The record of a JSON-format ``platform.report`` event, or None."""
    if JSON_REPORT_TYPE not in message:
        return None
    try:
        event = json.loads(message)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, Mapping) or event.get("type") != JSON_REPORT_TYPE:
        return None
    body = event.get("record")
    if not isinstance(body, Mapping) or not isinstance(body.get("metrics"), Mapping):
        return None
    timestamp = event.get("time") if isinstance(event.get("time"), str) else fallback_timestamp
    record = _empty(str(body.get("requestId", "")), str(timestamp))
    for key, name in _JSON_METRICS.items():
        value = body["metrics"].get(key)
        if value is not None:
            try:
                record[name] = _number(name, value)
            except (TypeError, ValueError):
                return None
    if record["duration_ms"] is None:
        return None
    record["status"] = str(body.get("status", "success"))
    if body.get("errorType") is not None:
        record["error_type"] = str(body["errorType"])
    return record


def parse_log_event(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """A CloudWatch Logs event (``message``, ``timestamp`` in epoch ms) -> record or None."""
    message = str(event.get("message", ""))
    timestamp = iso_timestamp(int(event.get("timestamp", 0)))
    if message.lstrip().startswith("{"):
        return parse_json_report(message, timestamp)
    return parse_text_report(message, timestamp)


def _epoch_ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes")
    return int(when.timestamp() * 1000)


def fetch_reports(
    logs_client: Any,
    function_name: str,
    start: datetime,
    end: datetime,
    *,
    page_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The REPORT records of ``/aws/lambda/<function_name>`` logged in [start, end].

    Every page of ``filter_log_events`` is read (``page_size`` events per call, AWS's default
    when None); records come in the order CloudWatch Logs returns them.
    """
    group = f"/aws/lambda/{function_name}"
    paginator = logs_client.get_paginator("filter_log_events")
    pages = paginator.paginate(
        logGroupName=group,
        startTime=_epoch_ms(start),
        endTime=_epoch_ms(end),
        filterPattern=FILTER_PATTERN,
        **({"PaginationConfig": {"PageSize": page_size}} if page_size else {}),
    )
    try:
        for page in pages:
            for event in page.get("events", []):
                record = parse_log_event(event)
                if record is not None:
                    yield record
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise AwsError(f"log group {group} not found: has the function run yet?") from None
        raise AwsError(f"reading {group} failed: {exc}") from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsError(f"reading {group} failed: {exc}") from exc
