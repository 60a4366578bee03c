"""The score-trend chart as coordinates for a server-rendered SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 600, 240, 44, 16, 16, 32


@dataclass(frozen=True)
class TrendPoint:
    """One finished attempt on the chart."""

    x: float
    y: float
    label: str
    percent: float
    passed: bool


@dataclass(frozen=True)
class TrendChart:
    """Everything the SVG template draws."""

    width: int
    height: int
    points: list[TrendPoint]
    pass_y: float
    gridlines: list[tuple[float, int]]
    polyline: str


def _y(percent: float) -> float:
    return PAD_TOP + (100 - percent) / 100 * (HEIGHT - PAD_TOP - PAD_BOTTOM)


def trend_chart(scores: Sequence[tuple[str, float, bool]], pass_percent: int) -> TrendChart:
    """Lay out `(label, percent, passed)` scores, oldest first, on a 0-100 axis."""
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    step = span / (len(scores) - 1) if len(scores) > 1 else 0
    points = [
        TrendPoint(round(PAD_LEFT + (i * step if len(scores) > 1 else span / 2), 1),
                   round(_y(percent), 1), label, percent, passed)
        for i, (label, percent, passed) in enumerate(scores)
    ]
    return TrendChart(
        width=WIDTH, height=HEIGHT, points=points, pass_y=round(_y(pass_percent), 1),
        gridlines=[(round(_y(v), 1), v) for v in (0, 25, 50, 75, 100)],
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
    )
