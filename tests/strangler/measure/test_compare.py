"""Comparison runs for real: Locust, both paths, samplers, raw results, the report."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from loadtests.report.build import build_report
from strangler.core.config import Config
from strangler.measure.compare import AwsTargets, CompareRequest, run_compare, run_compare_aws
from strangler.moves.migrate import migrate
from strangler.stack.local import LocalStack
from tests.strangler.stack_config import stack_config

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, dict[str, Any]]]:
    tmp_path = tmp_path_factory.mktemp("compare")
    config = stack_config(tmp_path, unicorns=30, riders=20, with_function=True)
    stack = LocalStack(config)
    try:
        yield config, stack.up()
    finally:
        stack.down()


def test_compare_runs_both_paths_in_one_run_and_leaves_the_live_table_alone(
    running: tuple[Config, dict[str, Any]], tmp_path: Path
) -> None:
    config, _ = running
    live_table = config.routes_path.read_bytes()
    run_dir = run_compare(
        config,
        CompareRequest(route="/rides", duration_s=12, users=4, reports_dir=tmp_path / "reports"),
        progress=lambda _: None,
    )
    assert config.routes_path.read_bytes() == live_table
    build_report(run_dir)

    report = json.loads((run_dir / "report.json").read_text())
    assert report["route"] == "/rides" and report["scenario"] == "steady"
    monolith, lam = report["paths"]["monolith"], report["paths"]["lambda"]
    assert monolith["requests"] > 0 and lam["requests"] > 0
    assert monolith["failures"] == 0 and lam["failures"] == 0
    assert lam["cold_starts"] >= 1
    assert lam["init_duration_ms"]["max"] > 0
    assert lam["concurrency_peak"] >= 1
    assert lam["billed_ms_total"] > 0
    assert monolith["db_connections_peak"] >= 1 and lam["db_connections_peak"] >= 1
    for stats in (monolith, lam):
        latency = stats["latency_ms"]
        assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
        assert stats["cost"]["usd_per_million"] > 0
    assert report["verdict"]
    assert (run_dir / "summary.md").read_text().count("|") > 10
    assert (run_dir / "index.html").stat().st_size > 5_000


def test_compare_against_aws_bills_from_cloudwatch_report_lines(
    running: tuple[Config, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AWS flow with loopback stand-ins: the fleet is the local monolith, the "deployed
    API" the local gateway with /rides migrated, CloudWatch Logs is moto."""
    config, status = running
    migrate(config, "/rides")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        logs = boto3.client("logs", region_name="us-east-1")
        group = "/aws/lambda/dev-wr-wildrydes"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="2026/11/23/[$LATEST]abc")
        in_the_run = int((time.time() + 6) * 1000)
        reports = [
            "REPORT RequestId: r-1\tDuration: 100.00 ms\tBilled Duration: 401 ms\t"
            "Memory Size: 1769 MB\tMax Memory Used: 60 MB\tInit Duration: 300.10 ms",
            "REPORT RequestId: r-2\tDuration: 20.00 ms\tBilled Duration: 20 ms\t"
            "Memory Size: 1769 MB\tMax Memory Used: 61 MB",
        ]
        logs.put_log_events(
            logGroupName=group,
            logStreamName="2026/11/23/[$LATEST]abc",
            logEvents=[{"timestamp": in_the_run + i, "message": m} for i, m in enumerate(reports)],
        )
        run_dir = run_compare_aws(
            config,
            CompareRequest(route="/rides", duration_s=10, users=2, reports_dir=tmp_path / "r"),
            AwsTargets(
                monolith_url=status["monolith"],
                api_url=status["gateway"],
                function_name="dev-wr-wildrydes",
                logs_client=logs,
            ),
            progress=lambda _: None,
        )
    build_report(run_dir)
    report = json.loads((run_dir / "report.json").read_text())
    lam = report["paths"]["lambda"]
    assert lam["requests"] > 0 and report["paths"]["monolith"]["requests"] > 0
    assert lam["billed_ms_total"] == 421
    assert lam["init_duration_ms"]["max"] == pytest.approx(300.1, abs=0.5)
    assert report["conditions"]["lambda"]["limits"].startswith("AWS Lambda")
