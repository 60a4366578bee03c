"""Pacing rules on hand-made times."""

from __future__ import annotations

from quizapp.measure.pacing import (Pace, behind_stretches, budget_seconds, pace_now, pacing_chart,
                                    target_seconds)

NINETY = 90 * 60


def test_target_leaves_ten_minutes_for_review():
    assert budget_seconds(NINETY) == 80 * 60
    assert target_seconds(50, 50, NINETY) == 80 * 60
    assert target_seconds(1, 50, NINETY) == 96
    # A 15-minute exam still gives its questions at least half the time.
    assert budget_seconds(15 * 60) == 450


def test_on_pace_while_inside_the_current_questions_share():
    assert pace_now(elapsed_seconds=0, answered=0, length=50, duration_seconds=NINETY).on_pace
    # 3 answered after 4 minutes: question 4 is due at 384 s.
    assert pace_now(240, 3, 50, NINETY) == Pace(0)
    assert pace_now(384 + 59, 3, 50, NINETY).on_pace


def test_minutes_behind():
    # 10 answered after 22 minutes: question 11 was due at 1,056 s; 1,320 - 1,056 = 264 s.
    now = pace_now(22 * 60, 10, 50, NINETY)
    assert (now.behind_seconds, now.behind_minutes, now.on_pace) == (264, 4, False)


def test_all_answered_compares_with_the_end_of_the_budget():
    assert pace_now(85 * 60, 50, 50, NINETY).behind_minutes == 5


def test_behind_stretches_and_where_the_learner_fell_behind():
    # 10 questions in 90 minutes: 480 s each on target.
    seconds = [400] * 5 + [700] * 5
    # Cumulative 2000 at 5 (target 2400), 2700 at 6 (2880), 3400 at 7 (3360: 40 s over,
    # within the slack), 4100 at 8 (3840: 260 s over) and behind to the end.
    assert behind_stretches(seconds, NINETY) == [(8, 10)]
    chart = pacing_chart(seconds, NINETY)
    assert chart.behind_from == 8


def test_caught_up_is_not_behind_from():
    seconds = [600, 600, 100, 100, 480, 480]
    # Target 800 s each (6 questions in 4,800 s): 600 < 800, 1200 < 1600. Never behind.
    assert behind_stretches(seconds, NINETY) == []
    slow_start = [1000, 1000, 100, 100, 100, 100]
    chart = pacing_chart(slow_start, NINETY)
    assert chart.stretches == [(1, 2)] and chart.behind_from is None


def test_chart_layout():
    chart = pacing_chart([60] * 50, NINETY)
    assert len(chart.points) == 50
    x1, y1, x2, y2 = chart.target
    assert (x1, y1) == (44.0, 208.0) and x2 == 584.0
    # The target ends at 80 of 90 minutes: 8/9 of the way up.
    assert y2 == round(16 + 192 * (1 - 80 / 90), 1)
    assert chart.polyline.startswith("44.0,208.0 ")
    assert [m for _, m in chart.gridlines][:2] == [0, 15]
    assert [p for _, p in chart.xticks] == [10, 20, 30, 40, 50]


def test_empty_attempt_chart():
    chart = pacing_chart([], NINETY)
    assert chart.points == [] and chart.behind_from is None
