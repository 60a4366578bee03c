"""Changed answers on "choose N" questions (the review fix of issue 15)."""

from __future__ import annotations

from quizapp.exam.insights import ItemFacts, attempt_insight


def facts(history, answer=("a", "c"), correct=True):
    return ItemFacts(position=1, bank_id="q", flagged=False, is_correct=correct, seconds_spent=30,
                     answer_history=history, answer=answer)


def test_second_tick_of_a_choose_two_is_not_a_change():
    insight = attempt_insight([facts([["a"], ["a", "c"]])])
    assert (insight.wrong_to_right, insight.right_to_wrong, insight.wrong_to_wrong) == (0, 0, 0)


def test_a_real_change_of_a_complete_choose_two_counts():
    insight = attempt_insight([facts([["a"], ["a", "b"], ["a"], ["a", "c"]])])
    assert insight.wrong_to_right == 1


def test_choose_one_is_unchanged_by_the_fix():
    insight = attempt_insight([facts([["a"], ["b"]], answer=("b",))])
    assert insight.wrong_to_right == 1
