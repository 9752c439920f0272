"""Benchmark: build a report from the raw results of 100k and 1M recorded requests.

The claim under test: `build_report` holds histograms and per-second rows, never a list of
requests or invocations, so its peak memory does not grow with the number of requests. Two
synthetic runs of the same length (600 s) differ only in traffic: 100k and 1M requests per
path, with REPORT lines for half of the Lambda requests (50k and 500k lines) and one cold start
per 1,000 Lambda requests. Each build runs in a fresh subprocess, twice: once for wall time and
ru_maxrss, once under tracemalloc for the Python heap peak. The ratio 1M / 100k is printed.

    .venv/bin/python bench/bench_report.py            # 100k and 1M
    .venv/bin/python bench/bench_report.py 20000 200000
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loadtests.report.raw import (  # noqa: E402
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

DURATION_S = 600
COLD_EVERY = 1000  # one cold start per this many Lambda requests
REPORTED_SHARE = 0.5  # REPORT lines for this share of Lambda requests


def _latencies(rng: random.Random, n: int, median_ms: float) -> Iterator[int]:
    for _ in range(n):
        yield max(1, min(60_000_000, round(rng.lognormvariate(math.log(median_ms), 0.5) * 1000)))


def synthetic_run(requests: int, seed: int = 7) -> RawRun:
    rng = random.Random(seed)
    histograms = {}
    for path, median in (("monolith", 12.0), ("lambda", 15.0)):
        h = new_latency_histogram()
        for value in _latencies(rng, requests, median):
            h.record_value(value)
        histograms[path] = h
    per_second = requests // DURATION_S
    colds = requests // COLD_EVERY
    reported = int(requests * REPORTED_SHARE)

    def seconds() -> Iterator[SecondRow]:
        for t in range(DURATION_S):
            for path, p50, p99, slowest in (
                ("monolith", 12.0, 40.0, 80.0),
                ("lambda", 15.0, 300.0, 450.0),
            ):
                yield SecondRow(
                    t=t,
                    path=path,
                    requests=per_second,
                    failures=0,
                    p50_ms=p50,
                    p99_ms=p99,
                    max_ms=slowest,
                )

    def cold_starts() -> Iterator[ColdStart]:
        for i in range(colds):
            yield ColdStart(
                t=i * DURATION_S / max(1, colds),
                request_id=f"req-{i * COLD_EVERY}",
                latency_ms=420.0,
                init_ms=300.0 + i % 50,
                sandbox_id=f"sb-{i}",
            )

    def reports() -> Iterator[LambdaReport]:
        for i in range(reported):
            init = 300.0 + (i // COLD_EVERY) % 50 if i % COLD_EVERY == 0 else None
            duration = 5.0 + (i % 97) / 10
            yield LambdaReport(
                request_id=f"req-{i}",
                duration_ms=duration,
                billed_ms=math.ceil(duration + (init or 0)),
                memory_mb=512,
                max_memory_mb=90 + i % 13,
                init_ms=init,
                status="success",
                timestamp="2026-11-23T14:00:00.000Z",
            )

    def samples() -> Iterator[Sample]:
        for t in range(DURATION_S):
            yield LambdaSample(
                t=t + 0.1,
                concurrent_executions=20 + t % 7,
                sandboxes_warm=5,
                sandboxes_busy=20,
                throttles=0,
                cold_starts=t * colds // DURATION_S,
            )
            yield DbSample(t=t + 0.2, monolith=8, lambda_=20 + t % 7, total=29 + t % 7)

    meta = RunMeta(
        run_id=f"bench-{requests}",
        route="/rides",
        scenario="steady",
        load_model="open",
        load_model_detail="synthetic",
        users=100,
        duration_s=float(DURATION_S),
        started_at="2026-11-23T14:00:00+00:00",
        ended_at="2026-11-23T14:10:00+00:00",
        host=HostInfo(cores=2, python=sys.version.split()[0], platform=sys.platform),
        lambda_=LambdaConfig(
            function="rides",
            memory_mb=512,
            architecture="x86_64",
            limits="cgroup-v1",
            reserved_concurrency=None,
            provisioned_concurrency=None,
        ),
        monolith=MonolithConfig(workers=2, threads=4),
        database=DatabaseConfig(max_connections=100),
    )
    counters = {
        p: PathCounters(
            requests=requests, failures=0, status_counts={"200": requests}, error_classes={}
        )
        for p in histograms
    }
    return RawRun(meta, histograms, counters, seconds(), cold_starts(), samples(), reports())


CHILD = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
trace = sys.argv[2] == "trace"
from loadtests.report import build_report  # imports before measuring: same for both sizes
if trace:
    tracemalloc.start()
start = time.perf_counter()
build_report(__import__("pathlib").Path(sys.argv[1]))
elapsed = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if trace else 0
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": elapsed, "heap_peak": peak, "maxrss_kb": rss_kb}}))
"""


def measure(run_dir: Path, mode: str) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code, str(run_dir), mode], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def main(sizes: list[int]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            run_dir = Path(tmp) / f"run-{n}"
            t0 = time.perf_counter()
            write_raw(run_dir, synthetic_run(n))
            generated = time.perf_counter() - t0
            raw_mb = sum(f.stat().st_size for f in (run_dir / "raw").iterdir()) / 1e6
            plain = measure(run_dir, "plain")
            traced = measure(run_dir, "trace")
            report_lines = sum(1 for _ in (run_dir / "raw" / "lambda_reports.jsonl").open())
            rows.append((n, report_lines, raw_mb, generated, plain, traced))
    print(
        f"{'requests/path':>13} {'REPORT lines':>12} {'raw MB':>7} {'build s':>8} "
        f"{'maxrss MB':>9} {'heap peak MB':>12}"
    )
    for n, lines, raw_mb, _, plain, traced in rows:
        print(
            f"{n:>13,} {lines:>12,} {raw_mb:>7.1f} {plain['seconds']:>8.2f} "
            f"{plain['maxrss_kb'] / 1024:>9.1f} {traced['heap_peak'] / 2**20:>12.2f}"
        )
    if len(rows) >= 2:
        (n0, *_, p0, t0_), (n1, *_, p1, t1_) = rows[0], rows[-1]
        print(
            f"\nratio {n1 // n0}x requests: build time x{p1['seconds'] / p0['seconds']:.2f}, "
            f"maxrss x{p1['maxrss_kb'] / p0['maxrss_kb']:.2f}, "
            f"heap peak x{t1_['heap_peak'] / t0_['heap_peak']:.2f}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
