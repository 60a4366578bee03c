"""Finished attempts with chosen answers, built through the attempt operations, and
checked practice answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from quizapp.exams.attempts import finish_attempt
from quizapp.extensions import db
from quizapp.models import AttemptQuestion, PracticeItem, PracticeSession, QuestionVersion, Track, User

from ..conftest import NOW, start_attempt


def make_user(app, email: str) -> int:
    """A user row without going through registration (no log-in needed)."""
    with app.app_context():
        user = User(email=email, password_hash="no hash: this user never logs in")
        db.session.add(user)
        db.session.commit()
        return user.id


def finished_attempt(app, user_id: int, started: datetime, *, right=lambda item, version: True,
                     seconds=lambda item: 60, flagged=lambda item: False, changes=None,
                     slug: str = "test-architect", seed: int = 1, blank=lambda item: False) -> int:
    """Start an attempt, answer every question (right or wrong by `right`), finish it."""
    with app.app_context():
        track = db.session.scalar(select(Track).where(Track.slug == slug))
        attempt = start_attempt(db.session, user_id, track, started, seed=seed)
        items = db.session.scalars(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)).all()
        for item in items:
            version = db.session.get(QuestionVersion, item.question_version_id)
            if right(item, version):
                item.selected = list(version.answer)
            else:
                wrong = [k for k in item.choice_order if k not in version.answer]
                item.selected = wrong[:len(version.answer)]
            item.seconds_spent = seconds(item)
            item.flagged = flagged(item)
            item.changes = changes(item, version) if changes else [[item.seconds_spent, item.selected]]
            if blank(item):
                item.selected, item.changes = [], []
        db.session.flush()
        finish_attempt(db.session, attempt, started + timedelta(minutes=30), by="learner")
        db.session.commit()
        return attempt.id


def practised(app, user_id: int, slug: str, checks) -> None:
    """A practice session of `user_id` in track `slug`: one item per (version, right, checked at)."""
    with app.app_context():
        track = db.session.scalar(select(Track).where(Track.slug == slug))
        session = PracticeSession(user_id=user_id, track_id=track.id, source="any", started_at=NOW - timedelta(days=2),
                                  length=len(checks))
        db.session.add(session)
        db.session.flush()
        for position, (version, right, at) in enumerate(checks, start=1):
            db.session.add(PracticeItem(
                session_id=session.id, position=position, question_version_id=version.id,
                choice_order=[c["key"] for c in version.choices], choose=len(version.answer),
                selected=list(version.answer) if right else [], checked_at=at,
                is_correct=None if at is None else right))
        db.session.commit()
