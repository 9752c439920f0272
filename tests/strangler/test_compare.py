"""A short comparison run for real: Locust, both paths, samplers, raw results, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strangler.compare import CompareRequest, run_compare
from strangler.config import load_config
from strangler.stack import LocalStack

pytestmark = pytest.mark.stack
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_compare_runs_both_paths_in_one_run_and_leaves_the_live_table_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "strangler.toml"
    path.write_text(
        f"""
[project]
run_dir = "{tmp_path / "run"}"
[django]
path = "{REPO_ROOT}"
seed = ["seed_wildrydes", "--unicorns", "30", "--riders", "20"]
[database]
port = 0
[monolith]
port = 0
[lambda]
port = 0
enforce_limits = "off"
[gateway]
port = 0
[[functions]]
name = "wildrydes"
memory_mb = 1769
"""
    )
    config = load_config(path, environ={})
    stack = LocalStack(config)
    try:
        stack.up()
        live_table = config.routes_path.read_bytes()
        run_dir = run_compare(
            config,
            CompareRequest(
                route="/rides", duration_s=12, users=4, reports_dir=tmp_path / "reports"
            ),
            progress=lambda _: None,
        )
        assert config.routes_path.read_bytes() == live_table

        from loadtests.report.build import build_report

        build_report(run_dir)
    finally:
        stack.down()

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
