"""The SVG plotting helper: ticks, scales, polylines, markers, legend, empty and degenerate
charts (one decade, nothing positive on a log axis, NaN, infinities)."""

from __future__ import annotations

import math
import re

from loadtests.report.svg import (
    LEGEND_ROW,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    Chart,
    Rule,
    Series,
    fmt_tick,
    log_ticks,
    nice_ticks,
    render_chart,
)


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


def _numbers(svg: str) -> list[float]:
    """Every coordinate and tick label the SVG holds, as floats (all must be finite)."""
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", svg)]


def _polyline(svg: str) -> list[tuple[float, float]]:
    match = re.search(r'<polyline points="([^"]+)"', svg)
    assert match
    return [(float(x), float(y)) for x, y in (p.split(",") for p in match.group(1).split())]


def test_log_axis_with_every_value_one_power_of_ten() -> None:
    """100, 100: one tick would make a zero-length axis (it raised ZeroDivisionError)."""
    svg = render_chart(Chart("x", "y", [Series("a", [(1, 100), (2, 100)], "#000")], y_log=True))
    assert log_ticks(100, 100) == [100, 200, 500, 1000]
    # the axis runs from 100 to 1,000: both points sit on its bottom edge
    top = MARGIN_TOP + LEGEND_ROW  # below one legend row
    bottom = top + 320 - MARGIN_TOP - MARGIN_BOTTOM  # the default height of 320
    assert [y for _, y in _polyline(svg)] == [bottom, bottom]
    assert ">1000</text>" in svg and "nan" not in svg


def test_log_axes_with_nothing_positive_or_nothing_at_all() -> None:
    """A comparison that recorded nothing: zeros on a log axis, or no points at all."""
    zeros = render_chart(Chart("x", "y", [Series("a", [(1, 0), (2, 0)], "#000")], y_log=True))
    assert "<polyline" in zeros and "nan" not in zeros
    assert log_ticks(1, 1) == [1, 2, 5, 10]
    empty = render_chart(Chart("x", "y", [Series("a", [], "#000")], x_log=True, y_log=True))
    assert "no data recorded" in empty and "<polyline" not in empty
    assert ">10</text>" in empty  # both axes fall back to 1..10


def test_nan_and_infinite_values_are_left_out() -> None:
    nan, inf = float("nan"), float("inf")
    points = [(1, 10), (2, nan), (3, inf), (inf, 5), (4, 40)]
    for y_log in (False, True):
        svg = render_chart(
            Chart("x", "y", [Series("a", points, "#000")], rules=[Rule(nan, "x")], y_log=y_log)
        )
        assert len(_polyline(svg)) == 2  # (1, 10) and (4, 40)
        assert "nan" not in svg.lower() and "inf" not in svg.lower()
        assert all(math.isfinite(n) for n in _numbers(svg))
        assert 'class="rule"' not in svg
    only_nan = render_chart(Chart("x", "y", [Series("a", [(nan, nan)], "#000")], y_log=True))
    assert "no data recorded" in only_nan
