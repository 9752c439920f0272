"""The SVG plotting helper: ticks, scales, polylines, markers, legend, empty charts."""

from __future__ import annotations

from loadtests.report.svg import Chart, Rule, Series, fmt_tick, log_ticks, nice_ticks, render_chart


def test_nice_ticks_cover_the_range() -> None:
    assert nice_ticks(0, 99) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(5, 5) == [5, 5.2, 5.4, 5.6, 5.8, 6.0]


def test_log_ticks() -> None:
    assert log_ticks(0.1, 10_000) == [0.1, 1, 10, 100, 1000, 10_000]
    assert log_ticks(1.2, 40) == [1, 2, 5, 10, 20, 50, 100]
    assert fmt_tick(10_000) == "10k" and fmt_tick(0.25) == "0.25" and fmt_tick(0) == "0"


def test_chart_draws_lines_markers_rules_and_legend() -> None:
    svg = render_chart(
        Chart(
            "x",
            "y <ms>",
            [
                Series("a & b", [(1, 1), (10, 100)], "#000"),
                Series("marks", [(5, 50)], "#f00", style="markers"),
                Series("steps", [(1, 2), (2, 3)], "#0f0", style="step", dashed=True),
            ],
            rules=[Rule(3, "crossover"), Rule(60, "limit", "y")],
            x_log=True,
            y_log=True,
        )
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2 and '<path class="markers"' in svg
    assert "a &amp; b" in svg and "y &lt;ms&gt;" in svg
    assert svg.count('class="rule"') == 2 and 'stroke-dasharray="6 4"' in svg
    assert "http" not in svg


def test_empty_chart_says_so() -> None:
    svg = render_chart(Chart("x", "y", [Series("a", [], "#000")]))
    assert "no data recorded" in svg and "<polyline" not in svg


def test_log_axis_ignores_non_positive_values() -> None:
    svg = render_chart(
        Chart("x", "y", [Series("a", [(0, 0), (1, 10), (2, 100)], "#000")], y_log=True)
    )
    assert "<polyline" in svg and "nan" not in svg
