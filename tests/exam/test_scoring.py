"""Scoring as a table."""

import pytest

from quizapp.exam.scoring import DomainScore, Score, is_correct, score


@pytest.mark.parametrize("selected, answer, expected", [
    (["b"], ["b"], True),
    (["a"], ["b"], False),
    ([], ["b"], False),
    (["a", "c"], ["a", "c"], True),
    (["c", "a"], ["a", "c"], True),
    (["a"], ["a", "c"], False),          # half of a "choose two" scores nothing
    (["a", "c", "d"], ["a", "c"], False),
    (["a", "d"], ["a", "c"], False),
])
def test_exact_set_match(selected, answer, expected):
    assert is_correct(selected, answer) is expected


@pytest.mark.parametrize("correct, length, pass_percent, passed", [
    (35, 50, 70, True),    # exactly the pass mark passes
    (34, 50, 70, False),
    (33, 47, 70, True),    # 70.2 %
    (32, 46, 70, False),   # 69.6 %
    (0, 45, 70, False),
    (45, 45, 70, True),
])
def test_pass_at_or_above_the_mark(correct, length, pass_percent, passed):
    items = [("payments", ["a"], ["a"])] * correct + [("payments", [], ["a"])] * (length - correct)
    result = score(items, pass_percent)
    assert result.passed is passed
    assert result.percent == pytest.approx(100 * correct / length)


def test_domains_weakest_first_with_counts():
    items = [("payments", ["a"], ["a"]), ("payments", ["b"], ["a"]),
             ("connect", ["a"], ["a"]), ("billing", [], ["a"])]
    result = score(items, 70, ["payments", "connect", "billing", "radar"])
    assert [(d.domain, d.correct, d.total) for d in result.domains] == [
        ("billing", 0, 1), ("payments", 1, 2), ("connect", 1, 1)]
    assert result.correct == 2 and result.length == 4


def test_every_right_answer_in_a_domain_counts_and_sets_its_percent():
    items = ([("payments", ["a"], ["a"])] * 3 + [("payments", ["b"], ["a"])]
             + [("connect", ["c", "a"], ["a", "c"])] * 2 + [("connect", ["a"], ["a", "c"])] * 3)
    result = score(items, 70, ["payments", "connect"])
    assert [(d.domain, d.correct, d.total, d.percent) for d in result.domains] == [
        ("connect", 2, 5, 40.0), ("payments", 3, 4, 75.0)]
    assert result.correct == 5 and result.length == 9
    assert result.percent == pytest.approx(500 / 9) and result.passed is False


def test_domains_with_the_same_percent_keep_the_track_order():
    items = [("connect", ["a"], ["a"]), ("connect", [], ["a"]),
             ("payments", ["b"], ["a"]), ("payments", ["a"], ["a"]),
             ("extra", ["a"], ["a"]), ("extra", ["b"], ["a"])]
    result = score(items, 70, ["payments", "connect"])
    # All at 50 %: the track's order, then domains the track does not list, as met.
    assert [d.domain for d in result.domains] == ["payments", "connect", "extra"]
    assert [d.percent for d in result.domains] == [50.0, 50.0, 50.0]


def test_an_empty_exam_or_domain_scores_zero_not_a_division_error():
    empty = score([], 70, ["payments"])
    assert empty.percent == 0.0 and empty.domains == [] and empty.length == 0
    assert DomainScore("payments").percent == 0.0
    assert Score(correct=0, length=0, pass_percent=70).percent == 0.0
