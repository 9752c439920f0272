"""Lambda's log lines and billing math as pure functions (no I/O, no clocks)."""

from __future__ import annotations

import math
import signal
from dataclasses import dataclass
from datetime import datetime

from .projection import InitSample

VERSION = "$LATEST"


def billed_duration_ms(duration_ms: float, init_ms: float | None) -> int:
    """Per-1 ms billing; since 2025-08-01 the INIT phase of on-demand functions is billed too."""
    return max(1, math.ceil(duration_ms + (init_ms or 0.0)))


def log_stream_name(when: datetime, hex_id: str) -> str:
    return f"{when:%Y/%m/%d}/[{VERSION}]{hex_id}"


def log_group_name(function: str) -> str:
    return f"/aws/lambda/{function}"


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: {VERSION}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None = None
    status: str | None = None  # None: success; "timeout" | "error"
    error_type: str | None = None
    # An error the handler raised: AWS's REPORT line does not show it, reports.jsonl does.
    handler_error: str | None = None
    # An init past the limit that Lambda suppressed and re-ran inside this invocation: not on
    # the REPORT line (its Duration holds the re-run), nor billed; reports.jsonl shows it.
    suppressed_init_ms: float | None = None
    # What the kernel said about the init (not on the REPORT line): its projection.
    init_sample: InitSample | None = None

    @property
    def projected_init_ms(self) -> float | None:
        """Init Duration as a sandbox on AWS would show it (projection.py). For an init that
        passed the limit here, that of its re-run: on AWS, without this host's contention, it
        would have been a plain cold start."""
        if self.init_sample is None or (self.init_ms is None and self.suppressed_init_ms is None):
            return None
        return self.init_sample.projected_ms

    @property
    def billed_ms(self) -> int:
        return billed_duration_ms(self.duration_ms, self.init_ms)


def report_line(report: Report) -> str:
    fields = [
        f"REPORT RequestId: {report.request_id}",
        f"Duration: {report.duration_ms:.2f} ms",
        f"Billed Duration: {report.billed_ms} ms",
        f"Memory Size: {report.memory_mb} MB",
        f"Max Memory Used: {report.max_memory_mb} MB",
    ]
    if report.init_ms is not None:
        fields.append(f"Init Duration: {report.init_ms:.2f} ms")
    if report.status is not None:
        fields.append(f"Status: {report.status}")
    if report.error_type is not None:
        fields.append(f"Error Type: {report.error_type}")
    return "\t".join(fields)


def init_report_line(
    init_ms: float, status: str, error_type: str | None = None, *, phase: str = "init"
) -> str:
    """``phase`` is "invoke" for an init Lambda re-ran inside an invocation (suppressed init)."""
    fields = [
        f"INIT_REPORT Init Duration: {init_ms:.2f} ms",
        f"Phase: {phase}",
        f"Status: {status}",
    ]
    if error_type is not None:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def aws_timestamp(when: datetime) -> str:
    # (an f-string: a sixth of strftime's time, once per invoke for reports.jsonl)
    return (
        f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:"
        f"{when.second:02d}.{when.microsecond // 1000:03d}Z"
    )


def timeout_message(when: datetime, request_id: str, timeout_s: float) -> str:
    return f"{aws_timestamp(when)} {request_id} Task timed out after {timeout_s:.2f} seconds"


def exit_reason(returncode: int) -> str:
    """Go-style wording that Lambda's runtime uses: 'signal: killed', 'exit status 1'."""
    if returncode < 0:
        try:
            name = signal.strsignal(-returncode) or f"signal {-returncode}"
        except ValueError:
            name = f"signal {-returncode}"
        return f"signal: {name.lower()}"
    return f"exit status {returncode}"


def exit_error_message(request_id: str, returncode: int) -> str:
    return f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason(returncode)}"


def report_record(
    report: Report, *, function: str, sandbox_id: str, timestamp: str
) -> dict[str, object]:
    """One line of reports.jsonl, so load tests can join requests by request id."""
    sample = report.init_sample if report.projected_init_ms is not None else None
    return {
        "request_id": report.request_id,
        "function": function,
        "sandbox_id": sandbox_id,
        "duration_ms": round(report.duration_ms, 3),
        "billed_ms": report.billed_ms,
        "memory_mb": report.memory_mb,
        "max_memory_mb": report.max_memory_mb,
        "init_ms": None if report.init_ms is None else round(report.init_ms, 3),
        "init_run_queue_wait_ms": _rounded(sample.run_queue_wait_ms if sample else None),
        "init_cpu_ms": _rounded(sample.cpu_ms if sample else None),
        "init_vcpus": _rounded(sample.vcpus if sample else None),
        "init_throttled_ms": _rounded(sample.throttled_ms if sample else None),
        "projected_init_ms": _rounded(report.projected_init_ms),
        # a suppressed init's re-run, measured (its time is inside duration_ms)
        "rerun_init_ms": _rounded(
            sample.measured_ms if sample and report.suppressed_init_ms is not None else None
        ),
        "suppressed_init_ms": (
            None if report.suppressed_init_ms is None else round(report.suppressed_init_ms, 3)
        ),
        "status": report.status or ("error" if report.handler_error else "success"),
        "error_type": report.error_type or report.handler_error,
        "timestamp": timestamp,
    }


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 3)
