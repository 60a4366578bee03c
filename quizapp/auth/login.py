"""The current request's log-in: its session token, cutoffs, throttles, and starting one."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User
from ..security import client_address
from . import throttle
from .sessions import LiveCutoffs, open_session, token_hash


def live_cutoffs(now) -> LiveCutoffs:
    """The configured absolute lifetime and idle timeout, as cutoffs at `now`."""
    config = current_app.config
    return LiveCutoffs.at(now, timedelta(days=config["SESSION_LIFETIME_DAYS"]),
                          timedelta(minutes=config["SESSION_IDLE_MINUTES"]))


def hash_password(password: str) -> str:
    """Hash a new password with the configured method. Slow on purpose: call it
    outside any write transaction."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def spend_a_password_check(password: str) -> None:
    """Check `password` against a hash nobody has, so a log-in without an account
    takes as long as one with a wrong password, and timing does not tell."""
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


def session_token_hash() -> str | None:
    """The hash of this cookie's log-in token, read from the signed session without a query.

    The autosave route, the hottest path, checks the token inside its own
    query instead of loading the user, which would add a query per save.
    """
    token = session.get("_user_id")
    return token_hash(token) if isinstance(token, str) and token else None


def start_session(user: User, now) -> None:
    """Open a server-side session for `user` and put its token in a fresh cookie.

    Nothing set in the cookie before (by anyone who could plant one) carries
    over into the authenticated session. Call inside a write transaction.
    """
    token = open_session(db.session, user.id, now)
    locale = user.locale or session.get("locale")  # the account's choice, else this browser's
    session.clear()
    if locale:
        session["locale"] = locale
    session.permanent = True
    user.login_token = token
    login_user(user)


def login_throttles() -> tuple[throttle.Throttle, throttle.Throttle]:
    """Failed log-ins per account and address, and per address across accounts."""
    config = current_app.config
    window = config["LOGIN_FAILURE_WINDOW_SECONDS"]
    return (throttle.Throttle("login-pair", config["LOGIN_FAILURE_LIMIT"], window),
            throttle.Throttle("login-address", config["LOGIN_ADDRESS_LIMIT"], window))


def password_checks(email: str) -> list[tuple[throttle.Throttle, str]]:
    """The throttles a password try for `email` from this client counts against.

    Per account and address (a stranger cannot lock the owner out) and per
    address across accounts (spraying). The first is the one a success clears.
    """
    address = client_address()
    pair, per_address = login_throttles()
    return [(pair, f"{email} {address}"), (per_address, address)]


# A browser that has logged in to an account before keeps a signed note of it
# (OWASP's "device cookie"). Its tries at that account are held only by the
# account's own count, not by the address's count across accounts: one person
# behind a school's or an office's address who fails 20 times (typos, or a
# sprayer) no longer locks every learner there out of their own accounts.
DEVICE_COOKIE = "quizapp_device"
DEVICE_DAYS = 180


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="quizapp-device")


def known_device(email: str) -> bool:
    """True when this browser has logged in to `email`'s account before (within DEVICE_DAYS)."""
    note = request.cookies.get(DEVICE_COOKIE)
    if not note:
        return False
    try:
        return _devices().loads(note, max_age=DEVICE_DAYS * 86400) == email
    except BadSignature:
        return False


def remember_device(response, email: str):
    """Note on the response that this browser logged in to `email`'s account."""
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(email), max_age=DEVICE_DAYS * 86400, path="/",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


def too_many(body: str, wait: int):
    """A 429 answer with the page and how long to wait, in seconds."""
    return body, 429, {"Retry-After": str(wait)}
