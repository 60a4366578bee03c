"""Extra exam time given by an administrator. Plain operations: flush, no commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from .exam import clock
from .models import Accommodation

PERCENTS = (100, 125, 150, 200)
MAX_EXTRA_MINUTES = 240


# Built once: every exam start asks.
_FOR_LEARNER = select(Accommodation).where(
    Accommodation.user_id == bindparam("user_id"),
    (Accommodation.track_id == bindparam("track_id")) | Accommodation.track_id.is_(None))


def accommodation_for(session: Session, user_id: int, track_id: int) -> Accommodation | None:
    """The learner's accommodation for a track: one for that track, else one for all tracks."""
    rows = session.scalars(_FOR_LEARNER, {"user_id": user_id, "track_id": track_id}).all()
    return min(rows, key=lambda a: a.track_id is None, default=None)


def minutes_for(accommodation: Accommodation | None, duration_minutes: int) -> int:
    """The time an exam of `duration_minutes` gives under `accommodation`."""
    if accommodation is None:
        return duration_minutes
    return clock.minutes_allowed(duration_minutes, accommodation.percent, accommodation.extra_minutes)


def grant(session: Session, *, user_id: int, track_id: int | None, percent: int, extra_minutes: int,
          now: datetime) -> Accommodation:
    """Give (or replace) a learner's accommodation for a track or for all tracks.

    It applies to attempts started from now on; attempts already started keep
    their deadline.
    """
    if percent not in PERCENTS or not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise ValueError("percent must be one of 100, 125, 150, 200 and extra minutes 0 to 240")
    session.execute(delete(Accommodation).where(
        Accommodation.user_id == user_id,
        Accommodation.track_id == track_id if track_id is not None else Accommodation.track_id.is_(None)))
    accommodation = Accommodation(user_id=user_id, track_id=track_id, percent=percent,
                                  extra_minutes=extra_minutes, created_at=now)
    session.add(accommodation)
    session.flush()
    return accommodation
