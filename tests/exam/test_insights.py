"""Insight: accuracy on flagged and unflagged questions, changed answers, slowest questions."""

import pytest

from quizapp.exam.insights import Insight, ItemFacts, attempt_insight


def item(position, history, answer=("b",), *, flagged=False, seconds=0):
    """A question as the result page sees it: right when the last saved answer is the key."""
    last = history[-1] if history else []
    return ItemFacts(position=position, bank_id=f"q{position}", flagged=flagged,
                     is_correct=bool(last) and set(last) == set(answer), seconds_spent=seconds,
                     answer_history=[list(h) for h in history], answer=list(answer))


def test_flagged_and_unflagged_accuracy_with_counts_and_percents():
    insight = attempt_insight([
        item(1, [["b"]], flagged=True),          # flagged, right
        item(2, [["a"]], flagged=True),          # flagged, wrong
        item(3, [["b"]], flagged=True),          # flagged, right
        item(4, [["b"]]),                        # unflagged, right
        item(5, [["c"]]),                        # unflagged, wrong
        item(6, []),                             # unflagged, unanswered
        item(7, [["b"]]),                        # unflagged, right
    ])
    assert (insight.flagged_correct, insight.flagged_total) == (2, 3)
    assert (insight.unflagged_correct, insight.unflagged_total) == (2, 4)
    assert insight.flagged_percent == pytest.approx(200 / 3)
    assert insight.unflagged_percent == pytest.approx(50.0)


def test_no_flagged_or_no_unflagged_questions_have_no_percent():
    all_flagged = attempt_insight([item(1, [["b"]], flagged=True)])
    assert all_flagged.flagged_percent == 100.0 and all_flagged.unflagged_percent is None
    none_flagged = attempt_insight([item(1, [["a"]])])
    assert none_flagged.flagged_percent is None and none_flagged.unflagged_percent == 0.0
    assert Insight().flagged_percent is None and Insight().unflagged_percent is None


def test_changed_answers_compare_the_first_answer_given_with_the_last():
    insight = attempt_insight([
        item(1, [["a"], ["b"]]),                 # wrong to right
        item(2, [["a"], ["c"], ["b"]]),          # wrong to right, through another wrong
        item(3, [["c"], ["b"], ["d"], ["b"]]),   # wrong to right, whatever came between
        item(4, [["b"], ["a"]]),                 # right to wrong
        item(5, [["b"], ["a"], ["c"]]),          # right to wrong, through another wrong
        item(6, [["a"], ["c"]]),                 # wrong to another wrong
        item(7, [["a"], ["b"], ["c"]]),          # wrong to another wrong, through the key
        item(8, [["b"], ["a"], ["b"]]),          # back to the first answer: not a change
        item(9, [["a"], ["c"], ["a"]]),          # back to the first wrong: not a change
        item(10, [["b"]]),                       # answered once
        item(11, [["a"], []]),                   # cleared: nothing given after the first
        item(12, [[], ["a"], [], ["b"]]),        # clearing is not an answer: wrong to right
    ])
    assert (insight.wrong_to_right, insight.right_to_wrong, insight.wrong_to_wrong) == (4, 2, 2)


@pytest.mark.parametrize("history, counted", [
    ([["a"], ["c"], ["b"]], (1, 0, 0)),
    ([["a"], ["b"], ["c"]], (0, 0, 1)),
    ([["b"], ["c"], ["a"]], (0, 1, 0)),
    ([["c"], ["b"], ["a"], ["c"]], (0, 0, 0)),
    ([["a"], ["b"], ["a"], ["d"]], (0, 0, 1)),
])
def test_each_changed_answer_is_judged_on_its_first_and_last_answer(history, counted):
    insight = attempt_insight([item(1, history)])
    assert (insight.wrong_to_right, insight.right_to_wrong, insight.wrong_to_wrong) == counted


def test_a_choose_two_answer_counts_as_given_only_once_it_has_both_picks():
    key = ("a", "c")
    insight = attempt_insight([
        # Completing the answer one pick at a time is not changing it.
        item(1, [["a"], ["a", "c"]], key),
        item(2, [["d"], ["a", "d"], ["a", "c"]], key),  # the first full answer was wrong
        item(3, [["a", "c"], ["a"], ["a", "d"]], key),  # right, then half, then wrong
        item(4, [["b", "d"], ["b"], ["b", "e"]], key),  # one wrong pair for another
        item(5, [["c"], ["c", "a"], ["c"], ["c", "a"]], key),  # same pair in another order
    ])
    assert (insight.wrong_to_right, insight.right_to_wrong, insight.wrong_to_wrong) == (1, 1, 1)


def test_slowest_questions_come_slowest_first_ties_in_exam_order():
    items = [item(1, [["b"]], seconds=40), item(2, [["a"]], seconds=95), item(3, [], seconds=0),
             item(4, [["b"]], seconds=40), item(5, [["b"]], seconds=1), item(6, [["a"]], seconds=95),
             item(7, [["b"]], seconds=70)]
    insight = attempt_insight(items, slowest=4)
    assert [i.position for i in insight.slowest] == [2, 6, 7, 1]
    assert insight.total_seconds == 341
    assert [i.position for i in attempt_insight(items).slowest] == [2, 6, 7, 1, 4]
    # A question never looked at took no time and is never among the slowest.
    assert 3 not in [i.position for i in attempt_insight(items, slowest=10).slowest]
    assert len(attempt_insight(items, slowest=10).slowest) == 6
