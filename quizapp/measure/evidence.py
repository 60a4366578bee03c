"""The measurement inputs read from the database: answers, item tallies, responses.

No Flask: routes and CLI commands pass the session (and `now`). Each function runs a fixed
number of statements, however many attempts or questions there are.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, func, select, type_coerce, union_all
from sqlalchemy.orm import Session

from ..models import (Attempt, AttemptQuestion, AttemptStatus, ItemTally, PracticeItem, PracticeSession, Question,
                      QuestionVersion, Track)
from .forecast import (MIN_ANSWERS, Answer, ExamBlueprint, Forecast, calibrated_difficulty, counted, forecast,
                       waiting)
from .item_stats import ItemStats, Response, answer_changed, item_statistics

FINISHED = Attempt.status != AttemptStatus.IN_PROGRESS.value


def _item_difficulties(session: Session, track_ids: Sequence[int]) -> tuple[dict[int, float], dict[int, dict[str, list[float]]]]:
    """Every version's difficulty (calibrated once answered enough), and each track's current pool.

    One statement: versions of the tracks, with their tallies (kept as each attempt is scored).
    """
    rows = session.execute(
        select(Question.track_id, QuestionVersion.id, QuestionVersion.domain, QuestionVersion.difficulty,
               (QuestionVersion.content_hash == Question.current_hash) & Question.retired_at.is_(None),
               func.coalesce(ItemTally.responses, 0), func.coalesce(ItemTally.correct, 0))
        .join(Question, Question.id == QuestionVersion.question_id)
        .outerjoin(ItemTally, ItemTally.question_version_id == QuestionVersion.id)
        .where(Question.track_id.in_(track_ids))
    ).all()
    difficulty: dict[int, float] = {}
    pools: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for track_id, version_id, domain, label, current, responses, correct in rows:
        difficulty[version_id] = calibrated_difficulty(label, int(responses), int(correct))
        if current:
            pools[track_id][domain].append(difficulty[version_id])
    return difficulty, pools


def blueprint_for(track: Track, pool: dict[str, list[float]]) -> ExamBlueprint:
    """The real exam of a track as the forecast sees it."""
    return ExamBlueprint({d["slug"]: d["weight"] for d in track.domains}, track.min_questions,
                         track.max_questions, track.pass_percent, pool)


def track_forecasts(session: Session, user_id: int, tracks: Sequence[Track], now: datetime,
                    *, levers: bool = True) -> dict[int, Forecast]:
    """The learner's pass forecast for each track at `now`, by track id. Two statements, one
    while no track has MIN_ANSWERS answers.

    Only attempts finished by `now` count, so a result page can show the forecast as it
    stood when that attempt ended.
    """
    if not tracks:
        return {}
    track_ids = [t.id for t in tracks]
    # Every answer the learner gave: mock answers when the attempt finished, practice
    # answers when they were checked. One statement (UNION ALL), the same four fields.
    # A mock question left blank is no answer: it scores as wrong in that exam, but
    # says nothing of what the learner knows (a mock left after one question read as
    # 46 wrong answers and a pass chance under 1 %).
    mocks = (
        select(Attempt.track_id, AttemptQuestion.question_version_id, QuestionVersion.domain,
               AttemptQuestion.is_correct, Attempt.finished_at.label("at"), QuestionVersion.question_id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(Attempt.user_id == user_id, Attempt.track_id.in_(track_ids), FINISHED,
               Attempt.finished_at <= now, func.json_array_length(AttemptQuestion.selected) > 0))
    practice = (
        select(PracticeSession.track_id, PracticeItem.question_version_id, QuestionVersion.domain,
               PracticeItem.is_correct, PracticeItem.checked_at.label("at"), QuestionVersion.question_id)
        .join(PracticeSession, PracticeSession.id == PracticeItem.session_id)
        .join(QuestionVersion, QuestionVersion.id == PracticeItem.question_version_id)
        .where(PracticeSession.user_id == user_id, PracticeSession.track_id.in_(track_ids),
               PracticeItem.checked_at.is_not(None), PracticeItem.checked_at <= now))
    rows = session.execute(union_all(mocks, practice)).all()
    # Answers given soon after that question's answer was shown measure memory, not
    # knowledge (forecast.counted): left out, before counting towards MIN_ANSWERS too.
    given: dict[int, list] = defaultdict(list)
    for row, kept in zip(rows, counted([(row[5], row[4]) for row in rows])):
        if kept:
            given[row[0]].append(row)
    # Below MIN_ANSWERS a track's forecast is "answer N more", which needs no difficulty:
    # a learner on the way to a first mock (a whole class arriving at once) is spared
    # reading every version of the track with its tally.
    ready = [t for t in track_ids if len(given[t]) >= MIN_ANSWERS]
    difficulty, pools = _item_difficulties(session, ready) if ready else ({}, {})
    forecasts = {}
    for t in tracks:
        if t.id not in ready:
            forecasts[t.id] = waiting((row[2] for row in given[t.id]), blueprint_for(t, {}))
            continue
        answers = [Answer(domain, bool(correct), finished_at, difficulty[version_id])
                   for _, version_id, domain, correct, finished_at, _ in given[t.id]]
        forecasts[t.id] = forecast(answers, blueprint_for(t, pools[t.id]), now, levers=levers)
    return forecasts


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _changed(changes, choose: int) -> bool:
    # [[t, [keys]]] holds three "[": one save cannot be a change, and needs no decoding.
    if not changes or (isinstance(changes, str) and changes.count("[") <= 3):
        return False
    return answer_changed((c[1] for c in _json(changes)), choose)


@dataclass(frozen=True)
class ItemReport:
    """One question version's statistics with where it lives."""

    track: str
    bank_id: str
    version_id: int
    domain: str
    stats: ItemStats


def _responses_query():
    # The two JSON columns come back as text where the driver gives text (SQLite), and are
    # decoded only when needed: decoding every one took 2 of 3 seconds at 100,000 responses.
    return (select(AttemptQuestion.question_version_id, AttemptQuestion.attempt_id, AttemptQuestion.is_correct,
                   type_coerce(AttemptQuestion.selected, Text), AttemptQuestion.seconds_spent,
                   AttemptQuestion.flagged, type_coerce(AttemptQuestion.changes, Text), AttemptQuestion.choose)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id).where(FINISHED))


def _responses(rows, keys: dict[int, tuple[tuple[str, ...], tuple[str, ...]]]) -> list[Response]:
    """Responses from `_responses_query` rows; `keys` gives each version's choice keys and answer.

    A version missing from `keys` still counts towards its attempt's rest scores, with no
    choices: its own figures are not wanted.
    """
    none = ((), ())
    return [
        Response(item_id=version_id, attempt_id=attempt_id, correct=bool(correct),
                 # A right answer is the key itself.
                 selected=keys.get(version_id, none)[1] if correct
                 else (_json(selected) or () if version_id in keys else ()),
                 choices=keys.get(version_id, none)[0], seconds=seconds or 0, flagged=bool(flagged),
                 changed=_changed(changes, choose or 1) if version_id in keys else False)
        for version_id, attempt_id, correct, selected, seconds, flagged, changes, choose in rows
    ]


def item_reports(session: Session, track_slug: str | None = None) -> list[ItemReport]:
    """Statistics per question version from finished attempts, by track, bank id and version.

    Two statements: the responses, then the versions they answered (each version's choices
    read once, not once per response). An unanswered question counts as a response (and as
    wrong), as it does in the score.
    """
    in_track = (Track.slug == track_slug) if track_slug else True
    responses_query = _responses_query().join(Track, Track.id == Attempt.track_id).where(in_track)
    answered = select(AttemptQuestion.question_version_id).join(
        Attempt, Attempt.id == AttemptQuestion.attempt_id).where(FINISHED)
    versions = {
        version_id: (slug, bank_id, domain, tuple(c["key"] for c in choices), tuple(answer))
        for version_id, slug, bank_id, domain, choices, answer in session.execute(
            select(QuestionVersion.id, Track.slug, Question.bank_id, QuestionVersion.domain,
                   QuestionVersion.choices, QuestionVersion.answer)
            .join(Question, Question.id == QuestionVersion.question_id)
            .join(Track, Track.id == Question.track_id)
            .where(in_track, QuestionVersion.id.in_(answered)))
    }
    responses = _responses(session.execute(responses_query), {v: k[3:] for v, k in versions.items()})
    reports = [ItemReport(*versions[s.item_id][:2], s.item_id, versions[s.item_id][2], s)
               for s in item_statistics(responses)]
    return sorted(reports, key=lambda r: (r.track, r.bank_id, r.version_id))


def version_statistics(session: Session, versions: Sequence[QuestionVersion]) -> dict[int, ItemStats]:
    """The figures `item_reports` gives these question versions, by version id; none for one never answered.

    One statement: every response of the finished attempts that answered any of them, since
    a response's rest score (for the discrimination) counts its whole attempt.
    """
    if not versions:
        return {}
    keys = {v.id: (tuple(c["key"] for c in v.choices), tuple(v.answer)) for v in versions}
    attempts = (select(AttemptQuestion.attempt_id).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
                .where(FINISHED, AttemptQuestion.question_version_id.in_(list(keys))))
    rows = session.execute(_responses_query().where(AttemptQuestion.attempt_id.in_(attempts)))
    return {s.item_id: s for s in item_statistics(_responses(rows, keys)) if s.item_id in keys}
