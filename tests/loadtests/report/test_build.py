"""build_report on a synthetic run: report.json, summary.md and index.html, real cost model."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import pytest

from loadtests.report import build_report
from loadtests.report.__main__ import main
from loadtests.report.raw import PATHS
from tests.loadtests.report.synthetic import (
    COLD_INIT_MS,
    COLD_LATENCY_MS,
    INVOCATIONS,
    PREWARM_INIT_MS,
    hdr_ms,
    lambda_latencies_us,
    lambda_reports,
    write_synthetic,
)

FIGURES = (
    "latency-cdf",
    "latency-over-time",
    "lambda-concurrency",
    "db-connections",
    "cost-vs-traffic",
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


def test_verdict(doc: dict) -> None:
    verdict = doc["verdict"]
    assert verdict["faster_p50"] == "monolith"
    assert verdict["faster_p99"] == "monolith"
    assert verdict["cheaper_at_observed_rps"] in ("lambda", "monolith")
    assert verdict["text"].startswith("At 10 req/s the Lambda path was ")
    assert "cold starts: 12, 1.2% of requests" in verdict["text"]


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


def test_html_has_table_conditions_and_crossover(html: str, doc: dict) -> None:
    assert 'id="side-by-side"' in html
    assert "cgroup-v1" in html and "2 cores" in html
    if doc["cost"]["crossover_rps"] is not None:
        assert "crossover ~" in html


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
