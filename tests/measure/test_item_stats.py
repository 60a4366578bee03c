"""Item statistics on a small data set computed by hand."""

from __future__ import annotations

import math

import pytest

from quizapp.measure.item_stats import Response, answer_changed, item_statistics, review_reasons

CHOICES = ("a", "b", "c", "d")

# Four finished attempts, three items (key b for each). Right (1) or wrong (0):
#            X  Y  Z   total
#   A1       1  1  0   2
#   A2       1  0  1   2
#   A3       0  0  0   0
#   A4       1  1  1   3
GRID = {"A1": (1, 1, 0), "A2": (1, 0, 1), "A3": (0, 0, 0), "A4": (1, 1, 1)}
SECONDS_X = {"A1": 30, "A2": 50, "A3": 70, "A4": 50}


def data() -> list[Response]:
    responses = []
    for attempt, marks in GRID.items():
        for item, right in zip("XYZ", marks):
            selected = ("b",) if right else (("a",) if item == "X" else ("c",))
            if attempt == "A3" and item == "Z":
                selected = ()  # left unanswered: still a response, and wrong
            responses.append(Response(
                item_id=item, attempt_id=attempt, correct=bool(right), selected=selected, choices=CHOICES,
                seconds=SECONDS_X[attempt] if item == "X" else 20,
                flagged=(attempt == "A3" and item == "X"), changed=(attempt == "A3" and item == "X")))
    return responses


def by_id():
    return {s.item_id: s for s in item_statistics(data())}


def test_responses_and_facility():
    stats = by_id()
    assert [stats[i].responses for i in "XYZ"] == [4, 4, 4]
    assert [stats[i].facility for i in "XYZ"] == [0.75, 0.5, 0.5]


def test_discrimination_is_point_biserial_against_the_rest_of_the_score():
    stats = by_id()
    # X: right 1,1,0,1; rest of score 1,1,0,2. cov = 1 - 0.75*1 = 0.25; var x = 0.1875;
    # var rest = 1.5 - 1 = 0.5; r = 0.25 / sqrt(0.1875 * 0.5) = 0.8165.
    assert stats["X"].discrimination == pytest.approx(0.25 / math.sqrt(0.1875 * 0.5))
    assert stats["X"].discrimination == pytest.approx(0.8165, abs=1e-4)
    # Y: right 1,0,0,1; rest 1,2,0,2. cov = 0.75 - 0.5*1.25 = 0.125; var rest = 2.25 - 1.5625.
    assert stats["Y"].discrimination == pytest.approx(0.125 / math.sqrt(0.25 * 0.6875))
    assert stats["Y"].discrimination == pytest.approx(0.3015, abs=1e-4)
    # Z: right 0,1,0,1; rest 2,1,0,2: the same figures as Y.
    assert stats["Z"].discrimination == pytest.approx(0.3015, abs=1e-4)


def test_choice_rates_time_flags_and_changes():
    x, z = by_id()["X"], by_id()["Z"]
    assert x.choice_rates == {"a": 0.25, "b": 0.75, "c": 0.0, "d": 0.0}
    # One of Z's four responses was left unanswered: the rates do not sum to 1.
    assert z.choice_rates == {"a": 0.0, "b": 0.5, "c": 0.25, "d": 0.0}
    assert (x.mean_seconds, x.flag_rate, x.changed_rate) == (50.0, 0.25, 0.25)
    assert (z.mean_seconds, z.flag_rate, z.changed_rate) == (20.0, 0.0, 0.0)


def test_no_discrimination_when_everyone_answers_alike():
    responses = [Response("Q", f"A{i}", True, ("b",), CHOICES, 10, False, False) for i in range(5)]
    responses += [Response("R", f"A{i}", i % 2 == 0, ("b",), CHOICES, 10, False, False) for i in range(5)]
    stats = {s.item_id: s for s in item_statistics(responses)}
    assert stats["Q"].discrimination is None and stats["Q"].facility == 1.0


def test_small_item_is_never_marked():
    assert review_reasons(29, 0.05, -0.5) == []
    assert by_id()["X"].review == []


@pytest.mark.parametrize("facility, discrimination, words", [
    (0.19, 0.4, ["facility 0.19 under 0.20"]),
    (0.96, 0.4, ["facility 0.96 over 0.95"]),
    (0.5, 0.09, ["discrimination 0.09 under 0.10"]),
    (0.1, 0.0, ["facility 0.10 under 0.20", "discrimination 0.00 under 0.10"]),
    (0.2, 0.1, []),
    (0.95, None, []),
])
def test_review_marks_and_says_why(facility, discrimination, words):
    reasons = review_reasons(30, facility, discrimination)
    assert len(reasons) == len(words)
    for reason, start in zip(reasons, words):
        assert reason.startswith(start)


def test_a_choose_two_is_given_only_with_two_picks():
    assert not answer_changed([["a"], ["a", "c"]], choose=2)
    assert answer_changed([["a", "b"], ["a", "c"]], choose=2)
    assert answer_changed([["a"], ["b"]], choose=1)
    assert not answer_changed([["a"], [], ["a"]], choose=1)
    assert not answer_changed([], choose=1)


def test_empty():
    assert item_statistics([]) == []
