from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path

from hdrh.histogram import HdrHistogram

from loadtests.collector import Collector


def test_per_path_histograms_counters_timeseries_and_cold_starts(tmp_path: Path) -> None:
    collector = Collector(started=1000.0)
    for i in range(100):
        collector.record(path="monolith", latency_ms=i + 1, status=200, error=None, now=1000.5)
    collector.record(
        path="lambda",
        latency_ms=900.0,
        status=200,
        error=None,
        cold_start=True,
        lambda_request_id="req-1",
        init_ms=812.5,
        sandbox_id="sb1",
        now=1001.2,
    )
    collector.record(path="lambda", latency_ms=30, status=502, error="function_error", now=1001.7)
    collector.write(tmp_path)

    histograms = json.loads((tmp_path / "histograms.json").read_text())
    monolith = HdrHistogram.decode(histograms["monolith"])
    assert monolith.get_total_count() == 100
    assert 49_900 <= monolith.get_value_at_percentile(50) <= 50_100  # microseconds
    counters = json.loads((tmp_path / "counters.json").read_text())
    assert counters["lambda"]["requests"] == 2
    assert counters["lambda"]["failures"] == 1
    assert counters["lambda"]["status_counts"] == {"200": 1, "502": 1}
    assert counters["lambda"]["error_classes"]["function_error"] == 1
    rows = [json.loads(x) for x in (tmp_path / "timeseries.jsonl").read_text().splitlines()]
    assert [(r["t"], r["path"], r["requests"]) for r in rows] == [
        (0, "monolith", 100),
        (1, "lambda", 2),
    ]
    (cold,) = [json.loads(x) for x in (tmp_path / "cold_starts.jsonl").read_text().splitlines()]
    assert cold == {
        "t": 1.2,
        "request_id": "req-1",
        "latency_ms": 900.0,
        "init_ms": 812.5,
        "sandbox_id": "sb1",
    }


def test_memory_stays_flat_as_requests_grow() -> None:
    collector = Collector(started=0.0)
    for i in range(2_000):  # warm-up: histogram buckets and counters exist
        collector.record(path="lambda", latency_ms=i % 500, status=200, error=None, now=5.0)
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            collector.record(path="lambda", latency_ms=i % 500, status=200, error=None, now=5.0)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 10_000  # ten times the requests, (almost) not a byte more


def test_workers_collectors_merge_into_the_percentiles_of_all_requests(tmp_path: Path) -> None:
    """Locust's distributed mode: two workers' snapshots, merged on the master, give the
    percentiles of the union of their requests (1..50 ms on one worker, 51..100 ms on the
    other: p50 is 50 ms, which neither worker saw as its own median), per run and per second."""
    low, high, master = Collector(started=1000.0), Collector(started=1000.0), Collector()
    for i in range(50):
        low.record(path="lambda", latency_ms=i + 1, status=200, error=None, now=1000.5)
        high.record(path="lambda", latency_ms=i + 51, status=200, error=None, now=1000.5)
    high.record(path="lambda", latency_ms=5, status=502, error="function_error", now=1001.5)
    for worker in (low, high):
        # what travels over Locust's channel is plain data (msgpack): JSON-safe
        master.merge(json.loads(json.dumps(worker.snapshot())))
    master.write(tmp_path)

    histogram = HdrHistogram.decode(
        json.loads((tmp_path / "histograms.json").read_text())["lambda"]
    )
    assert histogram.get_total_count() == 101
    assert histogram.get_value_at_percentile(50) // 1000 == 50
    assert histogram.get_max_value() // 1000 == 100
    counters = json.loads((tmp_path / "counters.json").read_text())["lambda"]
    assert (counters["requests"], counters["failures"]) == (101, 1)
    assert counters["status_counts"] == {"200": 100, "502": 1}
    assert counters["error_classes"]["function_error"] == 1
    rows = [json.loads(line) for line in (tmp_path / "timeseries.jsonl").read_text().splitlines()]
    assert [(row["t"], row["requests"], row["failures"]) for row in rows] == [
        (0, 100, 0),
        (1, 1, 1),
    ]
    assert round(rows[0]["p50_ms"]) == 50 and round(rows[0]["max_ms"]) == 100  # 3 digits (HDR)
