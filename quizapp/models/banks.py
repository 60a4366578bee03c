"""The question banks as synced from question_banks/: tracks, questions, versions, translations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc


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
