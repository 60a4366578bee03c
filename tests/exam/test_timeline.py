"""The timeline merges question changes and attempt events in server time."""

from datetime import datetime, timedelta, timezone

from quizapp.exam.timeline import build_timeline, question_moments

START = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def test_answer_flag_and_grace_moments_of_one_question():
    changes = [[10, ["a"], 0, 0], [20, ["a"], 1, 0], [30, ["b"], 1, 0], [40, ["b"], 0, 0], [5410, ["c"], 0, 1]]
    moments = question_moments(START, 3, changes)
    assert [(m.kind, int((m.at - START).total_seconds()), m.keys, m.in_grace) for m in moments] == [
        ("answer", 10, ("a",), False), ("flag", 20, ("a",), False), ("answer", 30, ("b",), False),
        ("unflag", 40, ("b",), False), ("answer", 5410, ("c",), True)]
    assert all(m.position == 3 for m in moments)


def test_old_entries_without_a_flag_are_answers():
    assert [m.kind for m in question_moments(START, 1, [[5, ["a"]], [9, ["b"]]])] == ["answer", "answer"]


def test_timeline_orders_events_and_answers_by_time():
    events = [(START, "started", {"minutes": 90}), (START + timedelta(seconds=25), "offline", {}),
              (START + timedelta(seconds=35), "online", {}),
              (START + timedelta(minutes=90), "timed_out", {"by": "page"})]
    timeline = build_timeline(START, events, [(2, [[30, ["d"], 0, 0]]), (1, [[0, ["a"], 0, 0]])])
    assert [(m.kind, m.position) for m in timeline] == [
        ("started", None), ("answer", 1), ("offline", None), ("answer", 2), ("online", None), ("timed_out", None)]
    assert timeline[-1].detail == {"by": "page"}


def test_an_answer_saved_just_after_an_event_stays_after_it():
    # The attempt started at .9 of a second; the page reported the connection
    # back at 5.0 s past the minute and the answer was saved at 5.5 s, which
    # the save logs as int(4.6) = 4 seconds since the start. Cut to whole
    # clock seconds instead, the answer (9:00:04) went before the event (9:00:05).
    start = START + timedelta(milliseconds=900)
    events = [(start, "started", {"minutes": 90}), (START + timedelta(seconds=5), "online", {})]
    timeline = build_timeline(start, events, [(3, [[4, ["d"], 0, 0]])])
    assert [m.kind for m in timeline] == ["started", "online", "answer"]
    assert [m.at for m in timeline] == sorted(m.at for m in timeline)
    assert [int((m.at - start).total_seconds()) for m in timeline] == [0, 4, 4]
