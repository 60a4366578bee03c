"""Home and track pages."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..exams.attempts import in_progress_attempt
from ..exams.forms import StartForm
from .forms import LanguageForm
from ..accommodations import accommodation_for, minutes_for
from ..auth.routes import safe_next
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import Question, Track
from . import bp


@bp.get("/")
def index():
    """The tracks loaded from the banks, with their format and bank size."""
    rows = db.session.execute(
        select(Track, func.count(Question.id))
        .outerjoin(Question, (Question.track_id == Track.id) & Question.retired_at.is_(None))
        .group_by(Track.id).order_by(Track.title)
    ).all()
    return render_template("main/index.html", tracks=rows)


@bp.get("/tracks/<slug>")
def track(slug: str):
    """A track's rules, and the button that starts (or resumes) its exam."""
    row = db.session.execute(
        select(Track, func.count(Question.id))
        .outerjoin(Question, (Question.track_id == Track.id) & Question.retired_at.is_(None))
        .where(Track.slug == slug).group_by(Track.id)
    ).one_or_none()
    if row is None:
        abort(404, _("No such track."))
    track, bank_size = row
    attempt = accommodation = None
    if current_user.is_authenticated:
        attempt = in_progress_attempt(db.session, current_user.id, track.id)
        accommodation = accommodation_for(db.session, current_user.id, track.id)
    return render_template("main/track.html", track=track, bank_size=bank_size,
                           attempt=attempt, form=StartForm(languages=track.languages),
                           minutes=minutes_for(accommodation, track.duration_minutes))


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
