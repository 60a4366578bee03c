"""Review cards in the database: read with an answer's other data, write many in one statement.

The scheduling itself is `study.schedule` (plain FSRS); this module only maps
cards to rows, so a mock's scoring and a practice check each add exactly one
statement for the schedule, however many questions they answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Question, ReviewCard
from .study.schedule import MASTERED_STABILITY_DAYS, ReviewState, review

_cards = ReviewCard.__table__

# Select these (outer-joined on user and question) to get a card back with `stored_state`.
CARD_COLUMNS = (_cards.c.state, _cards.c.step, _cards.c.stability, _cards.c.difficulty,
                _cards.c.due, _cards.c.last_review)


def stored_state(state, step, stability, difficulty, due, last_review) -> ReviewState | None:
    """The card read through CARD_COLUMNS; None when the learner never answered the question."""
    if state is None:
        return None
    return ReviewState(state, step, stability, difficulty, due, last_review)


@dataclass(frozen=True)
class Answer:
    """One answer to schedule: whose, which question, and how it went."""

    user_id: int
    question_id: int
    track_id: int
    correct: bool
    flagged: bool
    changed: bool
    previous: ReviewState | None


# Typed, so a SELECT of them (the check's single statement on PostgreSQL) binds like the columns.
_VALUES = {column.name: bindparam(column.name, type_=column.type) for column in (
    _cards.c.user_id, _cards.c.question_id, _cards.c.track_id, _cards.c.state, _cards.c.step,
    _cards.c.stability, _cards.c.difficulty, _cards.c.due, _cards.c.last_review, _cards.c.last_correct,
    _cards.c.last_flagged)}
VALUES = _VALUES




def card_row(answer: Answer, now: datetime) -> dict:
    """The review card's columns after `answer`, given at `now`."""
    card = review(answer.previous, answer.correct, answer.flagged, answer.changed, now)
    return {"user_id": answer.user_id, "question_id": answer.question_id, "track_id": answer.track_id,
            "state": card.state, "step": card.step, "stability": card.stability,
            "difficulty": card.difficulty, "due": card.due, "last_review": card.last_review,
            "last_correct": answer.correct, "last_flagged": answer.flagged}


# Called only while modules are imported (the statements are built once), so no
# mutant of it can run under mutmut; tests/study/test_review_cards.py runs it itself.
def upsert_cards(dialect_insert, source=None, *, newer_only: bool = False):
    """INSERT ... ON CONFLICT DO UPDATE of review cards, from bound values or from `source` (a select).

    `newer_only` leaves a card reviewed at or after the incoming answer as it is
    (study.schedule.review dates an answer older than the card at the card's review).
    """
    if source is None:
        statement = dialect_insert(_cards).values(reviews=1, **_VALUES)
    else:
        statement = dialect_insert(_cards).from_select([*_VALUES, "reviews"], source)
    updated = {name: getattr(statement.excluded, name) for name in _VALUES
               if name not in ("user_id", "question_id")}
    return statement.on_conflict_do_update(
        index_elements=[_cards.c.user_id, _cards.c.question_id],
        set_={**updated, "reviews": _cards.c.reviews + 1},
        where=(_cards.c.last_review < statement.excluded.last_review) if newer_only else None)


def record_answers(session: Session, answers: Iterable[Answer], now: datetime) -> int:
    """Schedule each answer's next review as given at `now`, all in one statement; returns how many.

    A card reviewed after `now` keeps that newer review: a mock closed late (its
    answers dated at its deadline) must not undo a practice check made since.
    """
    rows = [card_row(answer, now) for answer in answers]
    if rows:
        session.execute(_UPSERT_OLDER_LOSES[session.get_bind().dialect.name], rows)
    return len(rows)


# Built once: the check is on a hot path.
_UPSERT = {"sqlite": upsert_cards(sqlite.insert), "postgresql": upsert_cards(postgresql.insert)}
_UPSERT_OLDER_LOSES = {"sqlite": upsert_cards(sqlite.insert, newer_only=True),
                       "postgresql": upsert_cards(postgresql.insert, newer_only=True)}


def upsert_statement(session: Session):
    """The prepared review-card upsert for the session's database."""
    return _UPSERT[session.get_bind().dialect.name]


def answer_changed(changes: list) -> bool:
    """True when the learner picked one answer and then another before settling."""
    return len(changes) > 1


@dataclass(frozen=True)
class DomainStanding:
    """A learner in one domain: questions seen, right at their latest answer, due now, mastered."""

    seen: int = 0
    correct: int = 0
    due: int = 0
    mastered: int = 0


def standing(session: Session, user_id: int, now: datetime,
             track_id: int | None = None) -> dict[int, dict[str, DomainStanding]]:
    """Per track and domain, the learner's review cards summed up, in one grouped query."""
    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)

    statement = (
        select(ReviewCard.track_id, Question.domain, func.count(), count_if(ReviewCard.last_correct.is_(True)),
               count_if(ReviewCard.due <= now), count_if(ReviewCard.stability >= MASTERED_STABILITY_DAYS))
        .join(Question, Question.id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id)
        .group_by(ReviewCard.track_id, Question.domain))
    if track_id is not None:
        statement = statement.where(ReviewCard.track_id == track_id)
    result: dict[int, dict[str, DomainStanding]] = {}
    for track, domain, seen, correct, due, mastered in session.execute(statement):
        result.setdefault(track, {})[domain] = DomainStanding(seen, correct, due, mastered)
    return result
