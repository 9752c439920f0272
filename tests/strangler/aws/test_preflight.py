"""Preflight checks: pure arithmetic, pass / warn / fail, exit codes; AWS inputs on moto."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.aws.preflight import (
    Check,
    PreflightError,
    PreflightInputs,
    exit_code,
    inputs_from_aws,
    inputs_from_config,
    mean_duration_from_report,
    needed_concurrency,
    preflight,
    rds_default_max_connections,
    render,
    time_to_scale_s,
)
from strangler.core.config import load_config
from strangler.core.routes import Throttle, Throttling, default_route_table


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_arithmetic() -> None:
    assert needed_concurrency(1000, 0.05) == 50
    assert needed_concurrency(1000, 0.0501) == 51
    assert time_to_scale_s(0) == 0
    assert time_to_scale_s(1000) == 0
    assert time_to_scale_s(1001) == 10
    assert time_to_scale_s(3500) == 30
    assert time_to_scale_s(3500, warm=1500) == 10
    # LEAST(DBInstanceClassMemory/9531392, 5000), memory less the approximated OS reservation
    assert rds_default_max_connections("db.t3.micro") == int(1024**3 * 0.9) // 9_531_392 == 101
    assert rds_default_max_connections("db.m5.large") == 811
    assert rds_default_max_connections("db.r7g.xlarge") == 3244
    with pytest.raises(PreflightError, match="unknown instance class"):
        rds_default_max_connections("db.x99.huge")


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


def test_mean_duration_from_a_report() -> None:
    report = {"paths": {"lambda": {"billed_ms_total": 5000, "invocations": 100}}}
    assert mean_duration_from_report(report) == (0.05, "report: billed_ms_total / 100 invocations")
    latency_only = {"paths": {"lambda": {"latency_ms": {"p50": 20.0}}}}
    assert mean_duration_from_report(latency_only)[0] == 0.02
    with pytest.raises(PreflightError, match="no Lambda durations"):
        mean_duration_from_report({"paths": {}})


def test_inputs_from_config(tmp_path: Path) -> None:
    toml = tmp_path / "strangler.toml"
    toml.write_text(
        "[database]\nmax_connections = 300\n[monolith]\nworkers = 3\nthreads = 4\n"
        '[[functions]]\nname = "wildrydes"\nreserved_concurrency = 200\n'
        "provisioned_concurrency = 10\n"
    )
    config = load_config(toml, environ={})
    table = default_route_table()
    table = type(table)(
        version=1,
        routes=table.routes,
        throttling=Throttling(stage=Throttle(rate=500, burst=100)),
    )
    inputs = inputs_from_config(
        config, peak_rps=100, mean_duration_s=0.1, table=table, monolith_instances=2
    )
    assert inputs.reserved_concurrency == 200
    assert inputs.provisioned_concurrency == 10
    assert inputs.db_max_connections == 300
    assert inputs.monolith_connections == 24
    assert inputs.account_concurrency == 1000
    assert inputs.stage_throttle == Throttle(rate=500, burst=100)


def test_inputs_from_aws_best_effort(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import boto3
    from moto import mock_aws

    from infra.aws.naming import Names

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    names = Names(stage="dev", project="strangler")
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        api = session.client("apigatewayv2").create_api(Name=names.api, ProtocolType="HTTP")
        session.client("apigatewayv2").create_stage(
            ApiId=api["ApiId"],
            StageName="$default",
            DefaultRouteSettings={"ThrottlingRateLimit": 300.0, "ThrottlingBurstLimit": 30},
        )
        rds = session.client("rds")
        rds.create_db_parameter_group(
            DBParameterGroupName="pg", DBParameterGroupFamily="postgres16", Description="x"
        )
        rds.create_db_instance(
            DBInstanceIdentifier="db",
            DBInstanceClass="db.m5.large",
            Engine="postgres",
            MasterUsername="u",
            MasterUserPassword="password123",
            AllocatedStorage=20,
            DBParameterGroupName="pg",
        )
        inputs, notes = inputs_from_aws(
            session,
            names,
            function="wildrydes",
            peak_rps=100,
            mean_duration_s=0.1,
            db_instance_id="db",
        )
    assert inputs.stage_throttle == Throttle(rate=300.0, burst=30)
    assert inputs.db_instance_class == "db.m5.large"
    assert inputs.account_concurrency == 1000  # moto has no get_account_settings: the default
    assert any("Lambda account settings" in n for n in notes)
    assert any("dev-strangler-wildrydes" in n for n in notes)  # no such function in the account
    assert exit_code(preflight(inputs)) == 0
