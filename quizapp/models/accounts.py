"""Accounts: learners and administrators, their log-in sessions, throttles and extra time."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

from ..extensions import db
from .base import UTCDateTime, now_utc


class User(UserMixin, db.Model):
    """A learner's account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # The interface language the learner chose on the account page; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(10), default=None)
    # Set with `flask users admin EMAIL`: opens /admin (reports, accommodations, timelines).
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=db.false())

    # Not a column: the log-in token of the session this request was loaded
    # for. Flask-Login keeps get_id() in the cookie, so the cookie names a
    # session that can be ended, not just a user.
    login_token = None

    def get_id(self) -> str | None:
        """The token Flask-Login stores in the session cookie."""
        return self.login_token

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class UserSession(db.Model):
    """One logged-in browser. The cookie holds a random token; this row is its hash.

    Deleting the row ends that session on every server at once: log-out deletes
    one, a password change or "log out everywhere" deletes all of a user's.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the cookie's token: a copy of the database gives no live cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ThrottleEvent(db.Model):
    """One counted event (a failed log-in, a registration) for a throttle key.

    Kept in the database so every server sees the same counts.
    """

    __tablename__ = "throttle_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "login-pair" (account and address), "login-address", "register-address"...
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_throttle_events_kind_key_at", "kind", "key", "at"),)


class Accommodation(db.Model):
    """Extra time an administrator gave a learner, for one track or (track None) all."""

    __tablename__ = "accommodations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), default=None)
    # Time is multiplied by percent / 100 (125, 150, 200), then extra_minutes are added.
    percent: Mapped[int] = mapped_column(Integer, default=100)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
