"""Problem reports learners file against a question version."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .banks import QuestionVersion
from .base import UTCDateTime, now_utc


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
