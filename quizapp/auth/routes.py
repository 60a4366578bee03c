"""Account views."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import login_required, login_url, login_user, logout_user

from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import wants_json
from ..extensions import db, login_manager
from ..models import User, now_utc
from . import bp
from .forms import LoginForm, RegisterForm
from .login_limit import clear_failures, is_locked, record_failure

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the session stores the user's id."""
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def session_user_id() -> int | None:
    """The logged-in user's id, read from the signed session without a query.

    Flask-Login keeps it under "_user_id". The autosave route, the hottest
    path, uses this instead of `current_user`, which loads the user row on
    every request: the save's own query checks that the attempt belongs to
    this id, so the extra row would add a query and nothing else.
    """
    value = session.get("_user_id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


@login_manager.unauthorized_handler
def unauthorized():
    """Pages send the learner to log in; fetch calls get a 401 they can act on.

    A redirect would hand a fetch call the log-in page with status 200, which
    the exam page would take for a successful save.
    """
    if wants_json():
        return jsonify(error="You are logged out. Log in again to keep saving."), 401
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password")


def safe_next(target: str | None) -> str | None:
    """Return `target` only when it is a path on this site, else None.

    Rejects absolute URLs, scheme-relative `//host` and backslash tricks
    that browsers read as another host.
    """
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user: User) -> None:
    # A fresh session on log-in: nothing set before (by anyone who could
    # plant a cookie) carries over into the authenticated session.
    session.clear()
    login_user(user)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and log it in."""
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(email=form.email.data)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        _start_session(user)
        flash("Your account is ready.", "success")
        return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; after too many failures for one account, answer 429 for a while."""
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("auth/login.html", form=form, next_url=next_url), status

    config = current_app.config
    now = now_utc()
    email = form.email.data
    window = config["LOGIN_FAILURE_WINDOW_SECONDS"]
    if is_locked(db.session, email, now, config["LOGIN_FAILURE_LIMIT"], window):
        form.form_errors.append(
            f"Too many failed log-ins for this account. Wait {window} seconds and try again."
        )
        return render_template("auth/login.html", form=form, next_url=next_url), 429

    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        # Spend the same hashing time as for a real account, so response time
        # does not tell whether the email exists.
        check_password_hash(_dummy_hash(), form.password.data)
    if user is None or not user.check_password(form.password.data):
        record_failure(db.session, email, now, window)
        db.session.commit()
        # One message whether or not the email exists.
        form.form_errors.append("Email or password is wrong.")
        return render_template("auth/login.html", form=form, next_url=next_url), 401

    clear_failures(db.session, email)
    db.session.commit()
    _start_session(user)
    return redirect(next_url or url_for("main.index"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out and drop the whole session."""
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))
