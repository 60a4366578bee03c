"""Account views. Thin: check, call a session or throttle operation, commit once."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from ..auth import throttle
from ..auth.forms import EndSessionsForm, PasswordChangeForm
from ..auth.login import hash_password, password_checks, start_session, too_many
from ..auth.sessions import end_all_sessions
from ..database import reads_first, write_transaction
from ..extensions import db
from ..i18n import gettext as _
from ..models import now_utc
from . import bp


def _page(password_form: PasswordChangeForm, status: int = 200):
    return render_template("account/index.html", password_form=password_form,
                           end_form=EndSessionsForm()), status


@bp.get("")
@login_required
def index():
    """The account page: email, password change, log out everywhere."""
    return _page(PasswordChangeForm(account_email=current_user.email))


@bp.post("/password")
@login_required
@reads_first
def change_password():
    """Change the password; every other session of the account ends."""
    form = PasswordChangeForm(account_email=current_user.email)
    if not form.validate_on_submit():
        return _page(form, 422)
    now = now_utc()
    checks = password_checks(current_user.email)
    pair, per_address = checks
    # Counted before the hash, as a log-in is (auth/routes.py).
    with write_transaction(db.session):
        wait, counted = throttle.take(db.session, checks, now, ahead=[pair])
    if wait:
        form.form_errors.append(_("Too many wrong passwords. Wait %(wait)s seconds and try again.", wait=wait))
        return too_many(_page(form)[0], wait)
    user = current_user._get_current_object()
    if not user.check_password(form.current.data):
        with write_transaction(db.session):
            throttle.record(db.session, [per_address], now)
        form.current.errors = [_("That is not your current password.")]
        return _page(form, 422)
    new_hash = hash_password(form.password.data)  # outside the write lock
    with write_transaction(db.session):
        throttle.withdraw(db.session, counted)
        user.password_hash = new_hash
        end_all_sessions(db.session, user.id)
        start_session(user, now)
    flash(_("Your password is changed. Every other device is logged out."), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/end")
@login_required
def end_sessions():
    """Log out everywhere: every session of this account ends, this one too."""
    if not EndSessionsForm().validate_on_submit():
        return _page(PasswordChangeForm(account_email=current_user.email), 400)
    end_all_sessions(db.session, current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))
