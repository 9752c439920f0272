"""Each cold start's host run-queue wait and CPU time beside its measured Init Duration, the
projected Init Duration from them, and the CPU share an INIT runs under (burst on demand, the
memory size's share when provisioned), against real sandbox processes on this host."""

from __future__ import annotations

import json
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.lambda_service.limits import cpu_quota_us, cpu_share, init_cpu_share
from infra.local.lambda_service.logformat import Report, report_line
from infra.local.lambda_service.projection import InitSample
from infra.local.lambda_service.schedstat import parse_schedstat, process_schedstat
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

# The CFS quota of the sandbox's own cpu cgroup, read at import (INIT) and in the handler.
QUOTA_HANDLER = textwrap.dedent(
    """
    from pathlib import Path

    def _quota():
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "cpu" in controllers.split(","):
                base = Path("/sys/fs/cgroup") / controllers
                return int((base / path.lstrip("/") / "cpu.cfs_quota_us").read_text())
        return None

    AT_INIT = _quota()

    def handler(event, context):
        return {"init": AT_INIT, "invoke": _quota()}
    """
)


def test_schedstat_fields_are_cpu_time_and_run_queue_wait() -> None:
    """Linux Documentation/scheduler/sched-stats.rst, /proc/<pid>/schedstat: "1) time spent
    on the cpu (in nanoseconds) 2) time spent waiting on a runqueue (in nanoseconds) 3) # of
    timeslices run on this cpu"."""
    stat = parse_schedstat("52321233 1893331287 41\n")
    assert (stat.cpu_ms, stat.wait_ms) == (52.321233, 1893.331287)
    with pytest.raises(ValueError):
        parse_schedstat("")
    own = process_schedstat(os.getpid())
    assert own is not None and own.cpu_ms > 0 and own.wait_ms >= 0


def test_projection_removes_host_wait_and_keeps_the_quota() -> None:
    """On demand (a full vCPU): measured minus the run-queue wait. Provisioned at 512 MB
    (0.289 vCPU): the CPU work takes 1/0.289 of its CPU time, whatever the host's contention
    did to the local throttling count."""
    herd = InitSample(measured_ms=2000.0, run_queue_wait_ms=1900.0, cpu_ms=90.0, vcpus=1.0)
    assert herd.projected_ms == 100.0
    overlapping = InitSample(measured_ms=500.0, run_queue_wait_ms=600.0, cpu_ms=300.0, vcpus=1.0)
    assert overlapping.projected_ms == 300.0
    vcpus = 512 / 1769
    alone = InitSample(1500.0, 1070.0, 430.0, vcpus, throttled_ms=1050.0)
    crowded = InitSample(4000.0, 3570.0, 430.0, vcpus, throttled_ms=20.0)
    assert alone.projected_ms == crowded.projected_ms == pytest.approx(430.0 / vcpus)
    assert InitSample(300.0, 0.0, 250.0, 3008 / 1769).projected_ms == 300.0


def test_report_line_stays_measured() -> None:
    sample = InitSample(2000.0, 1900.0, 90.0, 1.0)
    report = Report("rid", 2.0, 512, 40, init_ms=2000.0, init_sample=sample)
    assert "Init Duration: 2000.00 ms" in report_line(report)
    assert report.projected_init_ms == 100.0
    assert Report("rid", 2.0, 512, 40, init_ms=5.0).projected_init_ms is None


def test_init_cpu_share_bursts_on_demand_only() -> None:
    """serverlessland.com, "Effectively running Java on Serverless", Utilize the initialization
    phase (AWS): "On-demand Lambda functions use a full vCPU (non-throttled) but is limited to
    10 seconds during its initialization phase [...] For provisioned concurrency, there is no
    cpu burst and goes directly to using proportional vCPU based on the memory allocation."
    Lambda guide, "Configure Lambda function memory": 1,769 MB has the equivalent of one vCPU."""
    assert init_cpu_share(512, provisioned=False) == 1.0
    assert init_cpu_share(512, provisioned=True) == cpu_share(512) == 512 / 1769
    assert init_cpu_share(3008, provisioned=False) == 3008 / 1769
    assert cpu_quota_us(1.0) == 100_000
    assert cpu_quota_us(cpu_share(512)) == 28_943


def test_simultaneous_cold_starts_record_their_run_queue_wait(tmp_path: Path) -> None:
    """Four CPU-bound inits at once on a 2-core host: each sandbox's run-queue wait and CPU
    time go to reports.jsonl beside the measured Init Duration; the projected Init Duration is
    the measured one without the wait, never below the CPU work."""
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
        assert record["init_cpu_ms"] >= 400  # the handler's own loop, at the least
        assert record["init_vcpus"] == 1.0  # on demand at 128 MB: the init's burst
        assert record["init_cpu_ms"] <= record["projected_init_ms"] <= record["init_ms"]
    assert sum(r["init_run_queue_wait_ms"] for r in records) > 0
    assert any(r["projected_init_ms"] < r["init_ms"] for r in records)


def _quota_service(tmp_path: Path, provisioned: int) -> tuple[ServiceSettings, FunctionSpec]:
    code = tmp_path / "code"
    code.mkdir(exist_ok=True)
    (code / "quota.py").write_text(QUOTA_HANDLER)
    spec = FunctionSpec(
        name="quota",
        handler="quota.handler",
        code_paths=(str(code),),
        memory_mb=512,
        provisioned_concurrency=provisioned,
    )
    return ServiceSettings(log_dir=str(tmp_path / f"logs{provisioned}")), spec


@pytest.mark.parametrize(("provisioned", "init_quota"), [(0, 100_000), (1, 28_943)])
def test_init_runs_with_burst_cpu_on_demand_and_the_memory_share_when_provisioned(
    tmp_path: Path, provisioned: int, init_quota: int
) -> None:
    """The sandbox's cgroup quota during INIT and during the invoke, at 512 MB. AWS,
    "Effectively running Java on Serverless" (serverlessland.com), Utilize the initialization
    phase: on-demand inits "use a full vCPU (non-throttled)"; "For provisioned concurrency,
    there is no cpu burst and goes directly to using proportional vCPU based on the memory
    allocation". AWS Labs' Lambda Web Adapter, Async Initialization: managed runtimes "offer
    up to 10 seconds for function initialization with burst CPU"."""
    settings, spec = _quota_service(tmp_path, provisioned)
    with LambdaService(settings, [spec]) as svc:
        if svc.limits.mode != "cgroup-v1":
            pytest.skip(f"limits not enforced here: {svc.limits.mode}")
        quotas = invoke(svc.url, "quota", {}).json()
    assert quotas == {"init": init_quota, "invoke": 28_943}


def test_a_suppressed_init_carries_the_projection_of_its_rerun(tmp_path: Path) -> None:
    """An init past the limit (here 0.5 s) is suppressed and re-run inside the invoke (Lambda
    Developer Guide, "Understanding the Lambda execution environment lifecycle"); a host that
    made it pass the limit would not have on AWS, so the record projects the re-run: its
    measured time (inside Duration) and the projected Init Duration, the sleep kept (blocked
    time is the function's own, not the host's)."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "slow.py").write_text(
        "import time\ntime.sleep(1.0)\n\ndef handler(event, context):\n    return {}\n"
    )
    spec = FunctionSpec(name="slow", handler="slow.handler", code_paths=(str(code),), timeout_s=5)
    settings = ServiceSettings(log_dir=str(tmp_path / "logs"), init_timeout_s=0.5)
    with LambdaService(settings, [spec]) as svc:
        assert invoke(svc.url, "slow", {}).status == 200
    (record,) = [json.loads(line) for line in (tmp_path / "logs" / "reports.jsonl").open()]
    assert record["init_ms"] is None and record["suppressed_init_ms"] >= 500
    assert 1000 <= record["rerun_init_ms"] <= record["duration_ms"]
    assert 1000 <= record["projected_init_ms"] <= record["rerun_init_ms"]
    assert record["init_cpu_ms"] < 1000 and record["init_vcpus"] == 1.0
