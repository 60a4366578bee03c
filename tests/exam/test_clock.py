"""The clock as plain functions, with time fixed."""

from datetime import datetime, timedelta, timezone

from quizapp.exam import clock

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
DEADLINE = clock.deadline_for(START, 90)


def test_deadline_is_start_plus_duration():
    assert DEADLINE == datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)


def test_remaining_counts_down_and_stops_at_zero():
    assert clock.remaining_seconds(DEADLINE, START) == 90 * 60
    assert clock.remaining_seconds(DEADLINE, DEADLINE - timedelta(milliseconds=200)) == 1
    assert clock.remaining_seconds(DEADLINE, DEADLINE) == 0
    assert clock.remaining_seconds(DEADLINE, DEADLINE + timedelta(hours=1)) == 0


def test_saves_accepted_exactly_at_deadline_and_inside_grace():
    assert clock.accepts_saves(DEADLINE, DEADLINE, 30)
    assert clock.accepts_saves(DEADLINE, DEADLINE + timedelta(seconds=30), 30)
    assert not clock.is_overdue(DEADLINE, DEADLINE + timedelta(seconds=30), 30)


def test_saves_refused_past_grace():
    late = DEADLINE + timedelta(seconds=30, microseconds=1)
    assert not clock.accepts_saves(DEADLINE, late, 30)
    assert clock.is_overdue(DEADLINE, late, 30)


def test_finish_time_is_the_deadline_once_time_ran_out():
    assert clock.finish_time(DEADLINE, DEADLINE - timedelta(minutes=5)) == (DEADLINE - timedelta(minutes=5), False)
    assert clock.finish_time(DEADLINE, DEADLINE) == (DEADLINE, True)
    assert clock.finish_time(DEADLINE, DEADLINE + timedelta(days=2)) == (DEADLINE, True)


def test_time_run_counts_whole_seconds_and_stops_at_the_deadline():
    assert clock.seconds_run(START, DEADLINE, START) == 0
    assert clock.seconds_run(START, DEADLINE, START + timedelta(seconds=61, milliseconds=900)) == 61
    assert clock.seconds_run(START, DEADLINE, DEADLINE) == 90 * 60
    assert clock.seconds_run(START, DEADLINE, DEADLINE + timedelta(hours=3)) == 90 * 60
    # A server clock a little behind the one that started the attempt: never negative.
    assert clock.seconds_run(START, DEADLINE, START - timedelta(seconds=5)) == 0


def test_an_accommodation_lengthens_the_exam_and_never_takes_a_minute_away():
    assert clock.minutes_allowed(90) == 90
    assert clock.minutes_allowed(90, 150) == 135
    assert clock.minutes_allowed(90, 125) == 113            # 112.5 minutes, rounded up
    assert clock.minutes_allowed(90, 100, 15) == 105
    assert clock.minutes_allowed(45, 133, 10) == 70         # 59.85 rounded up, then 10 more
