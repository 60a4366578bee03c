"""Account views: register, log in, log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (current_app, flash, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import login_required, login_url, logout_user
from sqlalchemy.exc import IntegrityError

from ..database import reads_first, write_intent, write_transaction
from ..errors import wants_json
from ..extensions import db, login_manager
from ..i18n import gettext as _
from ..models import User, now_utc
from ..security import client_address
from . import bp, throttle
from .forms import LoginForm, RegisterForm
from .login import (hash_password, known_device, live_cutoffs, password_checks, remember_device,
                    spend_a_password_check, start_session, too_many)
from .sessions import end_session, live_user, needs_touch, touch

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Flask-Login's loader. The session holds a log-in token, not the user id.

    A token whose row was deleted (log-out, password change, "log out
    everywhere") or that outlived its lifetime loads no one: that cookie is
    logged out on every server.
    """
    now = now_utc()
    found = live_user(db.session, token, live_cutoffs(now))
    if found is None:
        return None
    user, session_id, last_seen_at = found
    if needs_touch(last_seen_at, now):
        if write_intent.get():
            touch(db.session, session_id, now)  # committed with the request's own writes
        else:
            # A read request must not upgrade its read transaction to a write
            # (SQLite refuses that once another writer committed); write apart.
            with write_transaction(db.session):
                touch(db.session, session_id, now)
    user.login_token = token
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Pages send the learner to log in; fetch calls get a 401 they can act on.

    A redirect would hand a fetch call the log-in page with status 200, which
    the exam page would take for a successful save.
    """
    if wants_json():
        return jsonify(error=_("You are logged out. Log in again to keep saving.")), 401
    flash(_("Log in to continue."), login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


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


@bp.route("/register", methods=["GET", "POST"])
@reads_first
def register():
    """Create an account, answering alike whether or not the email had one.

    Telling "this email is taken" would let anyone test which emails have
    accounts. Both cases hash a password (the same time) and send the person
    to log in; an existing owner logs in with the password they already have.
    """
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form), 422 if form.errors else 200
    now = now_utc()
    per_address = throttle.Throttle("register-address", current_app.config["REGISTER_LIMIT"],
                                    current_app.config["REGISTER_WINDOW_SECONDS"])
    address = client_address()
    # Counted before the hash, in turn (throttle.take), so a burst from one
    # network cannot open more accounts than the limit.
    with write_transaction(db.session):
        wait, _counted = throttle.take(db.session, [(per_address, address)], now, ahead=[(per_address, address)])
    if wait:
        form.form_errors.append(
            _("Too many new accounts from your network. Try again in %(wait)s seconds.", wait=wait))
        return too_many(render_template("auth/register.html", form=form), wait)
    taken = db.session.scalar(db.select(User.id).where(User.email == form.email.data)) is not None
    password_hash = hash_password(form.password.data)  # outside the write lock
    if not taken:
        try:
            with write_transaction(db.session):
                db.session.add(User(email=form.email.data, password_hash=password_hash))
        except IntegrityError:
            pass  # the same email registered by another request meanwhile: taken, answered alike
    flash(_("Your account is ready: log in with your email and password. If you already had an "
            "account with this email, log in with the password you chose then."), "success")
    return redirect(url_for("auth.login", email=form.email.data), 303)


@bp.route("/login", methods=["GET", "POST"])
@reads_first
def login():
    """Log in. Failed tries slow down per account and address, and per address."""
    form = LoginForm()
    if request.method == "GET" and not form.email.data:
        form.email.data = (request.args.get("email") or "")[:254]
    next_url = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("auth/login.html", form=form, next_url=next_url), status

    now = now_utc()
    email = form.email.data
    checks = password_checks(email)
    pair, per_address = checks
    # A browser that logged in to this account before answers to the account's
    # own count only (login.known_device): others' failures from its address do
    # not hold it up, and its typos do not count against its neighbours.
    across = [] if known_device(email) else [per_address]
    checks = [pair, *across]
    # The try counts against its account and address before the hash, in turn
    # with tries arriving alongside (throttle.take); a right password clears it.
    # The address's count across accounts stays one of failures, so a class
    # logging in together behind one address is never held up.
    with write_transaction(db.session):
        wait, _counted = throttle.take(db.session, checks, now, ahead=[pair])
    if wait:
        form.form_errors.append(_("Too many failed log-ins. Wait %(wait)s seconds and try again.", wait=wait))
        return too_many(render_template("auth/login.html", form=form, next_url=next_url), wait)
    user = db.session.scalar(db.select(User).where(User.email == email))
    # The hash runs outside any write transaction: scrypt takes tens of
    # milliseconds, and under SQLite's write lock it would stall every save.
    # Without an account, spend the same time so timing does not tell.
    if user is None:
        spend_a_password_check(form.password.data)
    good = user is not None and user.check_password(form.password.data)
    with write_transaction(db.session):
        if not good:
            throttle.record(db.session, across, now)
        else:
            throttle.forget(db.session, *pair)  # this try's event with the earlier failures
            start_session(user, now)
    if not good:
        # One message whether or not the email exists.
        form.form_errors.append(_("Email or password is wrong."))
        return render_template("auth/login.html", form=form, next_url=next_url), 401
    return remember_device(redirect(next_url or url_for("main.index")), email)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out: end this session on the server, so a copied cookie stops working too."""
    end_session(db.session, session.get("_user_id", ""))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))
