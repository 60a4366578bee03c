"""Practice sessions, their questions, and spaced-review cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .banks import QuestionVersion, Track
from .base import UTCDateTime


class PracticeSession(db.Model):
    """A practice session: questions checked one at a time, with feedback at once.

    Kept apart from attempts: practice never counts as a mock, never enters the
    mock trend chart, and needs no deadline unless the learner sets one.
    """

    __tablename__ = "practice_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    # "any", "unseen", "wrong", "flagged", "due", or "missed" (a drill on a session's misses).
    source: Mapped[str] = mapped_column(String(20))
    # {"domains": [...], "difficulties": [...]}: empty lists mean all.
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Only when the learner set a time limit.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    length: Mapped[int] = mapped_column(Integer)
    # The questions' language, one of the track's; a question not (yet)
    # translated into it shows in English, as in an exam.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")

    track: Mapped[Track] = relationship()

    __table_args__ = (Index("ix_practice_sessions_user_id_started_at", "user_id", "started_at"),)

    @property
    def in_progress(self) -> bool:
        """True until the learner finishes the session (or its time limit passes)."""
        return self.finished_at is None


class PracticeItem(db.Model):
    """A question as placed in a practice session, with the answer and, once checked, its result."""

    __tablename__ = "practice_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("practice_sessions.id"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    choice_order: Mapped[list[str]] = mapped_column(JSON)
    choose: Mapped[int] = mapped_column(Integer, default=1)
    selected: Mapped[list[str]] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    struck: Mapped[list[str]] = mapped_column(JSON, default=list)
    save_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Set by the check, which locks the answer: a checked answer never changes.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    is_correct: Mapped[bool | None] = mapped_column(Boolean, default=None)

    version: Mapped[QuestionVersion] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "position"),)

    @property
    def answered(self) -> bool:
        """True when the learner has chosen at least one option."""
        return bool(self.selected)


class ReviewCard(db.Model):
    """A learner's review schedule for one question (an FSRS card), with their latest answer.

    Updated by every answer: each checked practice question and each question
    of a scored mock.
    """

    __tablename__ = "review_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    # Copied from the question so "due now per track" reads one index.
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer, default=None)
    stability: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    last_correct: Mapped[bool] = mapped_column(Boolean)
    last_flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_id_track_id_due", "user_id", "track_id", "due"),
    )
