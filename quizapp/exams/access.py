"""Who may open an attempt, and the URL pieces that name one.

Shared by the exam pages and the history (result, review, timeline), so that
neither blueprint imports the other's routes.
"""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..database import write_transaction
from ..extensions import db
from ..i18n import gettext as _
from ..models import Attempt, now_utc
from .attempts import close_if_overdue, overdue

# Ids beyond a 32-bit integer cannot exist; refusing them in the URL keeps
# PostgreSQL from raising "integer out of range" as a 500.
ATTEMPT = "/attempts/<int(max=2147483647):attempt_id>"
POSITION = "<int(min=1,max=999):position>"


# Built once (pages ask for an attempt on nearly every request). With the track
# joined, for the pages that show its title: a lazy load was a statement of its own.
_OWNED = select(Attempt).where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
_OWNED_WITH_TRACK = _OWNED.options(joinedload(Attempt.track))


def owned_attempt(attempt_id: int, *, with_track: bool = False) -> Attempt:
    """The current user's attempt, closed first if it is overdue; 404 for anyone else.

    `with_track` loads the attempt's track in the same statement.
    """
    attempt = db.session.scalar(_OWNED_WITH_TRACK if with_track else _OWNED,
                                {"attempt_id": attempt_id, "user_id": current_user.id})
    if attempt is None:
        abort(404, _("No such attempt."))
    now, grace = now_utc(), current_app.config["GRACE_SECONDS"]
    if overdue(attempt, now, grace):
        # Closed in a write transaction of its own. A page (a GET) reads in a
        # deferred transaction, and SQLite refuses to turn that into a write
        # once another writer has committed since it began ("database is
        # locked", at once, whatever the busy timeout): a class's pages and
        # clocks arriving together as time ran out got 500s. The attempt is
        # read again under the write lock; finish_attempt's guard leaves the
        # scoring to whichever request closes it first.
        with write_transaction(db.session):
            close_if_overdue(db.session, attempt, now, grace)
    return attempt
