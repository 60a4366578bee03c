"""Mock exam attempts: the attempt, its questions in order, and its timeline events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .banks import QuestionVersion, Track
from .base import UTCDateTime


class AttemptStatus(str, enum.Enum):
    """Where an attempt stands."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"


class Attempt(db.Model):
    """One sitting of a mock exam by one user."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS.value)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    length: Mapped[int] = mapped_column(Integer)
    # The pass mark in force when the attempt started: a later change to the
    # track file must not turn a past pass into a fail.
    pass_percent: Mapped[int] = mapped_column(Integer)
    correct_count: Mapped[int | None] = mapped_column(Integer, default=None)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # The language the learner chose at start: questions, review and result use it.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    # The time this attempt was given: the track's duration, or more under an accommodation.
    minutes_allowed: Mapped[int | None] = mapped_column(Integer, default=None)
    # Who ended it: "learner" (submit), "page" (the page at zero), "close-overdue" (the
    # next request or the cron command after the grace), "late-save" (a save after the grace).
    finished_by: Mapped[str | None] = mapped_column(String(20), default=None)

    track: Mapped[Track] = relationship()

    __table_args__ = (
        # At most one attempt in progress per user and track: starting again
        # resumes it, even when two servers race.
        Index(
            "uq_attempts_one_in_progress",
            "user_id",
            "track_id",
            unique=True,
            sqlite_where=db.text("status = 'in_progress'"),
            postgresql_where=db.text("status = 'in_progress'"),
        ),
        Index("ix_attempts_user_id_started_at", "user_id", "started_at"),
    )

    @property
    def in_progress(self) -> bool:
        """True until the attempt is submitted or timed out."""
        return self.status == AttemptStatus.IN_PROGRESS.value

    @property
    def score_percent(self) -> float | None:
        """Correct answers as a percent of the exam length, once scored."""
        if self.correct_count is None:
            return None
        return 100.0 * self.correct_count / self.length


class AttemptQuestion(db.Model):
    """A question as placed in one attempt, with the learner's saved answer."""

    __tablename__ = "attempt_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    # Choice keys in the order this attempt shows them.
    choice_order: Mapped[list[str]] = mapped_column(JSON)
    # How many choices the learner must pick: 1, or N for "choose N".
    choose: Mapped[int] = mapped_column(Integer, default=1)
    selected: Mapped[list[str]] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    struck: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The client's counter for this question: a save with a lower or equal
    # number than the stored one is older and is not applied.
    save_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    # [[seconds since start, [keys], flagged, in grace], ...]: every change of
    # answer or flag, for the insight and the timeline (older rows hold only
    # the first two fields).
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_correct: Mapped[bool | None] = mapped_column(Boolean, default=None)

    version: Mapped[QuestionVersion] = relationship()

    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    @property
    def answered(self) -> bool:
        """True when the learner has chosen at least one option."""
        return bool(self.selected)


class AttemptEvent(db.Model):
    """One entry of an attempt's append-only timeline that is not an answer.

    Answers and flags are logged in each question's own `changes` (written by
    the save's one UPDATE, so the timeline costs the save no statement); this
    table holds the rest: start, submission, and what the page reports (clock
    resync, connection lost and back).
    """

    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ItemTally(db.Model):
    """How often a question version was answered in finished mock exams, and how often right.

    Kept by the scoring of each attempt (one upsert for its questions), so the
    pass forecast reads one row per version. It used to count every finished
    attempt's questions on every home, track and result page: about 50 us of
    CPU per finished attempt in the database, half a second a page at 10,000.
    Attempts are never deleted and a scored answer never changes, so the tally
    equals that count.
    """

    __tablename__ = "item_tallies"

    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), primary_key=True)
    # Every question of a finished attempt, answered or left blank, as the scoring counts it.
    responses: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
