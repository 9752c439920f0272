"""Each cold start's host run-queue wait beside its measured Init Duration, and the projected
Init Duration without it, against real sandbox processes contending for this host's cores."""

from __future__ import annotations

import json
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.lambda_service.logformat import Report, report_line
from infra.local.lambda_service.schedstat import run_delay_ns, run_queue_wait_ms
from tests.infra.local.lambda_service.test_service import invoke

pytestmark = [pytest.mark.stack, pytest.mark.timeout(60)]

# CPU-bound init: more sandboxes than cores must queue for them.
HANDLER = textwrap.dedent(
    """
    import time

    _end = time.process_time() + 0.4
    while time.process_time() < _end:
        pass

    def handler(event, context):
        return {}
    """
)


def test_run_delay_is_the_second_schedstat_field() -> None:
    """Linux Documentation/scheduler/sched-stats.rst, /proc/<pid>/schedstat: "1) time spent
    on the cpu (in nanoseconds) 2) time spent waiting on a runqueue (in nanoseconds) 3) # of
    timeslices run on this cpu"."""
    assert run_delay_ns("52321233 1893331287 41\n") == 1893331287
    with pytest.raises(ValueError):
        run_delay_ns("")
    wait = run_queue_wait_ms(os.getpid())
    assert wait is not None and wait >= 0


def test_report_line_stays_measured_and_projection_removes_host_wait() -> None:
    report = Report("rid", 2.0, 512, 40, init_ms=2000.0, init_wait_ms=1900.0)
    assert "Init Duration: 2000.00 ms" in report_line(report)
    assert report.projected_init_ms == 100.0
    assert Report("rid", 2.0, 512, 40, init_ms=5.0, init_wait_ms=6.0).projected_init_ms == 0.0
    assert Report("rid", 2.0, 512, 40, init_ms=5.0).projected_init_ms is None


def test_simultaneous_cold_starts_record_their_run_queue_wait(tmp_path: Path) -> None:
    """Four CPU-bound inits at once on a 2-core host: the kernel's run-queue wait of each
    sandbox goes to reports.jsonl beside the measured Init Duration, and the projected Init
    Duration is the measured one without it."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "cpuinit.py").write_text(HANDLER)
    spec = FunctionSpec(name="cpuinit", handler="cpuinit.handler", code_paths=(str(code),))
    settings = ServiceSettings(log_dir=str(tmp_path / "logs"), enforce_limits="off")
    starts = max(4, 2 * (os.cpu_count() or 1))
    with LambdaService(settings, [spec]) as svc, ThreadPoolExecutor(starts) as pool:
        responses = list(pool.map(lambda _: invoke(svc.url, "cpuinit", {}), range(starts)))
    assert all("x-strangler-init-duration-ms" in r.headers for r in responses)
    lines = (tmp_path / "logs" / "reports.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == starts
    for record in records:
        assert record["init_run_queue_wait_ms"] >= 0
        assert record["projected_init_ms"] <= record["init_ms"]
    assert sum(r["init_run_queue_wait_ms"] for r in records) > 0
    assert any(r["projected_init_ms"] < r["init_ms"] for r in records)
