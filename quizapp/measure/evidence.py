"""The measurement inputs read from the database: answers, item tallies, responses.

No Flask: routes and CLI commands pass the session (and `now`). Each function runs a fixed
number of statements, however many attempts or questions there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import Attempt, AttemptQuestion, AttemptStatus, Question, QuestionVersion, Track
from .forecast import Answer, ExamBlueprint, Forecast, calibrated_difficulty, forecast
from .item_stats import ItemStats, Response, answer_changed, item_statistics

FINISHED = Attempt.status != AttemptStatus.IN_PROGRESS.value


def _item_difficulties(session: Session, track_ids: Sequence[int]) -> tuple[dict[int, float], dict[int, dict[str, list[float]]]]:
    """Every version's difficulty (calibrated once answered enough), and each track's current pool.

    One statement: versions of the tracks, with their right/total counts over finished attempts.
    """
    tallies = (select(AttemptQuestion.question_version_id.label("version_id"),
                      func.count().label("responses"),
                      func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)).label("correct"))
               .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(FINISHED)
               .group_by(AttemptQuestion.question_version_id).subquery())
    rows = session.execute(
        select(Question.track_id, QuestionVersion.id, QuestionVersion.domain, QuestionVersion.difficulty,
               (QuestionVersion.content_hash == Question.current_hash) & Question.retired_at.is_(None),
               func.coalesce(tallies.c.responses, 0), func.coalesce(tallies.c.correct, 0))
        .join(Question, Question.id == QuestionVersion.question_id)
        .outerjoin(tallies, tallies.c.version_id == QuestionVersion.id)
        .where(Question.track_id.in_(track_ids))
    ).all()
    difficulty: dict[int, float] = {}
    pools: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for track_id, version_id, domain, label, current, responses, correct in rows:
        difficulty[version_id] = calibrated_difficulty(label, int(responses), int(correct or 0))
        if current:
            pools[track_id][domain].append(difficulty[version_id])
    return difficulty, pools


def blueprint_for(track: Track, pool: dict[str, list[float]]) -> ExamBlueprint:
    """The real exam of a track as the forecast sees it."""
    return ExamBlueprint({d["slug"]: d["weight"] for d in track.domains}, track.min_questions,
                         track.max_questions, track.pass_percent, pool)


def track_forecasts(session: Session, user_id: int, tracks: Sequence[Track], now: datetime,
                    *, levers: bool = True) -> dict[int, Forecast]:
    """The learner's pass forecast for each track at `now`, by track id. Two statements.

    Only attempts finished by `now` count, so a result page can show the forecast as it
    stood when that attempt ended.
    """
    if not tracks:
        return {}
    track_ids = [t.id for t in tracks]
    difficulty, pools = _item_difficulties(session, track_ids)
    # Mock answers; practice answers join this list when they exist (same four fields).
    rows = session.execute(
        select(Attempt.track_id, AttemptQuestion.question_version_id, QuestionVersion.domain,
               AttemptQuestion.is_correct, Attempt.finished_at)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(Attempt.user_id == user_id, Attempt.track_id.in_(track_ids), FINISHED,
               Attempt.finished_at <= now)
    ).all()
    answers: dict[int, list[Answer]] = defaultdict(list)
    for track_id, version_id, domain, correct, finished_at in rows:
        answers[track_id].append(Answer(domain, bool(correct), finished_at, difficulty[version_id]))
    return {t.id: forecast(answers[t.id], blueprint_for(t, pools[t.id]), now, levers=levers)
            for t in tracks}


@dataclass(frozen=True)
class ItemReport:
    """One question version's statistics with where it lives."""

    track: str
    bank_id: str
    version_id: int
    domain: str
    stats: ItemStats


def item_reports(session: Session, track_slug: str | None = None) -> list[ItemReport]:
    """Statistics per question version from finished attempts, by track, bank id and version.

    One statement. An unanswered question counts as a response (and as wrong), as it does in
    the score.
    """
    query = (select(Track.slug, Question.bank_id, QuestionVersion.id, QuestionVersion.domain,
                    QuestionVersion.choices, AttemptQuestion.attempt_id, AttemptQuestion.is_correct,
                    AttemptQuestion.selected, AttemptQuestion.seconds_spent, AttemptQuestion.flagged,
                    AttemptQuestion.changes, AttemptQuestion.choose)
             .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
             .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
             .join(Question, Question.id == QuestionVersion.question_id)
             .join(Track, Track.id == Question.track_id)
             .where(FINISHED))
    if track_slug:
        query = query.where(Track.slug == track_slug)
    where: dict[int, tuple[str, str, str]] = {}
    responses = []
    choice_keys: dict[int, tuple[str, ...]] = {}
    for (slug, bank_id, version_id, domain, choices, attempt_id, correct, selected, seconds, flagged,
         changes, choose) in session.execute(query):
        if version_id not in where:
            where[version_id] = (slug, bank_id, domain)
            choice_keys[version_id] = tuple(c["key"] for c in choices)
        responses.append(Response(
            item_id=version_id, attempt_id=attempt_id, correct=bool(correct), selected=tuple(selected or ()),
            choices=choice_keys[version_id], seconds=seconds or 0, flagged=bool(flagged),
            changed=answer_changed((c[1] for c in changes or ()), choose or 1)))
    reports = [ItemReport(*where[s.item_id][:2], s.item_id, where[s.item_id][2], s)
               for s in item_statistics(responses)]
    return sorted(reports, key=lambda r: (r.track, r.bank_id, r.version_id))
