"""Administrators' views. Anyone else gets 404: the area does not exist for them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from ..accommodations import grant
from ..extensions import db
from ..history.timeline_view import attempt_timeline
from ..i18n import gettext as _
from ..models import Accommodation, Attempt, QuestionReport, Track, User, now_utc
from ..reports import open_report_count, report_groups, resolve_report
from . import bp
from .forms import AccommodationForm, RemoveForm, TriageForm


@bp.before_request
def _administrators_only():
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


@bp.get("")
def index():
    """What waits for an administrator."""
    recent = db.session.execute(select(Attempt, User.email).join(User, User.id == Attempt.user_id)
                                .order_by(Attempt.started_at.desc()).limit(50)).all()
    return render_template("admin/index.html", open_reports=open_report_count(db.session), recent=recent)


@bp.get("/reports")
def reports():
    """Open reports grouped by question, with the item as learners saw it."""
    return render_template("admin/reports.html", groups=report_groups(db.session, "open"),
                           form=TriageForm())


@bp.post("/reports/<int(max=2147483647):report_id>")
def triage(report_id: int):
    """Accept, reject or mark fixed one report, with a note for the learner."""
    report = db.get_or_404(QuestionReport, report_id)
    form = TriageForm()
    if not form.validate_on_submit():
        abort(400, _("Choose accepted, rejected or fixed."))
    resolve_report(db.session, report, status=form.status.data, note=form.note.data or "", now=now_utc())
    db.session.commit()
    flash(_("Report %(id)s: %(status)s.", id=report.id, status=report.status), "success")
    return redirect(url_for("admin.reports"))


def _tracks() -> list[Track]:
    return db.session.scalars(select(Track).order_by(Track.title)).all()


def _accommodation_page(form: AccommodationForm, status: int = 200):
    rows = db.session.execute(select(Accommodation, User.email, Track.title)
                              .join(User, User.id == Accommodation.user_id)
                              .outerjoin(Track, Track.id == Accommodation.track_id)
                              .order_by(User.email)).all()
    return render_template("admin/accommodations.html", form=form, rows=rows, remove=RemoveForm()), status


def _accommodation_form() -> AccommodationForm:
    form = AccommodationForm()
    form.track.choices = [("all", _("All tracks"))] + [(t.slug, t.title) for t in _tracks()]
    return form


@bp.get("/accommodations")
def accommodations():
    """Learners with extra time, and the form that gives it."""
    return _accommodation_page(_accommodation_form())


@bp.post("/accommodations")
def add_accommodation():
    """Give extra time; attempts started from now on get it."""
    form = _accommodation_form()
    if not form.validate_on_submit():
        return _accommodation_page(form, 422)
    user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
    if user is None:
        form.email.errors = [_("No account has this email.")]
        return _accommodation_page(form, 422)
    track = None if form.track.data == "all" else db.session.scalar(
        select(Track).where(Track.slug == form.track.data))
    grant(db.session, user_id=user.id, track_id=track.id if track else None, percent=int(form.percent.data),
          extra_minutes=form.extra_minutes.data or 0, now=now_utc())
    db.session.commit()
    flash(_("Extra time saved for %(email)s. It applies to exams started from now on.", email=user.email),
          "success")
    return redirect(url_for("admin.accommodations"))


@bp.post("/accommodations/<int(max=2147483647):accommodation_id>/remove")
def remove_accommodation(accommodation_id: int):
    """Remove extra time (attempts already started keep theirs)."""
    if not RemoveForm().validate_on_submit():
        abort(400)
    db.session.execute(delete(Accommodation).where(Accommodation.id == accommodation_id))
    db.session.commit()
    return redirect(url_for("admin.accommodations"))


@bp.get("/attempts/<int(max=2147483647):attempt_id>/timeline")
def timeline(attempt_id: int):
    """Any attempt's timeline."""
    attempt = db.get_or_404(Attempt, attempt_id)
    return render_template("history/timeline.html", attempt=attempt, track=attempt.track,
                           moments=attempt_timeline(db.session, attempt), back=url_for("admin.index"))
