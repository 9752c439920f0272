"""build_report on a synthetic run: report.json, summary.md and index.html, real cost model."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import pytest

from loadtests.cost import PRICES_FILE
from loadtests.report import RawRun, build_report, write_raw
from loadtests.report.__main__ import main
from loadtests.report.raw import PATHS
from tests.loadtests.report.synthetic import (
    COLD_INIT_MS,
    COLD_LATENCY_MS,
    FIGURES,
    INVOCATIONS,
    PREWARM_INIT_MS,
    hdr_ms,
    lambda_latencies_us,
    lambda_reports,
    meta,
    write_synthetic,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = write_synthetic(tmp_path_factory.mktemp("run") / "20261123T140000Z-rides")
    build_report(run_dir)
    return run_dir


@pytest.fixture(scope="module")
def doc(run_dir: Path) -> dict:
    return json.loads((run_dir / "report.json").read_text())


@pytest.fixture(scope="module")
def html(run_dir: Path) -> str:
    return (run_dir / "index.html").read_text()


def test_writes_the_three_files_next_to_raw(run_dir: Path) -> None:
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == ["index.html", "raw", "report.json", "summary.md"]


def test_top_level_fields(doc: dict) -> None:
    assert doc["route"] == "/rides"
    assert doc["scenario"] == "steady"
    assert doc["load_model"] == "open"
    assert doc["duration_s"] == 100.0
    assert set(doc["paths"]) == set(PATHS)
    for key in ("cost", "conditions", "verdict", "series", "schema_version"):
        assert key in doc


def test_monolith_percentiles_are_exact(doc: dict) -> None:
    mono = doc["paths"]["monolith"]
    assert mono["requests"] == 1000
    assert mono["failures"] == 0
    assert mono["rps"] == 10.0
    assert mono["latency_ms"] == {
        "p50": 1.0,
        "p90": 1.2,
        "p99": 1.5,
        "p999": 1.8,
        "max": 2.0,
        "mean": 1.133,
    }
    assert mono["status_counts"] == {"200": 1000}


def test_lambda_percentiles_come_from_the_hdr_histogram(doc: dict) -> None:
    lam = doc["paths"]["lambda"]["latency_ms"]
    values = lambda_latencies_us()
    assert lam["p50"] == 1.4  # exact: under 2,048 us
    assert lam["p90"] == 1.9
    assert lam["p99"] == hdr_ms(values, 99)  # the second cold start, 360 ms
    assert lam["p99"] == pytest.approx(360.0, rel=1e-3)
    assert lam["p999"] == hdr_ms(values, 99.9)
    assert lam["max"] == hdr_ms(values, 100)
    assert lam["max"] == pytest.approx(max(COLD_LATENCY_MS), rel=1e-3)


def test_failures_and_throttles(doc: dict) -> None:
    lam = doc["paths"]["lambda"]
    assert lam["failures"] == 5
    assert lam["failure_rate"] == 0.005
    assert lam["throttles"] == 5
    assert lam["service_throttles"] == 5  # difference of the service's cumulative counter
    assert lam["status_counts"] == {"200": 995, "500": 5}


def test_cold_starts_join_and_counts(doc: dict) -> None:
    lam = doc["paths"]["lambda"]
    assert lam["cold_starts"] == 12  # client requests that landed on a new sandbox
    assert lam["cold_starts_joined"] == 11  # one REPORT fell outside the run window
    assert lam["cold_start_rate"] == 0.012
    assert lam["init_reports"] == 12  # 11 joined + the pre-warm invocation
    assert lam["service_cold_starts"] == 12
    inits = [round(ms * 1000) for ms in [*COLD_INIT_MS[:11], PREWARM_INIT_MS]]
    assert lam["init_duration_ms"]["p50"] == hdr_ms(inits, 50)
    assert lam["init_duration_ms"]["max"] == hdr_ms(inits, 100)
    assert lam["init_duration_ms"]["count"] == 12
    # records without a projection (CloudWatch's): nothing projected, figures as measured
    assert lam["projected_init_duration_ms"]["count"] == 0
    assert lam["projected_latency_ms"] is None
    assert lam["cold_start_latency_ms"]["max"] == pytest.approx(460.0, rel=1e-3)


def test_billing_and_memory_from_report_records(doc: dict) -> None:
    lam = doc["paths"]["lambda"]
    reports = list(lambda_reports())
    assert lam["invocations"] == INVOCATIONS
    assert lam["billed_ms_total"] == sum(r.billed_ms for r in reports)
    assert lam["billed_ms_mean"] == round(sum(r.billed_ms for r in reports) / INVOCATIONS, 3)
    assert lam["max_memory_used_mb"] == 86
    assert lam["memory_mb"] == 512
    assert lam["concurrency_peak"] == 7
    assert lam["invocation_statuses"] == {"success": INVOCATIONS}


def test_database_connection_peaks(doc: dict) -> None:
    assert doc["paths"]["monolith"]["db_connections_peak"] == 6  # second sample in second 40
    assert doc["paths"]["lambda"]["db_connections_peak"] == 9
    assert doc["conditions"]["database"] == {"max_connections": 100, "connections_peak_total": 14}


def test_conditions(doc: dict) -> None:
    c = doc["conditions"]
    assert c["host"]["cores"] == 2
    assert c["lambda"]["limits"] == "cgroup-v1"
    assert c["scenario"] == "steady"
    assert c["load_model"] == "open"
    assert c["monolith"]["capacity_rps"] == 10.0


def test_cost_comes_from_the_cost_model(doc: dict) -> None:
    cost = doc["cost"]
    assert cost["observed_rps"] == 10.0
    assert cost["curve"] and {"rps", "lambda_usd_month", "monolith_usd_month"} <= set(
        cost["curve"][0]
    )
    assert "crossover_rps" in cost and cost["assumptions"]
    lam, mono = doc["paths"]["lambda"]["cost"], doc["paths"]["monolith"]["cost"]
    assert lam["usd_per_million"] == pytest.approx(cost["serverless_usd_per_million"])
    assert mono["usd_per_million"] == pytest.approx(cost["monolith_usd_per_million"])
    # 512 MB x mean billed ms, x86 rate, plus $0.20 per million requests
    mean_billed = doc["paths"]["lambda"]["billed_ms_mean"]
    expected = 0.5 * mean_billed / 1000 * 1e6 * 0.0000166667 + 0.20
    assert cost["lambda_usd_per_million"] == pytest.approx(expected, rel=1e-3)


# The synthetic run priced by hand from AWS's published us-east-1 prices (AWS Lambda pricing,
# https://aws.amazon.com/lambda/pricing/: x86 $0.0000166667 per GB-s, $0.20 per 1M requests;
# Amazon API Gateway pricing, https://aws.amazon.com/api-gateway/pricing/: HTTP APIs $1.00 per
# 1M; Amazon EC2 On-Demand pricing, https://aws.amazon.com/ec2/pricing/on-demand/: t3.medium
# $0.0416/h; Elastic Load Balancing pricing, https://aws.amazon.com/elasticloadbalancing/pricing/:
# ALB $0.0225/h + $0.008 per LCU-hour, 1 LCU = 1 GB/h processed). A month is 730 h.
# Lambda: 512 MB at a mean 5.754 ms billed: 0.5 GB * 0.005754 s * 1M = 2,877 GB-s per 1M
# requests * $0.0000166667 + $0.20 + $1.00 = $1.24795 per 1M.
SERVERLESS_PER_MILLION = 2877 * 0.0000166667 + 0.20 + 1.00
# Monolith at 10 req/s: capacity 10 req/s an instance at 60% = 6, so the minimum of 2 instances;
# 10 req/s * 8 KiB * 3,600 s / 2^30 = 0.2747 GB/h = 0.2747 LCU:
# (2 * 0.0416 + 0.0225 + 0.008 * 0.2747) * 730 = $78.765 a month over 26.28M requests.
MONOLITH_PER_MILLION = (2 * 0.0416 + 0.0225 + 0.008 * 0.274658203125) * 730 / 26.28


def test_verdict(doc: dict) -> None:
    """p50 1.0 vs 1.4 ms and p99 1.5 vs 360 ms (the synthetic histograms); money by hand."""
    verdict = doc["verdict"]
    assert doc["cost"]["serverless_usd_per_million"] == pytest.approx(SERVERLESS_PER_MILLION)
    assert doc["cost"]["serverless_usd_per_million"] == pytest.approx(1.2479501, rel=1e-7)
    assert doc["cost"]["monolith_usd_per_million"] == pytest.approx(MONOLITH_PER_MILLION)
    assert doc["cost"]["monolith_usd_per_million"] == pytest.approx(2.9971463, rel=1e-7)
    assert verdict["faster_p50"] == "monolith"
    assert verdict["faster_p99"] == "monolith"
    assert verdict["cheaper_at_observed_rps"] == "lambda"
    assert verdict["p50_ratio"] == 1.4
    assert verdict["p99_ratio"] == pytest.approx(360 / 1.5, rel=1e-3)
    assert verdict["cost_ratio"] == round(SERVERLESS_PER_MILLION / MONOLITH_PER_MILLION, 4)
    assert verdict["cost_ratio"] == 0.4164
    # Per req/s a month Lambda costs 2.628 * $1.248 = $3.28; each fleet step of 6 req/s costs an
    # instance, $30.37, ~$5.06 per req/s: Lambda never catches up.
    assert verdict["crossover_rps"] is None
    assert verdict["text"] == (
        "At 10 req/s the Lambda path was 240x slower at p99, 1.4x slower at p50 "
        "(cold starts: 12, 1.2% of requests, Init Duration p50 320 ms) and 2.4x cheaper per "
        "million requests; Lambda stays cheaper at every traffic level modelled up to "
        "10,000 req/s. Failed requests: the Lambda path 0.5%, 5 throttled."
    )


def test_series_are_per_second(doc: dict) -> None:
    series = doc["series"]
    assert len(series["timeseries"]["monolith"]) == 100
    assert len(series["lambda"]) == 100
    assert len(series["db"]) == 100
    assert sum(n for _, n, _ in series["cold_starts"]) == 12
    cdf = series["latency_cdf"]["monolith"]
    assert cdf[-1] == [2.0, 100.0]
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(cdf))


def test_summary_has_the_side_by_side_table_and_verdict(run_dir: Path, doc: dict) -> None:
    summary = (run_dir / "summary.md").read_text()
    assert "| Metric | Monolith | Lambda |" in summary
    assert "| Latency p99 | 1.5 ms |" in summary
    assert "| Cold starts | — | 12 (1.20%) |" in summary
    assert "| Peak DB connections | 6 | 9 |" in summary
    assert doc["verdict"]["text"] in summary
    rows = [line for line in summary.splitlines() if line.startswith("| ")]
    assert all(line.count("|") == 4 for line in rows)


def test_html_loads_nothing_from_the_network(html: str) -> None:
    assert not re.search(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", html)
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", html)
    assert "@import" not in html
    assert "<script" not in html
    assert "<link" not in html
    assert "http://" not in html and "https://" not in html


def test_html_has_the_five_figures_with_drawn_lines(html: str) -> None:
    for plot in FIGURES:
        match = re.search(rf'<figure data-plot="{plot}">(.*?)</figure>', html, flags=re.DOTALL)
        assert match, plot
        body = match.group(1)
        assert "<svg" in body and "<figcaption>" in body
        caption = re.search(r"<figcaption>(.*?)</figcaption>", body, flags=re.DOTALL)
        assert caption and caption.group(1).strip()
        drawn = re.findall(r'<polyline points="([^"]+)"|<path class="markers" d="([^"]+)"', body)
        assert any(a.strip() or b.strip() for a, b in drawn), plot


def _cell_row(html: str, metric: str) -> tuple[str, str]:
    row = re.search(
        rf'<tr><td>{re.escape(metric)}</td><td class="num">([^<]*)</td>'
        r'<td class="num">([^<]*)</td></tr>',
        html,
    )
    assert row, metric
    return row.group(1), row.group(2)


def test_html_has_table_conditions_and_no_crossover(html: str) -> None:
    table = re.search(r'<table id="side-by-side">(.*?)</table>', html, re.DOTALL)
    assert table
    body = table.group(1)
    assert _cell_row(body, "Requests") == ("1,000", "1,000")
    assert _cell_row(body, "Failed requests") == ("0 (0.00%)", "5 (0.50%)")
    assert _cell_row(body, "Latency p50") == ("1.0 ms", "1.4 ms")
    assert _cell_row(body, "Latency p99") == ("1.5 ms", "360 ms")
    assert _cell_row(body, "Cold starts") == ("—", "12 (1.20%)")
    assert _cell_row(body, "Init Duration p50 / max") == ("—", "320 ms / 350 ms")
    assert _cell_row(body, "Peak DB connections") == ("6", "9")
    assert _cell_row(body, "USD per 1M requests") == ("$3.00", "$1.25")
    assert '<th scope="row">Host</th><td>2 cores, Python 3.11.9, Linux-6.1-x86_64</td>' in html
    assert '<th scope="row">Lambda emulation limits</th><td>cgroup-v1</td>' in html
    cost = re.search(r'<figure data-plot="cost-vs-traffic">(.*?)</figure>', html, re.DOTALL)
    assert cost
    assert "No crossover in the modelled range." in cost.group(1)
    assert "crossover ~" not in cost.group(1)
    assert "observed 10 req/s" in cost.group(1)


def test_html_marks_the_crossover_when_lambda_gets_dearer(tmp_path: Path) -> None:
    """The same run priced with a Lambda GB-s rate 100x AWS's ($0.0016667): by hand, Lambda
    costs 2.628 * (2,877 * 0.0016667 + 1.20) = $15.755 a month per req/s; the two-instance fleet
    $77.161 + $0.1604 per req/s (ALB bytes), so they cross at 77.161 / (15.755 - 0.1604) =
    4.948 req/s, under the fleet's first step (12 req/s)."""
    run_dir = write_synthetic(tmp_path / "run")
    prices = json.loads(PRICES_FILE.read_text())
    prices["lambda"]["duration_usd_per_gb_s"]["x86_64"] = 0.0016667
    prices_path = tmp_path / "dear-lambda.json"
    prices_path.write_text(json.dumps(prices))

    report = build_report(run_dir, prices_path)

    doc = json.loads((run_dir / "report.json").read_text())
    lambda_month_per_rps = 2.628 * (2877 * 0.0016667 + 1.20)
    crossing = 77.161 / (lambda_month_per_rps - 730 * 0.008 * 0.0274658203125)
    assert crossing == pytest.approx(4.9479, rel=1e-4)
    assert doc["cost"]["crossover_rps"] == pytest.approx(crossing, rel=1e-6)
    assert report.verdict.cheaper_at_observed_rps == "monolith"
    assert "Lambda costs more than the fleet from ~4.9 req/s on." in report.verdict.text
    html = (run_dir / "index.html").read_text()
    cost = re.search(r'<figure data-plot="cost-vs-traffic">(.*?)</figure>', html, re.DOTALL)
    assert cost
    assert "crossover ~4.9 req/s</text>" in cost.group(1)
    assert "Lambda costs more above ~4.9 req/s." in cost.group(1)
    assert str(prices_path) in html  # the assumptions name the prices file used


def test_cold_starts_are_marked_on_the_latency_plot(html: str) -> None:
    body = re.search(r'data-plot="latency-over-time">(.*?)</figure>', html, re.DOTALL)
    assert body
    markers = re.search(r'<path class="markers" d="([^"]+)"', body.group(1))
    assert markers
    seconds_with_cold_starts = 7  # 0, 1, 30, 31, 60, 75, 90
    assert markers.group(1).count("M") == seconds_with_cold_starts


def test_rebuild_is_deterministic(run_dir: Path) -> None:
    before = {n: (run_dir / n).read_text() for n in ("report.json", "summary.md", "index.html")}
    build_report(run_dir)
    after = {n: (run_dir / n).read_text() for n in before}
    assert before == after


def test_cli_rebuilds_from_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = write_synthetic(tmp_path / "run")
    assert main([str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "At 10 req/s" in out and "index.html" in out
    assert (run_dir / "index.html").exists()


def test_cli_names_the_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = write_synthetic(tmp_path / "run")
    (run_dir / "raw" / "counters.json").write_text('{"lambda": {"requests": "many"}}')
    assert main([str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "counters.json: lambda.requests: must be an integer, got 'many'" in err


def test_a_run_without_lambda_reports_has_no_cost_but_a_report(tmp_path: Path) -> None:
    run_dir = write_synthetic(tmp_path / "run")
    (run_dir / "raw" / "lambda_reports.jsonl").unlink()
    report = build_report(run_dir)
    doc = json.loads((run_dir / "report.json").read_text())
    assert doc["cost"] is None and "REPORT" in doc["cost_note"]
    assert doc["paths"]["lambda"]["cost"]["usd_per_million"] is None
    assert "cost not computed" in report.verdict.text
    # Init Duration falls back to the client-side rows
    assert doc["paths"]["lambda"]["init_duration_ms"]["count"] == 12
    html = (run_dir / "index.html").read_text()
    assert html.count("<figure") == 5 and "no data recorded" in html
    assert math.isfinite(doc["paths"]["lambda"]["latency_ms"]["p99"])


def test_a_run_that_recorded_nothing_still_has_a_report(tmp_path: Path) -> None:
    """No requests, no samples, no REPORT lines (its log-axis plots raised ZeroDivisionError)."""
    run_dir = tmp_path / "run"
    write_raw(run_dir, RawRun(meta=meta(), histograms={}, counters={}))
    report = build_report(run_dir)
    assert report.verdict.text == "No comparison: the monolith path served no requests in this run."
    html = (run_dir / "index.html").read_text()
    assert html.count("<figure") == 5 and html.count("no data recorded") == 5
    doc = json.loads((run_dir / "report.json").read_text())
    assert doc["cost"] is None and doc["paths"]["lambda"]["requests"] == 0
