"""Load validated banks into the database as immutable, hashed versions.

Takes a SQLAlchemy session and `now`; it flushes and leaves the commit to the
caller (one commit per command).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Question, QuestionTranslation, QuestionVersion, Track
from .loader import BankQuestion, TrackBank


@dataclass
class SyncReport:
    """How many questions each sync added, changed, retired and left alone."""

    added: int = 0
    changed: int = 0
    retired: int = 0
    unchanged: int = 0
    translations: int = 0

    def __str__(self) -> str:
        return (f"{self.added} added, {self.changed} changed, "
                f"{self.retired} retired, {self.unchanged} unchanged; "
                f"{self.translations} translation(s) added or updated")


def version_content(question: BankQuestion) -> dict:
    """The content that defines a version; anything here changing makes a new one."""
    spec = question.spec
    return {
        "domain": question.domain,
        "stem": spec.stem,
        "choices": [{"key": k, "text": t} for k, t in spec.choices.items()],
        "answer": spec.answer_keys,
        "explanation": spec.explanation,
        "references": spec.references,
        "difficulty": spec.difficulty,
        "tags": spec.tags,
        "shuffle": spec.shuffle,
        # Only when set, so adding the field changed no existing version's hash.
        **({"enemy_groups": spec.enemy_groups} if spec.enemy_groups else {}),
    }


def content_hash(content: dict) -> str:
    """A stable SHA-256 of a version's content."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _upsert_track(session: Session, bank: TrackBank) -> Track:
    spec = bank.spec
    track = session.scalar(select(Track).where(Track.slug == spec.slug))
    if track is None:
        track = Track(slug=spec.slug)
        session.add(track)
    track.title = spec.title
    track.description = spec.description
    track.duration_minutes = spec.duration_minutes
    track.min_questions = spec.min_questions
    track.max_questions = spec.max_questions
    track.pass_percent = spec.pass_percent
    track.languages = list(spec.languages)
    track.domains = [d.model_dump() for d in spec.domains]
    track.translations = {language: text.model_dump() for language, text in spec.translations.items()}
    session.flush()
    return track


def sync_banks(session: Session, banks: list[TrackBank], now: datetime) -> SyncReport:
    """Bring the database in line with `banks`, idempotently."""
    report = SyncReport()
    for bank in banks:
        before = (report.added, report.changed, report.retired)
        track = _upsert_track(session, bank)
        existing = {
            q.bank_id: q
            for q in session.scalars(select(Question).where(Question.track_id == track.id))
        }
        in_bank = set()
        for item in bank.questions:
            in_bank.add(item.spec.id)
            content = version_content(item)
            digest = content_hash(content)
            question = existing.get(item.spec.id)
            if question is None:
                question = Question(track_id=track.id, bank_id=item.spec.id,
                                    domain=item.domain, current_hash=digest)
                session.add(question)
                session.flush()
                session.add(QuestionVersion(question_id=question.id, content_hash=digest, **content))
                report.added += 1
                continue
            if question.current_hash == digest and question.retired_at is None:
                report.unchanged += 1
                continue
            if question.retired_at is not None and question.current_hash == digest:
                report.added += 1
            else:
                report.changed += 1
            question.retired_at = None
            question.domain = item.domain
            question.current_hash = digest
            known = session.scalar(select(QuestionVersion.id).where(
                QuestionVersion.question_id == question.id, QuestionVersion.content_hash == digest))
            if known is None:
                session.add(QuestionVersion(question_id=question.id, content_hash=digest, **content))
        _sync_translations(session, track, bank, report)
        for bank_id, question in existing.items():
            if bank_id not in in_bank and question.retired_at is None:
                question.retired_at = now
                report.retired += 1
        if (report.added, report.changed, report.retired) != before:
            track.bank_version = secrets.token_hex(16)
        session.flush()
    return report


def _sync_translations(session: Session, track: Track, bank: TrackBank, report: SyncReport) -> None:
    """Attach each fresh translation to the current version of its question."""
    wanted = {(item.spec.id, language): text
              for item in bank.questions for language, text in item.translations.items()}
    if not wanted:
        return
    versions = dict(session.execute(
        select(Question.bank_id, QuestionVersion.id)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
              & (QuestionVersion.content_hash == Question.current_hash))
        .where(Question.track_id == track.id)).all())
    stored = {(t.question_version_id, t.language): t for t in session.scalars(
        select(QuestionTranslation).where(QuestionTranslation.question_version_id.in_(versions.values())))}
    for (bank_id, language), text in wanted.items():
        version_id = versions[bank_id]
        row = stored.get((version_id, language))
        fields = {"stem": text.stem, "choices": dict(text.choices), "explanation": text.explanation}
        if row is None:
            session.add(QuestionTranslation(question_version_id=version_id, language=language, **fields))
        elif (row.stem, row.choices, row.explanation) != tuple(fields.values()):
            # A translator's correction of the same English: fix it in place.
            row.stem, row.choices, row.explanation = fields["stem"], fields["choices"], fields["explanation"]
        else:
            continue
        report.translations += 1
    session.flush()
