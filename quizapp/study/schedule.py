"""Spaced review: FSRS through the `fsrs` package, one card per learner and question.

An answer becomes an FSRS rating: wrong is Again, right is Good, right but
flagged or changed along the way is Hard (the learner was unsure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler, State

# A question counts as mastered once FSRS expects it to be remembered for
# three weeks: long enough to outlast the gap between mocks.
MASTERED_STABILITY_DAYS = 21.0

# No fuzzing: the same answers at the same time give the same schedule, which
# the tests and the "due now" counts rely on.
_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class ReviewState:
    """What is stored of one FSRS card (the columns of a review card)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


def rating_for(correct: bool, flagged: bool, changed: bool) -> Rating:
    """The FSRS rating of one answer."""
    if not correct:
        return Rating.Again
    if flagged or changed:
        return Rating.Hard
    return Rating.Good


def review(previous: ReviewState | None, correct: bool, flagged: bool, changed: bool,
           now: datetime) -> ReviewState:
    """The card after one answer given at `now`; `previous` is None for a first answer."""
    card = Card(card_id=0) if previous is None else Card(
        card_id=0, state=State(previous.state), step=previous.step, stability=previous.stability,
        difficulty=previous.difficulty, due=previous.due, last_review=previous.last_review)
    # FSRS requires the review time to be no earlier than the last one; two
    # servers' clocks may disagree by a little.
    if card.last_review is not None and now < card.last_review:
        now = card.last_review
    card, _log = _SCHEDULER.review_card(card, rating_for(correct, flagged, changed), now)
    return ReviewState(state=card.state.value, step=card.step, stability=card.stability,
                       difficulty=card.difficulty, due=card.due, last_review=card.last_review)


def is_mastered(stability: float | None) -> bool:
    """True when FSRS's stability is at least the mastery threshold."""
    return stability is not None and stability >= MASTERED_STABILITY_DAYS


def is_due(due: datetime | None, now: datetime) -> bool:
    """True when a card's review time has come."""
    return due is not None and due <= now
