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
    moments = question_moments(START, 1, [[5, ["a"]], [9, ["b"]]])
    assert [(m.kind, m.in_grace) for m in moments] == [("answer", False), ("answer", False)]


def test_a_flag_before_any_answer_is_only_a_flag_and_grace_marks_flags_too():
    assert [(m.kind, m.keys, m.in_grace) for m in question_moments(START, 1, [[5, [], 1, 0], [5401, [], 0, 1]])] == [
        ("flag", (), False), ("unflag", (), True)]


def test_timeline_orders_events_and_answers_by_time():
    events = [(START, "started", {"minutes": 90}), (START + timedelta(seconds=25), "offline", {}),
              (START + timedelta(seconds=35), "online", {}),
              (START + timedelta(minutes=90), "timed_out", {"by": "page"})]
    timeline = build_timeline(START, events, [(2, [[30, ["d"], 0, 0]]), (1, [[0, ["a"], 0, 0]])])
    assert [(m.kind, m.position) for m in timeline] == [
        ("started", None), ("answer", 1), ("offline", None), ("answer", 2), ("online", None), ("timed_out", None)]
    assert timeline[-1].detail == {"by": "page"}


def test_within_one_second_start_then_page_events_then_answers_by_question_then_the_end():
    # Inside a second the order is the rule's,
    # whatever order the two sources list them in.
    events = [(START + timedelta(milliseconds=200), "offline", {}), (START, "started", {"minutes": 90}),
              (START + timedelta(seconds=40, milliseconds=300), "online", {}),
              (START + timedelta(seconds=40, milliseconds=900), "submitted", {})]
    questions = [(2, [[10, ["c"], 1, 0], [40, ["c"], 0, 0]]), (1, [[0, ["a"], 0, 0], [40, ["b"], 0, 0]])]
    timeline = build_timeline(START, events, questions)
    assert [(int((m.at - START).total_seconds()), m.kind, m.position) for m in timeline] == [
        (0, "started", None), (0, "offline", None), (0, "answer", 1),
        (10, "answer", 2), (10, "flag", 2),
        (40, "online", None), (40, "answer", 1), (40, "unflag", 2), (40, "submitted", None)]


def test_an_answer_in_the_second_the_time_ran_out_comes_before_the_time_out():
    events = [(START, "started", {}), (START + timedelta(minutes=90, milliseconds=500), "timed_out", {"by": "server"})]
    timeline = build_timeline(START, events, [(4, [[5400, ["a"], 0, 1]])])
    assert [(m.kind, m.in_grace) for m in timeline] == [("started", False), ("answer", True), ("timed_out", False)]


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


def test_in_one_second_answers_and_flags_go_by_question_and_events_by_whole_seconds():
    events = [(START, "started", {}), (START + timedelta(seconds=5, milliseconds=500), "offline", {})]
    questions = [(2, [[20, ["b"], 0, 0]]), (1, [[10, ["a"], 0, 0], [20, ["a"], 1, 0]])]
    timeline = build_timeline(START, events, questions)
    assert [(int((m.at - START).total_seconds()), m.kind, m.position) for m in timeline] == [
        (0, "started", None), (5, "offline", None), (10, "answer", 1), (20, "flag", 1), (20, "answer", 2)]
