"""Scoring as a table."""

import pytest

from quizapp.exam.scoring import is_correct, score


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
