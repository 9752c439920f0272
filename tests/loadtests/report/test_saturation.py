"""A run whose host samples show more runnable tasks than cores: the report says so at its top
(summary.md, index.html, report.json) with the figures and what they affect; a run on a host
with spare cores, or without host samples, says nothing of the kind."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from loadtests.report import build_report, write_raw
from loadtests.report.raw import HostSample
from tests.loadtests.report.synthetic import DURATION_S, raw_run


def _host(t: int, herd: bool) -> HostSample:
    # a cold-start herd in seconds 30..39: 22 runnable on 2 cores, CPU flat out
    if herd and 30 <= t < 40:
        return HostSample(t=t + 0.02, runnable=22, cores=2, busy_pct=100.0, load1=6.5)
    return HostSample(t=t + 0.02, runnable=1, cores=2, busy_pct=40.0, load1=1.0)


def _build(tmp_path: Path, herd: bool, with_host: bool = True) -> tuple[dict, str, str]:
    run = raw_run(projected=True)
    host = [_host(t, herd) for t in range(DURATION_S)] if with_host else []
    run = dataclasses.replace(run, samples=[*run.samples, *host])
    run_dir = tmp_path / "run"
    write_raw(run_dir, run)
    build_report(run_dir)
    doc = json.loads((run_dir / "report.json").read_text())
    return doc, (run_dir / "summary.md").read_text(), (run_dir / "index.html").read_text()


TEXT = (
    "This host was saturated: in 10 of 100 sampled seconds more tasks were runnable than its "
    "2 cores (peak 22 runnable, mean 3.1; CPU 46% busy on average, 100% at most; 1-minute load "
    "up to 6.5)."
)


def test_a_saturated_host_is_said_at_the_top(tmp_path: Path) -> None:
    doc, summary, html = _build(tmp_path, herd=True)
    notice = doc["host_saturation"]
    assert notice["saturated"] is True
    assert (notice["saturated_samples"], notice["samples"], notice["cores"]) == (10, 100, 2)
    assert notice["runnable_peak"] == 22 and notice["busy_pct_peak"] == 100.0
    assert notice["text"].startswith(TEXT)
    assert any("Init Duration as measured" in a for a in notice["affects"])
    assert any("monolith's latency" in a for a in notice["affects"])
    # the top of both pages: before the table and the verdict
    assert summary.index("**Host saturated.** " + TEXT) < summary.index("| Metric |")
    assert html.index('id="host-saturation"') < html.index('id="verdict"')
    assert TEXT in " ".join(html.split())
    assert doc["series"]["host"][30] == [30, 22, 100.0]


@pytest.mark.parametrize("with_host", [True, False])
def test_spare_cores_or_no_samples_say_nothing(tmp_path: Path, with_host: bool) -> None:
    doc, summary, html = _build(tmp_path, herd=False, with_host=with_host)
    assert doc["host_saturation"] is None
    assert (doc["host"] is not None) is with_host
    assert "Host saturated" not in summary and 'id="host-saturation"' not in html
