"""Throttles kept in the database, so they hold across servers.

Plain functions over a SQLAlchemy session and `now`, no Flask. A throttle
counts events per key within a window. The first `free` events cost nothing;
after that each new event must wait a delay that doubles with every further
event (2 s, 4 s, 8 s ... up to the window), counted from the latest one.
Growing delays slow a guesser to a crawl without locking anyone out for long.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from ..models import ThrottleEvent

FIRST_DELAY_SECONDS = 2


@dataclass(frozen=True)
class Throttle:
    """A kind of event, how many are free per key and how long they count."""

    kind: str
    free: int
    window_seconds: int

    def wait_seconds(self, count: int, latest: datetime | None, now: datetime) -> int:
        """Seconds until one more event is allowed, given the events in the window."""
        if latest is None or count < self.free:
            return 0
        delay = min(self.window_seconds, FIRST_DELAY_SECONDS * 2 ** min(count - self.free, 30))
        return max(0, math.ceil((latest + timedelta(seconds=delay) - now).total_seconds()))


def wait_seconds(session: Session, checks: list[tuple[Throttle, str]], now: datetime) -> int:
    """The longest wait any of the (throttle, key) pairs asks for, in one query."""
    if not checks:
        return 0
    rows = session.execute(
        select(ThrottleEvent.kind, ThrottleEvent.key, func.count(), func.max(ThrottleEvent.at))
        .where(or_(*(and_(ThrottleEvent.kind == t.kind, ThrottleEvent.key == key,
                          ThrottleEvent.at > now - timedelta(seconds=t.window_seconds))
                     for t, key in checks)))
        .group_by(ThrottleEvent.kind, ThrottleEvent.key)
    ).all()
    found = {(kind, key): (count, latest) for kind, key, count, latest in rows}
    return max(throttle.wait_seconds(*found.get((throttle.kind, key), (0, None)), now)
               for throttle, key in checks)


def record(session: Session, events: list[tuple[Throttle, str]], now: datetime) -> list[int]:
    """Count one event for each (throttle, key), dropping that key's expired events; their ids."""
    for throttle, key in events:
        session.execute(delete(ThrottleEvent).where(
            ThrottleEvent.kind == throttle.kind, ThrottleEvent.key == key,
            ThrottleEvent.at <= now - timedelta(seconds=throttle.window_seconds)))
    added = [ThrottleEvent(kind=t.kind, key=k, at=now) for t, k in events]
    session.add_all(added)
    session.flush()
    return [event.id for event in added]


def take(session: Session, checks: list[tuple[Throttle, str]], now: datetime, *,
         ahead: list[tuple[Throttle, str]]) -> tuple[int, list[int]]:
    """The wait `checks` ask for; when there is none, one event counted now for each of `ahead`.

    For a try counted before the slow work it stands for (a password hash), in
    the caller's write transaction. Checked first and counted only after the
    work, tries arriving together all passed the check before any was counted:
    a burst of 24 log-ins ran 16 password checks on an account allowed 5.
    Here they take turns, each seeing the ones before it. Returns the wait and
    the counted events' ids, for `withdraw` when the try turns out not to count.
    """
    _take_turns(session, ahead)
    wait = wait_seconds(session, checks, now)
    if wait:
        return wait, []
    return 0, record(session, ahead, now)


def withdraw(session: Session, event_ids: list[int]) -> None:
    """Take back events counted ahead (a password that was right)."""
    if event_ids:
        session.execute(delete(ThrottleEvent).where(ThrottleEvent.id.in_(event_ids)))


def _take_turns(session: Session, events: list[tuple[Throttle, str]]) -> None:
    # SQLite's write transaction already lets one writer in at a time.
    # PostgreSQL lets two read the same count, so each key gets a lock held
    # to the end of the transaction, taken in one order so none wait in a cycle.
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(f"{throttle.kind}\0{key}" for throttle, key in events):
        lock_id = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(lock_id)))


def forget(session: Session, throttle: Throttle, key: str) -> None:
    """Drop a key's events (a successful log-in clears its own failures)."""
    session.execute(delete(ThrottleEvent).where(
        ThrottleEvent.kind == throttle.kind, ThrottleEvent.key == key))
