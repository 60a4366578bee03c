"""Learners' problem reports on questions, and their triage. Plain operations: flush, no commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from .measure.evidence import version_statistics
from .measure.item_stats import ItemStats
from .models import Question, QuestionReport, QuestionVersion, ReportReason, ReportStatus

MAX_COMMENT = 2000
REASONS = [r.value for r in ReportReason]
OUTCOMES = [ReportStatus.ACCEPTED.value, ReportStatus.REJECTED.value, ReportStatus.FIXED.value]


class DuplicateReport(Exception):
    """The learner already has an open report on this question version."""


def file_report(session: Session, *, user_id: int, version_id: int, reason: str, comment: str,
                now: datetime) -> QuestionReport:
    """Record a report; one open report per learner and question version."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    report = QuestionReport(user_id=user_id, question_version_id=version_id, reason=reason,
                            comment=comment.strip()[:MAX_COMMENT], created_at=now)
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        raise DuplicateReport() from None
    return report


def resolve_report(session: Session, report: QuestionReport, *, status: str, note: str,
                   now: datetime) -> None:
    """Set a report's outcome (accepted, rejected or fixed) with a note for the reporter."""
    if status not in OUTCOMES:
        raise ValueError(f"unknown outcome {status!r}")
    report.status = status
    report.note = note.strip()[:MAX_COMMENT]
    report.resolved_at = now
    session.flush()


def latest_reports(session: Session, user_id: int, version_ids: list[int]) -> dict[int, QuestionReport]:
    """The learner's latest report on each of these question versions, by version id. One query."""
    if not version_ids:
        return {}
    # Oldest first, so a later report on the same version replaces an earlier one.
    return {r.question_version_id: r for r in session.scalars(
        select(QuestionReport).where(QuestionReport.user_id == user_id,
                                     QuestionReport.question_version_id.in_(version_ids))
        .order_by(QuestionReport.created_at, QuestionReport.id))}


@dataclass
class ReportGroup:
    """The reports on one question version, with the item as the learner saw it."""

    version: QuestionVersion
    bank_id: str
    reports: list[QuestionReport]
    # The item's figures from finished exams (as `items stats` gives them); None before any.
    stats: ItemStats | None = None


def report_groups(session: Session, status: str | None = None) -> list[ReportGroup]:
    """Reports grouped by question version, most reported first, with each item's statistics.

    Three queries however many reports: the reports with their reporters, the versions,
    and every version's statistics at once.
    """
    query = select(QuestionReport).order_by(QuestionReport.created_at)
    if status:
        query = query.where(QuestionReport.status == status)
    reports = session.scalars(query.options(joinedload(QuestionReport.user))).all()
    if not reports:
        return []
    ids = {r.question_version_id for r in reports}
    rows = session.execute(select(QuestionVersion, Question.bank_id)
                           .join(Question, Question.id == QuestionVersion.question_id)
                           .where(QuestionVersion.id.in_(ids))).all()
    groups = {version.id: ReportGroup(version, bank_id, []) for version, bank_id in rows}
    for report in reports:
        groups[report.question_version_id].reports.append(report)
    for version_id, stats in version_statistics(session, [v for v, _ in rows]).items():
        groups[version_id].stats = stats
    return sorted(groups.values(), key=lambda g: (-len(g.reports), g.bank_id))


def open_report_count(session: Session) -> int:
    """How many reports wait for triage."""
    return session.scalar(select(func.count()).select_from(QuestionReport)
                          .where(QuestionReport.status == ReportStatus.OPEN.value)) or 0
