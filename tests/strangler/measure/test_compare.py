"""Comparison runs for real: Locust, both paths, samplers, raw results, the report."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from loadtests.report.build import build_report
from strangler.cli import main
from strangler.measure.compare import AwsTargets, CompareRequest, run_compare, run_compare_aws
from strangler.moves.migrate import migrate
from strangler.stack.local import LocalStack
from strangler.stack.state import traffic_dir
from strangler_core.config import Config
from strangler_core.traffic import read_captured
from strangler_core.variants import parse_objective, parse_variant
from tests.strangler.measure.overhead_checks import assert_overhead_probed
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
    started = time.time()
    run_dir = run_compare(
        config,
        CompareRequest(route="/rides", duration_s=7, users=4, reports_dir=tmp_path / "reports"),
        progress=lambda _: None,
    )
    assert config.routes_path.read_bytes() == live_table
    # the comparison's synthetic load is not captured: not by the live gateway (it got none),
    # not by the private ones ([gateway] capture_comparisons is off)
    assert [r for r in read_captured(traffic_dir(config)) if r.time >= started] == []
    assert not list((run_dir / "work").glob("*-traffic"))
    build_report(run_dir)

    report = json.loads((run_dir / "report.json").read_text())
    assert report["route"] == "/rides" and report["scenario"] == "steady"
    monolith, lam = report["paths"]["monolith"], report["paths"]["lambda"]
    assert monolith["requests"] > 0 and lam["requests"] > 0
    assert monolith["failures"] == 0 and lam["failures"] == 0
    assert lam["cold_starts"] >= 1
    assert lam["init_duration_ms"]["max"] > 0
    # the local service projects every cold start it served: host run-queue wait taken out
    assert lam["projected_init_duration_ms"]["count"] == lam["cold_starts_joined"] >= 1
    assert lam["projected_latency_ms"]["p50"] > 0
    assert lam["concurrency_peak"] >= 1
    assert lam["billed_ms_total"] > 0
    assert monolith["db_connections_peak"] >= 1 and lam["db_connections_peak"] >= 1
    for stats in (monolith, lam):
        latency = stats["latency_ms"]
        assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
        assert stats["cost"]["usd_per_million"] > 0

    assert_overhead_probed(run_dir, report, config.monolith.health_path)

    summary = (run_dir / "summary.md").read_text()
    assert f"`{report['run_id']}`: `/rides`, monolith vs Lambda" in summary
    # the host's CPUs were sampled each second; saturation, when there was some, is said
    host = report["host"]
    assert host["samples"] >= 5 and host["cores"] >= 1 and host["busy_pct_peak"] > 0
    assert ("**Host saturated.**" in summary) is host["saturated"]
    assert (report["host_saturation"] is not None) is host["saturated"]
    rows = _markdown_table(summary)
    _assert_rows_show_the_report(rows, report)
    assert f"**Verdict:** {report['verdict']['text']}" in summary.splitlines()

    page = _HtmlReport((run_dir / "index.html").read_text())
    assert page.tables["side-by-side"][0] == ["Metric", "Monolith", "Lambda"]
    assert {r[0]: (r[1], r[2]) for r in page.tables["side-by-side"][1:]} == rows
    assert " ".join(report["verdict"]["text"].split()) in page.verdict
    assert f"faster at p50: {report['verdict']['faster_p50']}" in page.verdict
    assert page.plots == [
        "latency-cdf",
        "latency-over-time",
        "lambda-concurrency",
        "db-connections",
        "cost-vs-traffic",
    ]


def test_a_provisioned_concurrency_variant_is_billed_all_month_beside_the_configured_one(
    running: tuple[Config, dict[str, Any]], tmp_path: Path
) -> None:
    """Wild Rydes' riders on /rides, then the same load on a variant with one provisioned
    environment: its own function, initialised before the load, and its configured
    environment billed all month whatever the traffic (AWS Lambda pricing page, "Provisioned
    Concurrency Pricing": 1769/1024 GB x 2,628,000 s x $0.0000041667 per GB-s = $18.9167)."""
    config, _ = running
    run_dir = run_compare(
        config,
        CompareRequest(
            route="/rides",
            duration_s=4,
            users=2,
            reports_dir=tmp_path / "reports",
            variants=(parse_variant("provisioned=1"),),
            objective=parse_objective("p99<=60s"),
        ),
        progress=lambda _: None,
    )
    build_report(run_dir)
    section = json.loads((run_dir / "report.json").read_text())["variants"]
    configured, provisioned = section["columns"]
    assert (configured["name"], provisioned["name"]) == ("configured", "pc1")
    assert (configured["provisioned_concurrency"], provisioned["provisioned_concurrency"]) == (0, 1)
    assert configured["cost"]["provisioned_usd_per_month"] == 0
    assert provisioned["cost"]["provisioned_usd_per_month"] == pytest.approx(18.9167, abs=1e-4)
    assert provisioned["requests"] > 0 and provisioned["failures"] == 0
    meta = json.loads((run_dir / "variants" / "pc1" / "raw" / "meta.json").read_text())
    assert meta["lambda"]["function"] == "wildrydes-pc1"
    assert meta["lambda"]["provisioned_concurrency"] == 1


def test_a_route_its_journeys_do_not_touch_exits_2_before_locust_starts(
    running: tuple[Config, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Wild Rydes' riders have no journey under /books: Locust would run 'No tasks defined'
    for the whole duration, so the comparison refuses before anything starts."""
    config, _ = running
    reports = tmp_path / "reports"
    argv = ["--config", str(config.source), "compare", "/books", "--reports-dir", str(reports)]
    assert main(argv) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "has no user class with tasks for /books (Locust would run nothing)" in said
    assert not reports.exists()


def _markdown_table(text: str) -> dict[str, tuple[str, str]]:
    """The side-by-side table of summary.md: metric -> (monolith, Lambda), as printed."""
    lines = text.splitlines()
    start = lines.index("| Metric | Monolith | Lambda |") + 2  # past the header and its rule
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        metric, monolith, lam = (cell.strip() for cell in line.strip("|").split("|"))
        rows[metric] = (monolith, lam)
    return rows


def _number(cell: str) -> float:
    """The first number of a printed cell: "1,234 ms" -> 1234.0, "$0.41" -> 0.41."""
    match = re.search(r"-?[\d,]+(?:\.\d+)?", cell)
    assert match, f"no number in {cell!r}"
    return float(match.group().replace(",", ""))


def _assert_rows_show_the_report(rows: dict[str, tuple[str, str]], report: dict[str, Any]) -> None:
    """Every figure of the table is the one in report.json, to the precision it is printed."""
    monolith, lam = report["paths"]["monolith"], report["paths"]["lambda"]
    assert rows["Requests"] == (f"{monolith['requests']:,}", f"{lam['requests']:,}")
    assert rows["Failed requests"] == tuple(
        f"{p['failures']:,} ({100 * p['failure_rate']:.2f}%)" for p in (monolith, lam)
    )
    for metric, key in (("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("max", "max")):
        for cell, path in zip(rows[f"Latency {metric}"], (monolith, lam), strict=True):
            # the Lambda path's projected figure first, the measured one beside it if it differs
            projected, measured = _figures(cell)
            value = (path.get("projected_latency_ms") or path["latency_ms"])[key]
            assert projected == pytest.approx(value, abs=0.051 if value < 100 else 0.51)
            value = path["latency_ms"][key]
            assert measured == pytest.approx(value, abs=0.051 if value < 100 else 0.51)
    for path, overhead, net in zip(
        (monolith, lam),
        rows["Harness overhead p50 / p99"],
        rows["Latency p50 / p99 net of harness overhead"],
        strict=True,
    ):
        p50, p99 = (_number(part) for part in overhead.split(" / "))
        assert p50 == pytest.approx(
            path["harness_overhead_ms"]["p50"], abs=0.051 if p50 < 100 else 0.51
        )
        assert p99 == pytest.approx(
            path["harness_overhead_ms"]["p99"], abs=0.051 if p99 < 100 else 0.51
        )
        assert overhead.endswith(f"({path['harness_overhead_ms']['probes']:,} probes)")
        p50, p99 = (_number(part) for part in net.split(" / "))
        assert p50 == pytest.approx(path["net_latency_ms"]["p50"], abs=0.051 if p50 < 100 else 0.51)
        assert p99 == pytest.approx(path["net_latency_ms"]["p99"], abs=0.051 if p99 < 100 else 0.51)
    for cell, path in zip(rows["Throughput"], (monolith, lam), strict=True):
        assert _number(cell) == pytest.approx(path["rps"], abs=0.051)
    assert rows["Cold starts"][0] == "—" and _number(rows["Cold starts"][1]) == lam["cold_starts"]
    init_projected, init_measured = _figures(rows["Init Duration p50 / max"][1], 1)
    assert init_projected == pytest.approx(lam["projected_init_duration_ms"]["max"], abs=0.5)
    assert init_measured == pytest.approx(lam["init_duration_ms"]["max"], abs=0.5)
    workers = report["conditions"]["monolith"]
    assert rows["Peak concurrency"] == (
        f"{workers['workers']} workers x {workers['threads']} threads",
        f"{lam['concurrency_peak']:,}",
    )
    assert rows["Peak DB connections"] == (
        f"{monolith['db_connections_peak']:,}",
        f"{lam['db_connections_peak']:,}",
    )
    billed_projected, billed_measured = _figures(rows["Billed duration (mean)"][1])
    assert billed_projected == pytest.approx(lam["projected_billed_ms_mean"], abs=0.051)
    assert billed_measured == pytest.approx(lam["billed_ms_mean"], abs=0.051)
    used, of = rows["Max memory used"][1].split(" of ")
    assert (_number(used), of) == (lam["max_memory_used_mb"], f"{lam['memory_mb']} MB")
    for cell, path in zip(rows["USD per 1M requests"], (monolith, lam), strict=True):
        projected, measured = _figures(cell)
        assert projected == pytest.approx(path["cost"]["usd_per_million"], abs=0.005)
        measured_usd = path["cost"].get("measured_usd_per_million") or projected
        assert measured == pytest.approx(measured_usd, abs=0.005)


def _figures(cell: str, index: int = 0) -> tuple[float, float]:
    """A cell's figure and its measured twin: "A ms projected (B ms measured)", or "A ms" for
    both. ``index`` picks among "p50 / max" figures."""
    if " projected (" not in cell:
        value = _number(cell.split(" / ")[index])
        return value, value
    projected, measured = cell.removesuffix(" measured)").split(" projected (")
    return _number(projected.split(" / ")[index]), _number(measured.split(" / ")[index])


class _HtmlReport(HTMLParser):
    """What index.html shows: its tables by id (rows of cell texts), the verdict's text and the
    figures' ``data-plot`` names in page order."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.plots: list[str] = []
        self.verdict = ""
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_verdict = False
        self.feed(page)
        self.verdict = " ".join(self.verdict.split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "table" and attr.get("id"):
            self._table = str(attr["id"])
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "figure" and attr.get("data-plot"):
            self.plots.append(str(attr["data-plot"]))
        elif tag == "section" and attr.get("id") == "verdict":
            self._in_verdict = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "section":
            self._in_verdict = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_verdict:
            self.verdict += data


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
            CompareRequest(route="/rides", duration_s=4, users=2, reports_dir=tmp_path / "r"),
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
