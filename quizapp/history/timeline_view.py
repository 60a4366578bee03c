"""Loading an attempt's timeline for a page (the learner's result, an administrator's view)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..exam.timeline import Moment, build_timeline
from ..exams.attempts import labels_for
from ..models import Attempt, AttemptEvent, AttemptQuestion


def attempt_timeline(session: Session, attempt: Attempt) -> list[tuple[Moment, list[str]]]:
    """Every moment of `attempt` with the shown letters of its answer, in two queries."""
    events = session.execute(select(AttemptEvent.at, AttemptEvent.kind, AttemptEvent.detail)
                             .where(AttemptEvent.attempt_id == attempt.id).order_by(AttemptEvent.id)).all()
    items = session.execute(select(AttemptQuestion.position, AttemptQuestion.changes,
                                   AttemptQuestion.choice_order)
                            .where(AttemptQuestion.attempt_id == attempt.id)).all()
    orders = {position: order for position, _, order in items}
    moments = build_timeline(attempt.started_at, [tuple(e) for e in events],
                             [(position, changes) for position, changes, _ in items])
    return [(m, [labels_for(orders[m.position])[k] for k in m.keys if k in orders[m.position]]
             if m.position else []) for m in moments]
