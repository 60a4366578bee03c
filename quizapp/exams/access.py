"""Who may open an attempt, and the URL pieces that name one.

Shared by the exam pages and the history (result, review, timeline), so that
neither blueprint imports the other's routes.
"""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..i18n import gettext as _
from ..models import Attempt, now_utc
from .attempts import close_if_overdue

# Ids beyond a 32-bit integer cannot exist; refusing them in the URL keeps
# PostgreSQL from raising "integer out of range" as a 500.
ATTEMPT = "/attempts/<int(max=2147483647):attempt_id>"
POSITION = "<int(min=1,max=999):position>"


def owned_attempt(attempt_id: int) -> Attempt:
    """The current user's attempt, closed first if it is overdue; 404 for anyone else."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == current_user.id))
    if attempt is None:
        abort(404, _("No such attempt."))
    if close_if_overdue(db.session, attempt, now_utc(), current_app.config["GRACE_SECONDS"]):
        db.session.commit()
    return attempt
