"""A tiny SVG line-chart maker: axes, ticks, polylines, markers, legend, linear or log axes.

Pure: a `Chart` in, an `<svg>` string out. No scripts, no fonts, no external references, so the
report stays one self-contained file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

Point = tuple[float, float]
Style = Literal["line", "step", "markers"]

MONOLITH_COLOR = "#1f6fb2"
LAMBDA_COLOR = "#e07b00"
ACCENT_COLOR = "#c0392b"
MUTED_COLOR = "#6b7280"


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point]
    color: str
    style: Style = "line"
    dashed: bool = False


@dataclass(frozen=True)
class Rule:
    """A labelled vertical (`axis="x"`) or horizontal (`axis="y"`) reference line."""

    value: float
    label: str
    axis: Literal["x", "y"] = "x"
    color: str = MUTED_COLOR


@dataclass(frozen=True)
class Chart:
    x_label: str
    y_label: str
    series: Sequence[Series]
    rules: Sequence[Rule] = field(default_factory=tuple)
    x_log: bool = False
    y_log: bool = False
    y_min: float | None = None  # force the y axis to start here (e.g. 0)
    width: int = 760
    height: int = 320


MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 12, 44
LEGEND_ROW = 18


def fmt_tick(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10_000:
        return f"{value / 1000:g}k"
    if magnitude >= 1:
        return f"{value:g}"
    return f"{value:.3g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round-numbered ticks (1, 2, 5 x 10^n steps) covering lo..hi."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(lo / step), math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Decades covering lo..hi (lo > 0), with 2 and 5 added when there are few decades.

    At least one decade: values that are all one power of ten (100, 100) would otherwise give
    an axis from 100 to 100, and a scale that divides by its zero length.
    """
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    last = max(last, first + 1)
    decades = [10.0**e for e in range(first, last + 1)]
    if last - first <= 2:
        return sorted(d * m for d in decades for m in (1, 2, 5) if d * m <= 10.0**last)
    return decades


@dataclass(frozen=True)
class Scale:
    lo: float
    hi: float
    log: bool

    def fraction(self, value: float) -> float:
        if self.log:
            value = max(value, self.lo)
            return (math.log10(value) - math.log10(self.lo)) / (
                math.log10(self.hi) - math.log10(self.lo)
            )
        return (value - self.lo) / (self.hi - self.lo)


def _scale(
    values: Sequence[float], log: bool, forced_min: float | None
) -> tuple[Scale, list[float]]:
    if log:
        positive = [v for v in values if v > 0] or [1.0]
        ticks = log_ticks(min(positive), max(positive))
        return Scale(ticks[0], ticks[-1], True), ticks
    lo = min(values, default=0.0) if forced_min is None else forced_min
    hi = max(values, default=1.0)
    ticks = nice_ticks(lo, hi)
    return Scale(ticks[0], ticks[-1], False), ticks


def _step(points: Sequence[Point]) -> list[Point]:
    out: list[Point] = []
    for index, (px, py) in enumerate(points):
        if index:
            out.append((px, out[-1][1]))
        out.append((px, py))
    return out


def _series_svg(s: Series, pixels: list[Point]) -> str:
    if s.style == "markers":
        d = " ".join(f"M{px:.1f},{py - 5:.1f}l4.5,8h-9z" for px, py in pixels)
        return f'<path class="markers" d="{d}" fill="{s.color}" stroke="none"/>'
    if s.style == "step":
        pixels = _step(pixels)
    dash = ' stroke-dasharray="6 4"' if s.dashed else ""
    points = " ".join(f"{px:.1f},{py:.1f}" for px, py in pixels)
    return (
        f'<polyline points="{points}" fill="none" stroke="{s.color}" '
        f'stroke-width="1.8" stroke-linejoin="round"{dash}/>'
    )


def _legend(series: Sequence[Series], left: float, right: float) -> tuple[list[str], int]:
    """Legend entries laid out left to right, wrapping; returns the SVG parts and row count."""
    parts: list[str] = []
    x, row = left, 0
    for s in series:
        width = 6.5 * len(s.label) + 34
        if x + width > right and x > left:
            x, row = left, row + 1
        y = 14 + row * LEGEND_ROW
        if s.style == "markers":
            swatch = f'<path d="M{x + 9:.1f},{y - 9}l4.5,8h-9z" fill="{s.color}"/>'
        else:
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            swatch = (
                f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x + 18:.1f}" y2="{y - 4}" '
                f'stroke="{s.color}" stroke-width="2"{dash}/>'
            )
        parts.append(f'{swatch}<text x="{x + 22:.1f}" y="{y}">{escape(s.label)}</text>')
        x += width
    return parts, row + 1 if series else 0


def render_chart(chart: Chart) -> str:
    """The chart as one `<svg>` element (with a viewBox, so CSS can scale it)."""
    right = chart.width - MARGIN_RIGHT
    legend, rows = _legend(chart.series, MARGIN_LEFT, right)
    top = MARGIN_TOP + rows * LEGEND_ROW
    height = chart.height + rows * LEGEND_ROW
    w = right - MARGIN_LEFT
    h = chart.height - MARGIN_TOP - MARGIN_BOTTOM
    bottom = top + h
    # Points and rules at NaN or infinity (a metric of a run that recorded nothing) are left
    # out: there is nowhere to draw them, and they would poison the axes' ranges.
    drawn = [
        (s, [(a, b) for a, b in s.points if math.isfinite(a) and math.isfinite(b)])
        for s in chart.series
    ]
    rules = [r for r in chart.rules if math.isfinite(r.value)]
    xs = [a for _, points in drawn for a, _ in points]
    ys = [b for _, points in drawn for _, b in points]
    xs += [r.value for r in rules if r.axis == "x"]
    ys += [r.value for r in rules if r.axis == "y"]
    x, x_ticks = _scale(xs, chart.x_log, None)
    y, y_ticks = _scale(ys, chart.y_log, chart.y_min)

    def px(value: float) -> float:
        return MARGIN_LEFT + x.fraction(value) * w

    def py(value: float) -> float:
        return top + (1 - y.fraction(value)) * h

    out = [
        f'<svg viewBox="0 0 {chart.width} {height}" width="{chart.width}" height="{height}" '
        'role="img" class="chart" font-size="11" font-family="sans-serif">',
        f'<g class="legend">{"".join(legend)}</g>',
        f'<rect x="{MARGIN_LEFT}" y="{top}" width="{w}" height="{h}" fill="#fff" '
        'stroke="#d1d5db"/>',
    ]
    for tick in x_ticks:
        out.append(
            f'<line x1="{px(tick):.1f}" y1="{top}" x2="{px(tick):.1f}" y2="{bottom}" '
            'stroke="#eef0f3"/>'
        )
        out.append(
            f'<text x="{px(tick):.1f}" y="{bottom + 15}" text-anchor="middle">'
            f"{escape(fmt_tick(tick))}</text>"
        )
    for tick in y_ticks:
        out.append(
            f'<line x1="{MARGIN_LEFT}" y1="{py(tick):.1f}" x2="{right}" '
            f'y2="{py(tick):.1f}" stroke="#eef0f3"/>'
        )
        out.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{py(tick) + 4:.1f}" text-anchor="end">'
            f"{escape(fmt_tick(tick))}</text>"
        )
    out.append(
        f'<text x="{MARGIN_LEFT + w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
        f'class="axis-label">{escape(chart.x_label)}</text>'
    )
    out.append(
        f'<text transform="translate(14 {top + h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" class="axis-label">{escape(chart.y_label)}</text>'
    )
    for rule in rules:
        if rule.axis == "x":
            out.append(
                f'<line class="rule" x1="{px(rule.value):.1f}" y1="{top}" '
                f'x2="{px(rule.value):.1f}" y2="{bottom}" stroke="{rule.color}" '
                'stroke-dasharray="3 3"/>'
            )
            out.append(
                f'<text x="{px(rule.value) + 4:.1f}" y="{top + 12}" '
                f'fill="{rule.color}">{escape(rule.label)}</text>'
            )
        else:
            out.append(
                f'<line class="rule" x1="{MARGIN_LEFT}" y1="{py(rule.value):.1f}" '
                f'x2="{right}" y2="{py(rule.value):.1f}" stroke="{rule.color}" '
                'stroke-dasharray="3 3"/>'
            )
            out.append(
                f'<text x="{MARGIN_LEFT + 4}" y="{py(rule.value) - 4:.1f}" '
                f'fill="{rule.color}">{escape(rule.label)}</text>'
            )
    for s, points in drawn:
        if points:
            out.append(_series_svg(s, [(px(a), py(b)) for a, b in points]))
    if not any(points for _, points in drawn):
        out.append(
            f'<text x="{MARGIN_LEFT + w / 2:.1f}" y="{top + h / 2:.1f}" '
            'text-anchor="middle" class="no-data">no data recorded</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
