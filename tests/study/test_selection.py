"""Question selection on hand-made pools and histories."""

from datetime import datetime, timedelta, timezone

import pytest

from quizapp.study.selection import History, NoQuestions, Pool, Scope, missed, select_questions

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
POOL = [Pool(i, "payments" if i <= 6 else "connect", "easy" if i % 2 else "hard") for i in range(1, 11)]
HISTORY = {
    1: History(last_correct=False, last_flagged=False, due=NOW - timedelta(days=1)),
    2: History(last_correct=True, last_flagged=True, due=NOW + timedelta(days=3)),
    7: History(last_correct=False, last_flagged=True, due=NOW - timedelta(days=5)),
    8: History(last_correct=True, last_flagged=False, due=NOW),
}


def pick(**scope):
    return select_questions(POOL, HISTORY, Scope(**scope), NOW, seed=1)


def test_any_draws_the_count_from_the_scope_unseen_first():
    drawn = pick(count=8)
    assert len(drawn) == 8 and len(set(drawn)) == 8
    assert set(drawn[:6]) == {3, 4, 5, 6, 9, 10}


def test_scope_by_domain_and_difficulty():
    assert set(pick(domains=frozenset({"connect"}), count=10)) == {7, 8, 9, 10}
    assert set(pick(difficulties=frozenset({"easy"}), domains=frozenset({"payments"}), count=10)) == {1, 3, 5}


def test_sources_follow_the_latest_answer_and_the_schedule():
    assert set(pick(source="unseen", count=100)) == {3, 4, 5, 6, 9, 10}
    assert set(pick(source="wrong", count=100)) == {1, 7}
    assert set(pick(source="flagged", count=100)) == {2, 7}
    # Most overdue first; due exactly now counts.
    assert pick(source="due", count=100) == [7, 1, 8]
    assert pick(source="due", count=2) == [7, 1]


def test_a_fixed_list_keeps_its_order_inside_the_scope():
    assert pick(only=(9, 1, 9, 2), count=10) == [9, 1, 2]
    assert pick(only=(9, 1), domains=frozenset({"connect"}), count=10) == [9]


def test_nothing_matching_says_widen_the_scope():
    with pytest.raises(NoQuestions) as refused:
        pick(source="wrong", domains=frozenset({"connect"}), difficulties=frozenset({"hard"}))
    assert str(refused.value) == "No questions match: widen the scope."
    with pytest.raises(NoQuestions):
        select_questions([], {}, Scope(), NOW, seed=1)


def test_count_is_bounded():
    for count in (0, 101):
        with pytest.raises(ValueError, match="^count must be 1 to 100$"):
            pick(count=count)
    assert len(pick(count=1)) == 1 and len(pick(count=100)) == 10


def test_an_unknown_source_says_which_there_are():
    with pytest.raises(ValueError, match="^unknown source 'mine'; use one of any, unseen, wrong, flagged, due$"):
        pick(source="mine")


def test_the_seed_decides_the_order():
    assert pick(count=10) == pick(count=10)
    assert select_questions(POOL, {}, Scope(count=10), NOW, 1) != select_questions(POOL, {}, Scope(count=10), NOW, 2)


def test_missed_are_the_wrong_ones_in_order():
    assert missed([(3, True), (5, False), (1, None), (2, False), (5, False)]) == [5, 2]

