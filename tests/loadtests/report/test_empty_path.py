"""A path that received no requests (or a run that recorded none at all) still gets a report:
the collector's own raw results, the report built from them, nothing divided by zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.collector import Collector
from loadtests.report.build import build_report
from loadtests.report.raw import LAMBDA_REPORTS, META, SAMPLES, write_json, write_lines
from loadtests.report.raw.files import to_json
from tests.loadtests.report.synthetic import meta


def _raw_run(run_dir: Path, recorded: dict[str, int]) -> Path:
    """What ``compare`` leaves when the collector saw ``recorded`` requests per path (200s
    of 5 ms, one a second) and no Lambda REPORT line or sample arrived."""
    collector = Collector(started=1000.0)
    for path, count in recorded.items():
        for n in range(count):
            collector.record(
                path=path, latency_ms=5.0, status=200, error=None, now=1000.0 + n + 0.5
            )
    raw = run_dir / "raw"
    collector.write(raw)
    write_lines(raw / LAMBDA_REPORTS, [])
    write_lines(raw / SAMPLES, [])
    write_json(raw / META, to_json(meta()))
    return run_dir


@pytest.mark.parametrize(
    ("recorded", "empty"),
    [({"monolith": 12}, ["lambda"]), ({"lambda": 12}, ["monolith"]), ({}, ["monolith", "lambda"])],
)
def test_a_path_without_requests_is_reported_as_such(
    tmp_path: Path, recorded: dict[str, int], empty: list[str]
) -> None:
    run_dir = _raw_run(tmp_path / "run", recorded)
    build_report(run_dir)

    text = (run_dir / "report.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    report = json.loads(text)
    for path in empty:
        stats = report["paths"][path]
        assert (stats["requests"], stats["failures"], stats["rps"]) == (0, 0, 0.0)
        assert stats["failure_rate"] == 0.0
    for path, count in recorded.items():
        assert report["paths"][path]["requests"] == count
    assert report["verdict"]["text"]
    summary = (run_dir / "summary.md").read_text()
    requests = {"monolith": "0", "lambda": "0"} | {p: str(n) for p, n in recorded.items()}
    assert f"| Requests | {requests['monolith']} | {requests['lambda']} |" in summary
    assert "nan" not in summary.lower()
    page = (run_dir / "index.html").read_text()
    assert "NaN" not in page and "Infinity" not in page
