"""The problem-report form and its sending, for every page that offers it.

The exam's review page and practice feedback both let a learner report the question
version they see; each route checks that the learner may see that version's key, then
hands it here. The rules (one open report, the reasons) live in `reports.py`.
"""

from __future__ import annotations

from flask import abort, current_app, flash
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from .auth import throttle
from .extensions import db
from .forms import Form
from .i18n import gettext as _
from .models import now_utc
from .reports import MAX_COMMENT, REASONS, DuplicateReport, file_report

WINDOW_SECONDS = 3600


class ReportForm(Form):
    """Report a problem with a question: a reason and an optional comment."""

    reason = SelectField(_l("What is wrong"), choices=REASONS, validate_choice=True)
    comment = TextAreaField(_l("Details (optional)"), validators=[
        Optional(), Length(max=MAX_COMMENT, message=_l("Keep the comment under 2,000 characters."))])


def send_report(version_id: int) -> None:
    """File the posted report on a question version the learner has seen answered, and commit.

    Refuses a bad form (400) and a learner over the report limit (429); a second open
    report on the same version is not filed, and the learner is told so.
    """
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400, " ".join(e for errors in form.errors.values() for e in errors))
    now = now_utc()
    per_user = [(throttle.Throttle("report-user", current_app.config["REPORT_LIMIT"], WINDOW_SECONDS),
                 str(current_user.id))]
    # Counted first and in turn (throttle.take); a duplicate's rollback takes it back.
    wait, _counted = throttle.take(db.session, per_user, now, ahead=per_user)
    if wait:
        abort(429, _("You have sent many reports in a short time. Try again in %(wait)s seconds.", wait=wait))
    try:
        file_report(db.session, user_id=current_user.id, version_id=version_id, reason=form.reason.data,
                    comment=form.comment.data or "", now=now)
        db.session.commit()
        flash(_("Thank you: your report is in the authors' queue. Its outcome will show here."), "success")
    except DuplicateReport:
        db.session.rollback()
        flash(_("You already reported this question; its outcome will show here."), "info")
