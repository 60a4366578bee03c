"""Failed log-in counting, in the database so the limit holds across servers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import LoginFailure


def is_locked(session: Session, email: str, now: datetime, limit: int, window_seconds: int) -> bool:
    """True when `email` had `limit` or more failures within the window."""
    since = now - timedelta(seconds=window_seconds)
    count = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == email, LoginFailure.failed_at > since)
    )
    return (count or 0) >= limit


def record_failure(session: Session, email: str, now: datetime, window_seconds: int) -> None:
    """Count one failure and drop this account's failures older than the window."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == email,
            LoginFailure.failed_at <= now - timedelta(seconds=window_seconds),
        )
    )
    session.add(LoginFailure(email=email, failed_at=now))
    session.flush()


def clear_failures(session: Session, email: str) -> None:
    """Forget an account's failures after a successful log-in."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
