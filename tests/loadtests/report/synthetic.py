"""A synthetic raw run with known values: real HDR histograms, every raw file, via write_raw.

The numbers are chosen so the expected report can be worked out by hand (values under 2,048 us
are exact in an HDR histogram with 3 significant digits); `EXPECTED` holds them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

from hdrh.histogram import HdrHistogram

from loadtests.report.raw import (
    ColdStart,
    DatabaseConfig,
    DbSample,
    HostInfo,
    LambdaConfig,
    LambdaReport,
    LambdaSample,
    MonolithConfig,
    PathCounters,
    RawRun,
    RunMeta,
    Sample,
    SecondRow,
    new_latency_histogram,
    write_raw,
)

DURATION_S = 100
# (microseconds, count): monolith 1,000 requests
MONOLITH_US = [(1000, 500), (1200, 400), (1500, 90), (1800, 9), (2000, 1)]
# Lambda: 988 warm requests, then 12 cold starts of 350..460 ms
LAMBDA_WARM_US = [(1100, 488), (1400, 400), (1900, 90), (2000, 10)]
COLD_LATENCY_MS = [350.0 + 10 * i for i in range(12)]
COLD_INIT_MS = [300.0 + 5 * i for i in range(12)]
PREWARM_INIT_MS = 280.0
# host run-queue wait of the joined cold starts, in a run recorded by the local Lambda service
HOST_WAIT_MS = [100.0 + i for i in range(11)]
INVOCATIONS = 1000
# the figures a report of this run draws, in page order
FIGURES = (
    "latency-cdf",
    "latency-over-time",
    "lambda-concurrency",
    "db-connections",
    "cost-vs-traffic",
)


def hdr_ms(values_us: list[int], percentile: float) -> float:
    """What an HDR histogram holding `values_us` answers at `percentile`, in ms."""
    histogram = new_latency_histogram()
    for value in values_us:
        histogram.record_value(value)
    return float(histogram.get_value_at_percentile(percentile)) / 1000


def _histogram(pairs: list[tuple[int, int]], extra_us: Sequence[int] = ()) -> HdrHistogram:
    histogram = new_latency_histogram()
    for value, count in pairs:
        histogram.record_value(value, count)
    for value in extra_us:
        histogram.record_value(value)
    return histogram


def meta(run_id: str = "20261123T140000Z-rides") -> RunMeta:
    return RunMeta(
        run_id=run_id,
        route="/rides",
        scenario="steady",
        load_model="open",
        load_model_detail="open: each user paces itself at 1 journey/s",
        users=20,
        duration_s=float(DURATION_S),
        started_at="2026-11-23T14:00:00+00:00",
        ended_at="2026-11-23T14:01:40+00:00",
        host=HostInfo(cores=2, python="3.11.9", platform="Linux-6.1-x86_64"),
        lambda_=LambdaConfig(
            function="rides",
            memory_mb=512,
            architecture="x86_64",
            limits="cgroup-v1",
            reserved_concurrency=10,
            provisioned_concurrency=None,
        ),
        monolith=MonolithConfig(workers=2, threads=4),
        database=DatabaseConfig(max_connections=100),
    )


def timeseries() -> Iterator[SecondRow]:
    cold_seconds = {int(c.t) for c in cold_starts()}
    for t in range(DURATION_S):
        yield SecondRow(
            t=t, path="monolith", requests=10, failures=0, p50_ms=1.0, p99_ms=1.5, max_ms=2.0
        )
        p99 = 450.0 if t in cold_seconds else 1.9
        failures = 5 if t == 50 else 0
        yield SecondRow(
            t=t,
            path="lambda",
            requests=10,
            failures=failures,
            p50_ms=1.4,
            p99_ms=p99,
            max_ms=max(p99, 2.0),
        )


def cold_starts() -> list[ColdStart]:
    times = [0.4, 0.6, 0.9, 1.1, 30.2, 30.5, 30.7, 31.0, 31.4, 60.0, 75.5, 90.9]
    rows = []
    for i, (t, latency, init) in enumerate(zip(times, COLD_LATENCY_MS, COLD_INIT_MS, strict=True)):
        # the last one's REPORT fell outside the run window: it does not join
        request_id = f"req-{i}" if i < 11 else "req-outside-window"
        rows.append(
            ColdStart(
                t=t, request_id=request_id, latency_ms=latency, init_ms=init, sandbox_id=f"sb-{i}"
            )
        )
    return rows


def lambda_reports(projected: bool = False) -> Iterator[LambdaReport]:
    """REPORT records; ``projected``: with the local service's run-queue wait and projection."""
    yield LambdaReport(
        request_id="req-prewarm",
        duration_ms=0.5,
        billed_ms=math.ceil(0.5 + PREWARM_INIT_MS),
        memory_mb=512,
        max_memory_mb=60,
        init_ms=PREWARM_INIT_MS,
        status="success",
        timestamp="2026-11-23T13:59:59.000Z",
    )
    for i in range(INVOCATIONS - 1):
        duration = 1.0 + (i % 10) * 0.1
        init = COLD_INIT_MS[i] if i < 11 else None
        wait = HOST_WAIT_MS[i] if i < 11 and projected else None
        yield LambdaReport(
            request_id=f"req-{i}",
            duration_ms=duration,
            billed_ms=math.ceil(duration + (init or 0.0)),
            memory_mb=512,
            max_memory_mb=80 + i % 7,
            init_ms=init,
            status="success",
            timestamp=f"2026-11-23T14:00:{i % 60:02d}.000Z",
            init_run_queue_wait_ms=wait,
            projected_init_ms=None if init is None or wait is None else init - wait,
        )


def samples() -> Iterator[Sample]:
    for t in range(DURATION_S):
        concurrency = 7 if t == 30 else 2
        yield LambdaSample(
            t=t + 0.05,
            concurrent_executions=concurrency,
            sandboxes_warm=3,
            sandboxes_busy=concurrency,
            # cumulative counters of a service that ran before the test: +5 throttles at 50 s
            throttles=3 + (5 if t >= 50 else 0),
            cold_starts=2 + sum(1 for c in cold_starts() if c.t < t + 0.05),
        )
        lam = 9 if t == 31 else 3
        monolith = 4
        yield DbSample(t=t + 0.1, monolith=monolith, lambda_=lam, total=monolith + lam + 1)
        if t == 40:  # a second sample in the same second: the peak of the second is kept
            yield DbSample(t=40.7, monolith=6, lambda_=3, total=10)


def raw_run(projected: bool = False) -> RawRun:
    cold_us = [round(ms * 1000) for ms in COLD_LATENCY_MS]
    return RawRun(
        meta=meta(),
        histograms={
            "monolith": _histogram(MONOLITH_US),
            "lambda": _histogram(LAMBDA_WARM_US, cold_us),
        },
        counters={
            "monolith": PathCounters(requests=1000, failures=0, status_counts={"200": 1000}),
            "lambda": PathCounters(
                requests=1000,
                failures=5,
                status_counts={"200": 995, "500": 5},
                error_classes={
                    "gateway_throttle": 0,
                    "lambda_throttle": 5,
                    "function_error": 0,
                    "timeout": 0,
                    "other": 0,
                },
            ),
        },
        timeseries=timeseries(),
        cold_starts=cold_starts(),
        samples=samples(),
        lambda_reports=lambda_reports(projected),
    )


def lambda_latencies_us() -> list[int]:
    values = [v for v, n in LAMBDA_WARM_US for _ in range(n)]
    return values + [round(ms * 1000) for ms in COLD_LATENCY_MS]


def write_synthetic(run_dir: Path, projected: bool = False) -> Path:
    write_raw(run_dir, raw_run(projected))
    return run_dir
