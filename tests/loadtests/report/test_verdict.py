"""The verdict as a pure function: winners, ratios and the sentence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loadtests.report.verdict import VerdictInputs, approx, decide, fmt_rps

BASE = VerdictInputs(
    observed_rps=40.0,
    monolith_requests=4000,
    lambda_requests=4000,
    monolith_p50_ms=20.0,
    monolith_p99_ms=100.0,
    lambda_p50_ms=22.0,
    lambda_p99_ms=180.0,
    cold_starts=12,
    cold_start_rate=0.031,
    init_p50_ms=420.0,
    lambda_usd_per_million=1.0,
    monolith_usd_per_million=3.2,
    crossover_rps=85.3,
    curve_max_rps=10_000.0,
)


def test_the_example_sentence() -> None:
    v = decide(BASE)
    assert v.text == (
        "At 40 req/s the Lambda path was 1.8x slower at p99, 1.1x slower at p50 "
        "(cold starts: 12, 3.1% of requests, Init Duration p50 420 ms) and 3.2x cheaper per "
        "million requests; Lambda stays cheaper up to ~85 req/s."
    )
    assert (v.faster_p50, v.faster_p99, v.cheaper_at_observed_rps) == (
        "monolith",
        "monolith",
        "lambda",
    )
    assert v.p99_ratio == pytest.approx(1.8)
    assert v.cost_ratio == pytest.approx(1 / 3.2)
    assert v.to_json()["crossover_rps"] == 85.3


def test_lambda_faster_and_dearer_past_the_crossover() -> None:
    v = decide(
        replace(
            BASE,
            lambda_p50_ms=10.0,
            lambda_p99_ms=50.0,
            observed_rps=200.0,
            lambda_usd_per_million=6.4,
        )
    )
    assert (v.faster_p50, v.faster_p99, v.cheaper_at_observed_rps) == (
        "lambda",
        "lambda",
        "monolith",
    )
    assert "2.0x faster at p50 and p99" in v.text
    assert "2.0x more expensive per million requests" in v.text
    assert "Lambda costs more than the fleet from ~85 req/s on." in v.text


def test_ties_within_five_percent() -> None:
    v = decide(replace(BASE, lambda_p50_ms=20.5, lambda_p99_ms=103.0, lambda_usd_per_million=3.1))
    assert (v.faster_p50, v.faster_p99, v.cheaper_at_observed_rps) == ("tie", "tie", "tie")
    assert "about as fast at p50 and p99" in v.text
    assert "about as expensive per million requests" in v.text


def test_mixed_directions_say_but() -> None:
    v = decide(replace(BASE, lambda_p50_ms=10.0))
    assert "1.8x slower at p99 but 2.0x faster at p50" in v.text
    assert v.faster_p50 == "lambda" and v.faster_p99 == "monolith"


def test_no_cold_starts_no_cost() -> None:
    v = decide(
        replace(
            BASE,
            cold_starts=0,
            cold_start_rate=0.0,
            init_p50_ms=None,
            lambda_usd_per_million=None,
            monolith_usd_per_million=None,
            crossover_rps=None,
        )
    )
    assert "(no cold starts)" in v.text
    assert v.text.endswith("; cost not computed.")
    assert v.cheaper_at_observed_rps == "unknown" and v.cost_ratio is None


def test_no_crossover_in_range() -> None:
    v = decide(replace(BASE, crossover_rps=None))
    assert v.text.endswith(
        "Lambda stays cheaper at every traffic level modelled up to 10,000 req/s."
    )


def test_failures_are_named() -> None:
    v = decide(replace(BASE, lambda_failure_rate=0.042, throttles=120, monolith_failure_rate=0.002))
    assert v.text.endswith(
        "Failed requests: the Lambda path 4.2%, 120 throttled and the monolith path 0.2%."
    )


def test_a_path_without_requests_is_not_compared() -> None:
    v = decide(replace(BASE, lambda_requests=0))
    assert v.text == "No comparison: the Lambda path served no requests in this run."
    assert (v.faster_p50, v.faster_p99, v.cheaper_at_observed_rps) == ("unknown",) * 3


def test_large_ratios_and_number_formats() -> None:
    v = decide(replace(BASE, lambda_p99_ms=24_010.0))
    assert "240x slower at p99" in v.text
    assert approx(85.3) == "85" and approx(1234) == "1,200" and approx(0.456) == "0.46"
    assert fmt_rps(40.2) == "40" and fmt_rps(2.46) == "2.5" and fmt_rps(0.25) == "0.25"


def test_the_harness_overhead_is_said_and_whether_it_makes_the_p50_difference() -> None:
    """22 vs 20 ms at p50 measured; net of the emulator's own cost 19.5 vs 19.7 ms: a tie."""
    text = decide(replace(BASE, lambda_overhead_p50_ms=2.5, monolith_overhead_p50_ms=0.3)).text
    assert text.endswith(
        "The harness's own overhead, probed during the run: 2.5 ms of the Lambda path's p50, "
        "0.3 ms of the monolith path's; net of it the Lambda path was about as fast at p50, so "
        "at p50 the difference measured here is the emulator's, not Lambda's."
    )
    # 21.5 vs 19.7 ms net: still slower, said in passing
    text = decide(replace(BASE, lambda_overhead_p50_ms=0.5, monolith_overhead_p50_ms=0.3)).text
    assert text.endswith(
        "The harness's own overhead, probed during the run: 0.5 ms of the Lambda path's p50, "
        "0.3 ms of the monolith path's (net of it: 1.1x slower at p50)."
    )
    text = decide(replace(BASE, monolith_overhead_p50_ms=0.3)).text
    assert text.endswith("probed during the run: 0.3 ms of the monolith path's p50.")
    assert "harness" not in decide(BASE).text
