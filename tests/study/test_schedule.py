"""FSRS wrapper: ratings, first and later reviews, mastery and due."""

from datetime import datetime, timedelta, timezone

from fsrs import Rating

from quizapp.study.schedule import is_due, is_mastered, rating_for, review

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def test_wrong_is_again_right_is_good_unsure_is_hard():
    assert rating_for(False, False, False) == Rating.Again
    assert rating_for(False, True, True) == Rating.Again
    assert rating_for(True, False, False) == Rating.Good
    assert rating_for(True, True, False) == Rating.Hard
    assert rating_for(True, False, True) == Rating.Hard


def test_a_wrong_answer_comes_back_sooner_than_a_right_one():
    wrong = review(None, False, False, False, NOW)
    hard = review(None, True, True, False, NOW)
    good = review(None, True, False, False, NOW)
    assert NOW < wrong.due <= hard.due <= good.due
    assert wrong.last_review == NOW and wrong.stability < good.stability


def test_a_right_answer_flagged_or_changed_on_the_way_comes_back_sooner_than_a_sure_one():
    # FSRS's first learning steps: Hard in 5.5 minutes, Good in 10.
    sure = review(None, True, False, False, NOW)
    flagged, changed = review(None, True, True, False, NOW), review(None, True, False, True, NOW)
    assert flagged == changed
    assert (flagged.due - NOW, sure.due - NOW) == (timedelta(minutes=5, seconds=30), timedelta(minutes=10))


def test_right_answers_at_their_due_times_grow_stability_to_mastery():
    card = review(None, True, False, False, NOW)
    when = NOW
    for _ in range(12):
        when = card.due
        card = review(card, True, False, False, when)
        if is_mastered(card.stability):
            break
    assert is_mastered(card.stability) and card.due - when >= timedelta(days=21)
    assert not is_due(card.due, when) and is_due(card.due, card.due)


def test_same_answers_give_the_same_schedule():
    assert review(None, True, False, False, NOW) == review(None, True, False, False, NOW)


def test_a_review_before_the_last_one_is_taken_at_the_last_one():
    card = review(None, True, False, False, NOW)
    again = review(card, False, False, False, NOW - timedelta(seconds=5))
    assert again.last_review == NOW


def test_mastery_threshold_is_21_days():
    assert not is_mastered(None) and not is_mastered(20.9) and is_mastered(21.0)
