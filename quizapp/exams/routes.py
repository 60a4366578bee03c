"""Exam views. Thin: parse, call an attempt operation, commit once, respond."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..exam import clock
from ..auth.login import live_cutoffs, session_token_hash
from ..auth.sessions import session_is_live
from ..extensions import db, login_manager
from ..models import Attempt, AttemptQuestion, QuestionVersion, Track, now_utc
from . import bp
from .attempts import (LoginProof, close_if_overdue, finish_attempt, in_progress_attempt,
                       labels_for, save_answer, start_attempt)
from .forms import AnswerForm, SaveRequest, SubmitForm

# Ids beyond a 32-bit integer cannot exist; refusing them in the URL keeps
# PostgreSQL from raising "integer out of range" as a 500.
ATTEMPT = "/attempts/<int(max=2147483647):attempt_id>"
POSITION = "<int(min=1,max=999):position>"


def owned_attempt(attempt_id: int) -> Attempt:
    """The current user's attempt, closed first if it is overdue; 404 for anyone else."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == current_user.id))
    if attempt is None:
        abort(404, "No such attempt.")
    if close_if_overdue(db.session, attempt, now_utc(), current_app.config["GRACE_SECONDS"]):
        db.session.commit()
    return attempt


@bp.post("/tracks/<slug:slug>/start")
@login_required
def start(slug: str):
    """Start an exam on a track, or resume the one in progress."""
    track = db.session.scalar(select(Track).where(Track.slug == slug))
    if track is None:
        abort(404, "No such track.")
    now = now_utc()
    attempt = in_progress_attempt(db.session, current_user.id, track.id)
    if attempt is not None and not close_if_overdue(
            db.session, attempt, now, current_app.config["GRACE_SECONDS"]):
        flash("You have this exam in progress; it continues where you left it.", "info")
        return redirect(url_for("exams.resume", attempt_id=attempt.id))
    try:
        attempt = start_attempt(db.session, current_user.id, track, now)
        db.session.commit()
    except IntegrityError:
        # Another request (a double click, another server) started it first.
        db.session.rollback()
        attempt = in_progress_attempt(db.session, current_user.id, track.id)
        if attempt is None:
            raise
    return redirect(url_for("exams.question", attempt_id=attempt.id, position=1))


@bp.get(ATTEMPT)
@login_required
def resume(attempt_id: int):
    """Send the learner to the first unanswered question, or to the result."""
    attempt = owned_attempt(attempt_id)
    if not attempt.in_progress:
        return redirect(url_for("history.result", attempt_id=attempt.id))
    items = db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)).all()
    position = next((i.position for i in items if not i.selected), 1)
    return redirect(url_for("exams.question", attempt_id=attempt.id, position=position))


def _question_page(attempt: Attempt, position: int, form: AnswerForm, status: int = 200):
    items = db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)).all()
    if not 1 <= position <= len(items):
        abort(404, "No such question in this attempt.")
    item = items[position - 1]
    version = db.session.get(QuestionVersion, item.question_version_id)
    shown = labels_for(item.choice_order)
    texts = version.choice_text()
    choices = [{"label": shown[key], "text": texts[key], "selected": key in item.selected,
                "struck": key in item.struck} for key in item.choice_order]
    return render_template(
        "exams/question.html", attempt=attempt, item=item, stem=version.stem, choices=choices,
        items=items, form=form,
        remaining=clock.remaining_seconds(attempt.deadline, now_utc()),
    ), status


@bp.route(f"{ATTEMPT}/questions/{POSITION}", methods=["GET", "POST"])
@login_required
def question(attempt_id: int, position: int):
    """One question; a POST saves it and moves on (the page without JavaScript)."""
    attempt = owned_attempt(attempt_id)
    if not attempt.in_progress:
        flash("This exam has ended.", "info")
        return redirect(url_for("history.result", attempt_id=attempt.id))
    form = AnswerForm()
    if request.method != "POST":  # GET, and HEAD like it
        return _question_page(attempt, position, form)
    if not form.validate():
        return _question_page(attempt, position, form, 422)
    result = save_answer(
        db.session, user_id=current_user.id, attempt_id=attempt.id, position=position, seq=None,
        selected=form.choice.data or [], flagged=form.flagged.data, struck=form.struck.data or [],
        seconds_spent=form.seconds_spent.data, now=now_utc(), grace_seconds=current_app.config["GRACE_SECONDS"])
    if result.status == "not_found":
        abort(404, result.message)
    if result.status == "invalid":
        db.session.rollback()
        form.choice.errors = [result.message]
        return _question_page(attempt, position, form, 422)
    db.session.commit()
    if result.status == "closed":
        flash(result.message, "warning")
        return redirect(url_for("history.result", attempt_id=attempt.id))
    go = (form.go.data or "").strip() or "stay"
    if go == "summary":
        return redirect(url_for("exams.summary", attempt_id=attempt.id))
    target = {"prev": position - 1, "next": position + 1, "stay": position}.get(go)
    target = int(go) if target is None else target
    target = min(max(target, 1), attempt.length)
    return redirect(url_for("exams.question", attempt_id=attempt.id, position=target))


@bp.post(f"{ATTEMPT}/questions/{POSITION}/save")
def save(attempt_id: int, position: int):
    """Autosave one question (JSON). Retries are harmless; old saves never win."""
    # Not @login_required: that loads the user row, and ownership (through a
    # live log-in session) is already part of save_answer's query.
    token = session_token_hash()
    if token is None:
        return login_manager.unauthorized()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="Send the answer as a JSON object."), 400
    try:
        data = SaveRequest.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return jsonify(error=f"{where}: {first['msg']}"), 422
    now = now_utc()
    cutoffs = live_cutoffs(now)
    result = save_answer(
        db.session, login=LoginProof(token, cutoffs.born_after, cutoffs.seen_after),
        attempt_id=attempt_id, position=position,
        seq=data.seq, selected=data.selected, flagged=data.flagged, struck=data.struck,
        seconds_spent=data.seconds_spent, now=now, grace_seconds=current_app.config["GRACE_SECONDS"])
    if result.status == "not_found":
        db.session.rollback()
        if not session_is_live(db.session, token, cutoffs):
            # Logged out elsewhere, or the session expired: the page keeps the
            # answer and asks the learner to log in again.
            return login_manager.unauthorized()
        return jsonify(error=result.message), 404
    if result.status == "invalid":
        db.session.rollback()
        return jsonify(error=result.message), 422
    db.session.commit()
    if result.status == "closed":
        return jsonify(error=result.message,
                       result_url=url_for("history.result", attempt_id=attempt_id)), 409
    return jsonify(saved=result.status == "saved", seq=result.seq, saved_at=now.isoformat(),
                   remaining_seconds=clock.remaining_seconds(result.deadline, now))


@bp.get(f"{ATTEMPT}/clock")
@login_required
def clock_view(attempt_id: int):
    """The server's remaining time, for the page to re-sync its countdown."""
    attempt = owned_attempt(attempt_id)
    return jsonify(status=attempt.status,
                   remaining_seconds=clock.remaining_seconds(attempt.deadline, now_utc())
                   if attempt.in_progress else 0)


@bp.get(f"{ATTEMPT}/summary")
@login_required
def summary(attempt_id: int):
    """Review before submitting: unanswered and flagged questions, then confirm."""
    attempt = owned_attempt(attempt_id)
    if not attempt.in_progress:
        return redirect(url_for("history.result", attempt_id=attempt.id))
    items = db.session.scalars(select(AttemptQuestion).where(
        AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)).all()
    return render_template("exams/summary.html", attempt=attempt, items=items, form=SubmitForm(),
                           remaining=clock.remaining_seconds(attempt.deadline, now_utc()))


@bp.post(f"{ATTEMPT}/submit")
@login_required
def submit(attempt_id: int):
    """Finish and score the attempt; a second submission changes nothing."""
    attempt = owned_attempt(attempt_id)
    if attempt.in_progress:
        finish_attempt(db.session, attempt, now_utc())
        db.session.commit()
    return redirect(url_for("history.result", attempt_id=attempt.id))
