"""Preflight inputs from a report, from strangler.toml and the route table, and from AWS (moto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.aws.preflight.checks import exit_code, preflight
from strangler.aws.preflight.gather import (
    inputs_from_aws,
    inputs_from_config,
    mean_duration_from_report,
)
from strangler.aws.preflight.limits import PreflightError
from strangler_core.config import load_config
from strangler_core.routes import Throttle, Throttling, default_route_table


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
