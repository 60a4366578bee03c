"""Home and track pages."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from ..exams.attempts import in_progress_attempt
from ..exams.forms import StartForm
from ..i18n import gettext as _
from .forms import LanguageForm
from ..accommodations import accommodation_for, minutes_for
from ..auth.routes import safe_next
from ..extensions import db
from ..i18n import LANGUAGES
from ..measure.evidence import track_forecasts
from ..models import Attempt, AttemptStatus, PracticeItem, PracticeSession, Question, Track, now_utc
from ..practice.forms import StartPracticeForm
from ..reviews import standing
from ..study.advice import DomainRecord, TrackRecord, next_step
from . import bp


def _records(tracks, by_track, running) -> list[TrackRecord]:
    records = []
    for track in tracks:
        domains = by_track.get(track.id, {})
        records.append(TrackRecord(
            track.slug, track.title, track.pass_percent, sum(d.due for d in domains.values()),
            tuple(DomainRecord(d["slug"], d["title"], domains[d["slug"]].seen, domains[d["slug"]].correct)
                  if d["slug"] in domains else DomainRecord(d["slug"], d["title"]) for d in track.domains),
            running.get(track.id)))
    return records


def _mocks_under_way(user_id: int, now) -> dict[int, int]:
    """{track id: attempt id} of the learner's mocks in progress whose time and grace have not run out."""
    cutoff = now - timedelta(seconds=current_app.config["GRACE_SECONDS"])
    return dict(db.session.execute(select(Attempt.track_id, Attempt.id).where(
        Attempt.user_id == user_id, Attempt.status == AttemptStatus.IN_PROGRESS.value,
        Attempt.deadline > cutoff)).all())


@bp.get("/")
def index():
    """The tracks loaded from the banks; for a learner, the pass chance, questions due and the next step."""
    rows = db.session.execute(
        select(Track, func.count(Question.id))
        .outerjoin(Question, (Question.track_id == Track.id) & Question.retired_at.is_(None))
        .group_by(Track.id).order_by(Track.title)
    ).all()
    forecasts, due, advice = {}, {}, None
    if current_user.is_authenticated:
        forecasts = track_forecasts(db.session, current_user.id, [t for t, _ in rows], now_utc(), levers=False)
        by_track = standing(db.session, current_user.id, now_utc())
        records = _records([t for t, _ in rows], by_track, _mocks_under_way(current_user.id, now_utc()))
        due = {r.slug: r.due for r in records}
        advice = next_step(records)
    return render_template("main/index.html", tracks=rows, forecasts=forecasts, due=due, advice=advice,
                           form=StartForm())


@bp.get("/tracks/<slug:slug>")
def track(slug: str):
    """A track's rules, the learner's pass forecast, the button that starts (or resumes) its exam,
    practice and mastery per domain."""
    row = db.session.execute(
        select(Track, func.count(Question.id))
        .outerjoin(Question, (Question.track_id == Track.id) & Question.retired_at.is_(None))
        .where(Track.slug == slug).group_by(Track.id)
    ).one_or_none()
    if row is None:
        abort(404, _("No such track."))
    track, bank_size = row
    attempt = accommodation = forecast = None
    mastery, open_sessions = {}, []
    if current_user.is_authenticated:
        attempt = in_progress_attempt(db.session, current_user.id, track.id)
        accommodation = accommodation_for(db.session, current_user.id, track.id)
        forecast = track_forecasts(db.session, current_user.id, [track], now_utc())[track.id]
        mastery = standing(db.session, current_user.id, now_utc(), track.id).get(track.id, {})
        open_sessions = db.session.scalars(
            select(PracticeSession).where(PracticeSession.user_id == current_user.id,
                                          PracticeSession.track_id == track.id,
                                          PracticeSession.finished_at.is_(None),
                                          # Every question checked: nothing left to resume.
                                          select(PracticeItem.id).where(
                                              PracticeItem.session_id == PracticeSession.id,
                                              PracticeItem.checked_at.is_(None)).exists())
            .order_by(PracticeSession.started_at.desc()).limit(5)).all()
    return render_template("main/track.html", track=track, bank_size=bank_size,
                           attempt=attempt, form=StartForm(languages=track.languages, preferred=str(get_locale())),
                           minutes=minutes_for(accommodation, track.duration_minutes),
                           forecast=forecast, practice_form=StartPracticeForm().for_track(
                               track.domains, track.languages, str(get_locale())),
                           mastery=mastery, open_sessions=open_sessions)


@bp.post("/language")
def language():
    """Switch the interface language, for this browser and, when logged in, the account."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400, _("Choose one of the offered languages."))
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("main.index"))
