"""The exam clock. The server's deadline is the only truth; `now` is passed in."""

from __future__ import annotations

import math
from datetime import datetime, timedelta


def deadline_for(started_at: datetime, duration_minutes: int) -> datetime:
    """When an attempt started at `started_at` must end."""
    return started_at + timedelta(minutes=duration_minutes)


def minutes_allowed(duration_minutes: int, percent: int = 100, extra_minutes: int = 0) -> int:
    """The exam time under an accommodation: the duration times percent / 100, plus extra minutes.

    Rounded up to whole minutes: an accommodation never takes a second away.
    """
    return math.ceil(duration_minutes * percent / 100) + extra_minutes


def remaining_seconds(deadline: datetime, now: datetime) -> int:
    """Whole seconds left before the deadline, never negative.

    Rounded up, so the page never shows 0 while the server still accepts
    answers as on time.
    """
    return max(0, math.ceil((deadline - now).total_seconds()))


def accepts_saves(deadline: datetime, now: datetime, grace_seconds: int) -> bool:
    """True until the deadline plus grace: a click made in time whose request
    arrives a little late must still count."""
    return now <= deadline + timedelta(seconds=grace_seconds)


def is_overdue(deadline: datetime, now: datetime, grace_seconds: int) -> bool:
    """True once no more saves can arrive: the attempt must be closed."""
    return not accepts_saves(deadline, now, grace_seconds)


def finish_time(deadline: datetime, now: datetime) -> tuple[datetime, bool]:
    """When a submission made at `now` finished, and whether it ran out of time.

    A submission at or after the deadline (the page submits itself at zero,
    or the attempt was closed later) finishes at the deadline.
    """
    if now >= deadline:
        return deadline, True
    return now, False


def seconds_run(started_at: datetime, deadline: datetime, now: datetime) -> int:
    """Whole seconds the attempt has run by `now`, at most its full duration.

    The cap for any time figure the page reports: no question can have taken
    longer than the attempt itself.
    """
    return max(0, int((min(now, deadline) - started_at).total_seconds()))
