"""ORM models: accounts, the synced question banks, and attempts."""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def now_utc() -> datetime:
    """The one clock of the application: an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and always returns aware UTC datetimes.

    SQLite keeps no time zone, PostgreSQL does; normalising here means the
    exam clock compares like with like on both.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class User(UserMixin, db.Model):
    """A learner's account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # The interface language the learner chose on the account page; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(10), default=None)
    # Set with `flask users admin EMAIL`: opens /admin (reports, accommodations, timelines).
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=db.false())

    # Not a column: the log-in token of the session this request was loaded
    # for. Flask-Login keeps get_id() in the cookie, so the cookie names a
    # session that can be ended, not just a user.
    login_token = None

    def get_id(self) -> str | None:
        """The token Flask-Login stores in the session cookie."""
        return self.login_token

    def set_password(self, password: str) -> None:
        """Hash with werkzeug's default (scrypt)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class UserSession(db.Model):
    """One logged-in browser. The cookie holds a random token; this row is its hash.

    Deleting the row ends that session on every server at once: log-out deletes
    one, a password change or "log out everywhere" deletes all of a user's.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the cookie's token: a copy of the database gives no live cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ThrottleEvent(db.Model):
    """One counted event (a failed log-in, a registration) for a throttle key.

    Kept in the database so every server sees the same counts.
    """

    __tablename__ = "throttle_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "login-pair" (account and address), "login-address", "register-address"...
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_throttle_events_kind_key_at", "kind", "key", "at"),)


class Track(db.Model):
    """A certification track as last synced from its track file."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    min_questions: Mapped[int] = mapped_column(Integer)
    max_questions: Mapped[int] = mapped_column(Integer)
    pass_percent: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"slug", "title", "weight"}] in the track file's order.
    domains: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {"ja": {"title", "description", "domains": {slug: title}}}
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A new random token at every `banks sync` that changes the track's
    # questions: each process caches the track's exam candidates under it.
    # Random rather than a counter, so two databases never share a version.
    bank_version: Mapped[str] = mapped_column(String(32), default="", server_default="")

    def text(self, field: str, locale: str) -> str:
        """The track's title or description in `locale`, else in English."""
        return (self.translations or {}).get(locale, {}).get(field) or getattr(self, field)

    def domain_title(self, slug: str, locale: str) -> str:
        """A domain's title in `locale`, else in English, else its slug."""
        translated = (self.translations or {}).get(locale, {}).get("domains", {}).get(slug)
        return translated or self.domain_titles().get(slug, slug)

    def domain_titles(self) -> dict[str, str]:
        """Map each domain slug to its title."""
        return {d["slug"]: d["title"] for d in self.domains}


class Question(db.Model):
    """A question's identity in a track; its content lives in versions."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    bank_id: Mapped[str] = mapped_column(String(100))
    domain: Mapped[str] = mapped_column(String(100))
    current_hash: Mapped[str] = mapped_column(String(64))
    # Set when the question left the bank: it is no longer drawn for new exams,
    # but past attempts still point at its versions.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (UniqueConstraint("track_id", "bank_id"),)


class QuestionVersion(db.Model):
    """Immutable content of a question, identified by its content hash."""

    __tablename__ = "question_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str] = mapped_column(String(100))
    stem: Mapped[str] = mapped_column(Text)
    # [{"key": "a", "text": "..."}] in the bank's order.
    choices: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    answer: Mapped[list[str]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    references: Mapped[list[str]] = mapped_column(JSON)
    difficulty: Mapped[str | None] = mapped_column(String(20), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)
    # Groups of items that must not share an exam (the bank's enemy_groups).
    enemy_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    question: Mapped[Question] = relationship()

    __table_args__ = (UniqueConstraint("question_id", "content_hash"),)

    def choice_text(self) -> dict[str, str]:
        """Map each choice key to its text."""
        return {c["key"]: c["text"] for c in self.choices}


class QuestionTranslation(db.Model):
    """A version's stem, options and explanation in another language.

    Tied to the English version it was made from: when the English changes,
    the new version has no translation until a translator updates it, and
    exams show that question in English meanwhile.
    """

    __tablename__ = "question_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    language: Mapped[str] = mapped_column(String(10))
    stem: Mapped[str] = mapped_column(Text)
    # {"a": "...", ...}: the same keys as the English version's choices.
    choices: Mapped[dict[str, str]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("question_version_id", "language"),)


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


class ReportReason(str, enum.Enum):
    """Why a learner reports a question."""

    WRONG_KEY = "wrong_key"
    UNCLEAR = "unclear"
    OUT_OF_DATE = "out_of_date"
    TYPO = "typo"
    OTHER = "other"


class ReportStatus(str, enum.Enum):
    """Where a report stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FIXED = "fixed"


class QuestionReport(db.Model):
    """A learner's report of a problem with a question version, and its triage."""

    __tablename__ = "question_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.OPEN.value)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    version: Mapped[QuestionVersion] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        # One open report per learner and question version.
        Index("uq_question_reports_one_open", "user_id", "question_version_id", unique=True,
              sqlite_where=db.text("status = 'open'"), postgresql_where=db.text("status = 'open'")),
    )


class Accommodation(db.Model):
    """Extra time an administrator gave a learner, for one track or (track None) all."""

    __tablename__ = "accommodations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), default=None)
    # Time is multiplied by percent / 100 (125, 150, 200), then extra_minutes are added.
    percent: Mapped[int] = mapped_column(Integer, default=100)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


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
