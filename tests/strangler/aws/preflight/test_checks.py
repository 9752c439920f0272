"""Preflight checks: pure arithmetic from one event's inputs to pass / warn / fail, exit codes."""

from __future__ import annotations

import pytest

from strangler.aws.preflight.checks import exit_code, preflight
from strangler.aws.preflight.limits import PreflightError
from strangler.aws.preflight.model import Check, PreflightInputs
from strangler.aws.preflight.render import render
from strangler_core.routes import Throttle


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_comfortable_event_passes() -> None:
    inputs = PreflightInputs(
        peak_rps=200,
        mean_duration_s=0.05,
        reserved_concurrency=100,
        db_max_connections=100,
        monolith_connections=8,
    )
    checks = preflight(inputs)
    assert [c.result for c in checks] == ["pass"] * len(checks)
    assert exit_code(checks) == 0
    by_name = _by_name(checks)
    assert "needed 10 = 200 rps x 0.050 s" in by_name["lambda reserved concurrency"].numbers
    assert "reserved 100 (10%)" in by_name["lambda reserved concurrency"].numbers


def test_over_80_percent_warns_and_names_the_quota() -> None:
    checks = preflight(PreflightInputs(peak_rps=3400, mean_duration_s=0.25))  # 850 of 1,000
    account = _by_name(checks)["lambda account concurrency"]
    assert account.result == "warn"
    assert "850" in account.numbers and "85%" in account.numbers
    assert "Service Quotas" in account.advice and "AWS support" in account.advice
    assert exit_code(checks) == 1


def test_over_the_limits_fails() -> None:
    inputs = PreflightInputs(
        peak_rps=12_000,
        mean_duration_s=0.2,  # 2,400 needed
        reserved_concurrency=500,
        db_instance_class="db.t3.micro",
        monolith_connections=16,
        ramp_s=5,
        stage_throttle=Throttle(rate=1000, burst=500),
        route_throttles={"ANY /rides": Throttle(rate=100, burst=50)},
        route_peak_rps={"ANY /rides": 90},
    )
    checks = _by_name(preflight(inputs))
    assert checks["lambda reserved concurrency"].result == "fail"
    assert checks["lambda account concurrency"].result == "fail"
    scaling = checks["lambda scaling rate"]
    assert scaling.result == "fail" and "takes 20 s" in scaling.numbers
    assert "provisioned_concurrency" in scaling.advice
    database = checks["database connections"]
    # Lambda's side is capped by reserved concurrency: 500 + 16 against 101 - 3
    assert database.result == "fail"
    assert "needed 516" in database.numbers and "usable 98" in database.numbers
    assert "RDS Proxy" in database.advice
    assert checks["api gateway account throttle"].result == "fail"
    assert checks["api gateway stage throttle"].result == "fail"
    assert checks["api gateway route throttle ANY /rides"].result == "warn"  # 90 of 100
    assert exit_code(list(checks.values())) == 2
    text = render(list(checks.values()))
    assert "[FAIL] lambda scaling rate" in text
    assert "-> request a Lambda concurrent executions quota increase" in text


def test_a_step_event_beyond_one_scaling_period_warns() -> None:
    checks = _by_name(
        preflight(PreflightInputs(peak_rps=4000, mean_duration_s=0.5, account_concurrency=5000))
    )
    assert checks["lambda scaling rate"].result == "warn"
    assert "takes 10 s" in checks["lambda scaling rate"].numbers
    warm = _by_name(
        preflight(
            PreflightInputs(
                peak_rps=4000,
                mean_duration_s=0.5,
                account_concurrency=5000,
                provisioned_concurrency=1500,
            )
        )
    )
    assert warm["lambda scaling rate"].result == "pass"


def test_api_gateway_burst_warns_below_the_rate() -> None:
    check = _by_name(preflight(PreflightInputs(peak_rps=6000, mean_duration_s=0.01)))[
        "api gateway account throttle"
    ]
    assert check.result == "warn"


def test_unknown_database_limit_warns() -> None:
    check = _by_name(preflight(PreflightInputs(peak_rps=10, mean_duration_s=0.1)))[
        "database connections"
    ]
    assert check.result == "warn" and "unknown" in check.numbers


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(PreflightError):
        PreflightInputs(peak_rps=0, mean_duration_s=0.1)
    with pytest.raises(PreflightError):
        PreflightInputs(peak_rps=10, mean_duration_s=0)
