"""Render details that the synthetic run does not reach: the crossover on the cost plot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from loadtests.cost import CostInputs, compare_costs, load_prices
from loadtests.report.build import gather
from loadtests.report.raw import read_raw
from loadtests.report.render import figures, render_html
from tests.loadtests.report.synthetic import write_synthetic


def test_cost_plot_marks_the_crossover(tmp_path: Path) -> None:
    report = gather(read_raw(write_synthetic(tmp_path / "run")))
    cost = compare_costs(
        load_prices(),
        CostInputs(
            memory_mb=512,
            architecture="x86_64",
            mean_billed_ms=120.0,
            measured_rps_monolith_capacity=400.0,
            observed_rps=10.0,
        ),
    )
    assert cost.crossover_rps is not None
    report = replace(report, cost=cost)
    [figure] = [f for f in figures(report) if f.plot == "cost-vs-traffic"]
    assert "crossover ~" in figure.svg and "observed 10 req/s" in figure.svg
    assert figure.svg.count("<polyline") == 2
    html = render_html(report)
    assert "Lambda costs more above ~" in html
