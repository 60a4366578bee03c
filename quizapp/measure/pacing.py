"""Pacing: is the learner on pace now, and where did they fall behind?

The target spends the exam's time evenly over its questions and leaves REVIEW_SECONDS at the
end for going back over flagged ones. Plain Python: times in seconds are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

REVIEW_SECONDS = 10 * 60
# Less than a minute over the target is noise, not a reason to hurry.
SLACK_SECONDS = 60
WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 600, 240, 44, 16, 16, 32


def budget_seconds(duration_seconds: int) -> int:
    """The time the target spreads over the questions (never under half the exam)."""
    return max(duration_seconds - REVIEW_SECONDS, duration_seconds // 2)


def target_seconds(position: int, length: int, duration_seconds: int) -> float:
    """When, on the target, question `position` should be done."""
    return budget_seconds(duration_seconds) * position / length if length else 0.0


@dataclass(frozen=True)
class Pace:
    """How far behind the target the learner is now (0 when on pace or ahead)."""

    behind_seconds: int

    @property
    def on_pace(self) -> bool:
        """Less than SLACK_SECONDS behind."""
        return self.behind_seconds < SLACK_SECONDS

    @property
    def behind_minutes(self) -> int:
        """Whole minutes behind, as the pace line says it."""
        return self.behind_seconds // 60


def pace_now(elapsed_seconds: int, answered: int, length: int, duration_seconds: int) -> Pace:
    """Pace from the server's elapsed time and the questions answered so far.

    The question being worked on gets its share too: having answered 3 questions
    after 4 minutes of a 96-seconds-a-question target is on pace.
    """
    due = target_seconds(min(answered + 1, length), length, duration_seconds)
    return Pace(max(0, int(elapsed_seconds - due)))


@dataclass(frozen=True)
class PacingChart:
    """Cumulative time against position, with the target, laid out for an SVG."""

    width: int
    height: int
    points: list[tuple[float, float, int, int]]  # x, y, position, cumulative seconds
    polyline: str
    target: tuple[float, float, float, float]    # x1, y1, x2, y2
    gridlines: list[tuple[float, int]]           # y, minutes
    xticks: list[tuple[float, int]]              # x, position
    stretches: list[tuple[int, int]]             # (first, last) positions behind
    behind_from: int | None                      # start of the stretch that lasted to the end


def behind_stretches(seconds: Sequence[int], duration_seconds: int) -> list[tuple[int, int]]:
    """Runs of positions where cumulative time was SLACK_SECONDS or more over the target."""
    stretches: list[tuple[int, int]] = []
    total, start = 0, None
    length = len(seconds)
    for position, spent in enumerate(seconds, start=1):
        total += spent
        behind = total - target_seconds(position, length, duration_seconds) >= SLACK_SECONDS
        if behind and start is None:
            start = position
        if not behind and start is not None:
            stretches.append((start, position - 1))
            start = None
    if start is not None:
        stretches.append((start, length))
    return stretches


def pacing_chart(seconds: Sequence[int], duration_seconds: int) -> PacingChart:
    """Lay out the time spent on each question, in position order, against the target.

    Time on a question counts every visit to it, and the chart adds it up in position
    order: close to the real course of an exam taken front to back, which most are.
    """
    length = len(seconds)
    span_x = WIDTH - PAD_LEFT - PAD_RIGHT
    span_y = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = max(duration_seconds, sum(seconds), 1)

    def x(position: float) -> float:
        return round(PAD_LEFT + span_x * position / max(length, 1), 1)

    def y(value: float) -> float:
        return round(PAD_TOP + span_y * (1 - value / top), 1)

    points, total = [], 0
    for position, spent in enumerate(seconds, start=1):
        total += spent
        points.append((x(position), y(total), position, total))
    stretches = behind_stretches(seconds, duration_seconds)
    step = max(1, (top // 60) // 6 // 15 * 15) if top >= 60 * 30 else 5
    minutes = list(range(0, top // 60 + 1, step))
    tick = 10 if length > 20 else 5
    return PacingChart(
        width=WIDTH, height=HEIGHT, points=points,
        polyline=" ".join(f"{px},{py}" for px, py, *_ in [(x(0), y(0))] + points),
        target=(x(0), y(0), x(length), y(target_seconds(length, length, duration_seconds))),
        gridlines=[(y(m * 60), m) for m in minutes],
        xticks=[(x(p), p) for p in range(tick, length + 1, tick)] if length else [],
        stretches=stretches,
        behind_from=stretches[-1][0] if stretches and stretches[-1][1] == length else None,
    )
