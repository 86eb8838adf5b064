"""Geometry of the portal's charts, drawn by the template as inline SVG.

No JavaScript and no CDN: the server works out where every line, bar and label goes,
and the page carries the figures in a table beside the chart as well, so the chart is
never the only way to read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 680
LINE_HEIGHT = 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 20, 16, 44
BAR_ROW, BAR_LABEL_WIDTH, BAR_VALUE_SPACE = 30, 230, 150
X_LABELS = 6


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value`` (at least 10), for the axis."""
    if value <= 10:
        return 10
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


@dataclass
class LineChart:
    """A time series: runs of published values as lines, suppressed periods as markers."""

    width: int
    height: int
    baseline: float
    left: float
    right: float
    segments: list[str] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    suppressed: list[float] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)


def line_chart(series: list[tuple[str, int | None]]) -> LineChart | None:
    """Lay out (period, value or None when suppressed) pairs in order; None if empty."""
    if not series:
        return None
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = LINE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = nice_ceiling(max((v for _, v in series if v is not None), default=0))
    baseline = MARGIN_TOP + plot_height
    chart = LineChart(WIDTH, LINE_HEIGHT, baseline, MARGIN_LEFT, WIDTH - MARGIN_RIGHT)
    count = len(series)

    def x_at(index: int) -> float:
        if count == 1:
            return MARGIN_LEFT + plot_width / 2
        return MARGIN_LEFT + plot_width * index / (count - 1)

    run: list[str] = []
    for index, (_period, value) in enumerate(series):
        x = round(x_at(index), 1)
        if value is None:
            chart.suppressed.append(x)
            if len(run) > 1:
                chart.segments.append(" ".join(run))
            run = []
            continue
        y = round(MARGIN_TOP + plot_height * (1 - value / top), 1)
        chart.points.append((x, y))
        run.append(f"{x},{y}")
    if len(run) > 1:
        chart.segments.append(" ".join(run))
    chart.y_ticks = [(round(MARGIN_TOP + plot_height * (1 - i / 4), 1), top * i // 4)
                     for i in range(5)]
    step = max(1, math.ceil(count / X_LABELS))
    shown = list(range(0, count, step))
    if shown[-1] != count - 1:
        shown[-1] = count - 1  # always name the latest period
    chart.x_labels = [(round(x_at(i), 1), series[i][0],
                       "middle" if count == 1 else "start" if i == 0 else
                       "end" if i == count - 1 else "middle") for i in shown]
    return chart


@dataclass
class Bar:
    """One category's bar, or its suppression note."""

    label: str
    y: float
    width: float
    value: int | None
    note: str


@dataclass
class BarChart:
    """Horizontal bars, one per category of a breakdown."""

    width: int
    height: int
    label_width: int
    bars: list[Bar]


def bar_chart(rows: list[tuple[str, int | None, str]]) -> BarChart | None:
    """Lay out (category name, value or None, note for a suppressed bar); None if empty."""
    if not rows:
        return None
    span = WIDTH - BAR_LABEL_WIDTH - BAR_VALUE_SPACE
    top = nice_ceiling(max((v for _, v, _ in rows if v is not None), default=0))
    bars = [Bar(label, 8 + i * BAR_ROW, 0 if value is None else round(span * value / top, 1),
                value, note) for i, (label, value, note) in enumerate(rows)]
    return BarChart(WIDTH, 16 + len(rows) * BAR_ROW, BAR_LABEL_WIDTH, bars)
