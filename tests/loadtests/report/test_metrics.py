"""Metric math: HDR summaries, per-second folding, counters, the cold-start join."""

from __future__ import annotations

import pytest

from loadtests.report.metrics import (
    latency_cdf,
    latency_summary,
    summarize_cold_starts,
    summarize_samples,
    sustained_peak_rps,
)
from loadtests.report.raw import (
    ColdStart,
    DbSample,
    LambdaSample,
    Sample,
    SecondRow,
    new_latency_histogram,
)


def test_latency_summary_is_exact_under_2048_us() -> None:
    h = new_latency_histogram()
    for value in range(1, 1001):
        h.record_value(value)
    summary = latency_summary(h)
    assert (summary.p50, summary.p90, summary.p99, summary.p999, summary.max) == (
        0.5,
        0.9,
        0.99,
        0.999,
        1.0,
    )
    assert summary.count == 1000


def test_empty_histogram() -> None:
    assert latency_summary(new_latency_histogram()).p99 == 0.0
    assert latency_cdf(new_latency_histogram()) == []


def test_cdf_is_monotonic_and_ends_at_max() -> None:
    h = new_latency_histogram()
    for value in (1000, 2000, 5000, 400_000):
        h.record_value(value, 25)
    points = latency_cdf(h)
    assert points[0][1] == 0.0 and points[-1][1] == 100.0
    assert points[-1][0] == h.get_max_value() / 1000
    assert [p for p, _ in points] == sorted(p for p, _ in points)


def _rows(counts: list[int]) -> list[SecondRow]:
    return [
        SecondRow(t=t, path="monolith", requests=n, failures=0, p50_ms=1.0, p99_ms=1.0, max_ms=1.0)
        for t, n in enumerate(counts)
    ]


def test_sustained_peak_is_the_best_window_mean() -> None:
    assert sustained_peak_rps(_rows([10, 10, 50, 50, 50, 50, 50, 10]), window_s=5) == 50.0
    assert sustained_peak_rps(_rows([10, 100, 10]), window_s=5) == 40.0  # short run: all of it
    assert sustained_peak_rps([], window_s=5) == 0.0
    gaps = [
        SecondRow(t=0, path="monolith", requests=30, failures=0, p50_ms=1, p99_ms=1, max_ms=1),
        SecondRow(t=3, path="monolith", requests=30, failures=10, p50_ms=1, p99_ms=1, max_ms=1),
    ]
    assert sustained_peak_rps(gaps, window_s=2) == 15.0  # failures and gaps do not count


def test_samples_take_counter_differences_and_second_peaks() -> None:
    samples: list[Sample] = [
        LambdaSample(
            t=0.1,
            concurrent_executions=1,
            sandboxes_warm=0,
            sandboxes_busy=1,
            throttles=100,
            cold_starts=4,
        ),
        LambdaSample(
            t=1.1,
            concurrent_executions=5,
            sandboxes_warm=0,
            sandboxes_busy=5,
            throttles=103,
            cold_starts=8,
        ),
        LambdaSample(
            t=1.6,
            concurrent_executions=3,
            sandboxes_warm=2,
            sandboxes_busy=3,
            throttles=104,
            cold_starts=8,
        ),
        LambdaSample(
            t=2.1,
            concurrent_executions=2,
            sandboxes_warm=3,
            sandboxes_busy=2,
            throttles=1,
            cold_starts=1,
        ),  # the service restarted
        DbSample(t=0.2, monolith=2, lambda_=1, total=4),
        DbSample(t=0.7, monolith=3, lambda_=0, total=5),
    ]
    stats = summarize_samples(samples)
    assert stats.concurrency_peak == 5
    assert stats.throttles == 3 + 1 + 1
    assert stats.cold_starts == 4 + 1
    assert [s.throttles for s in stats.lambda_seconds] == [0, 4, 1]
    assert stats.db_peak_monolith == 3 and stats.db_peak_lambda == 1 and stats.db_peak_total == 5
    assert len(stats.db_seconds) == 1


def test_cold_start_join_by_request_id() -> None:
    rows = [
        ColdStart(t=0.5, request_id="a", latency_ms=400.0, init_ms=300.0, sandbox_id="sb-1"),
        ColdStart(t=0.9, request_id="b", latency_ms=500.0, init_ms=320.0, sandbox_id="sb-2"),
        ColdStart(t=5.0, request_id=None, latency_ms=450.0, init_ms=None, sandbox_id=None),
    ]
    stats = summarize_cold_starts(rows, frozenset({"a", "b", "zzz"}))
    assert (stats.count, stats.joined) == (3, 2)
    assert [(s.t, s.count) for s in stats.per_second] == [(0, 2), (5, 1)]
    assert stats.per_second[0].max_latency_ms == 500.0
    assert stats.init.count == 2
    assert stats.latency.max == pytest.approx(500.0, rel=1e-3)
