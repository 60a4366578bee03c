"""Exam views. Thin: parse, call an attempt operation, commit once, respond."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..exam import clock
from ..auth.login import live_cutoffs, session_token_hash
from ..auth.sessions import session_is_live
from ..errors import not_stored
from ..extensions import db, login_manager
from ..forms import json_body
from ..i18n import gettext as _
from ..measure import pacing
from ..models import Attempt, AttemptQuestion, QuestionTranslation, QuestionVersion, Track, now_utc
from . import bp
from ..accommodations import accommodation_for, minutes_for
from ..database import reads_first, write_transaction
from .attempts import (MAX_EVENT_AGE_SECONDS, OVERTAKEN, PAGE_EVENTS, LoginProof, close_if_overdue, event_time,
                       finish_attempt, in_progress_attempt, labels_for, plan_attempt, record_page_event,
                       save_answer, store_attempt)
from .access import ATTEMPT, POSITION, owned_attempt
from .forms import AnswerForm, SaveRequest, StartForm, SubmitForm


@functools.cache
def _messages_json(locale: str) -> str:
    """The exam page script's words in `locale` (the request's), as JSON: the script holds no text.

    Once per language per process: the words only change with a release, and
    twenty lookups and their JSON were part of every question page.
    """
    return json.dumps({
        "ten_minutes": _("10 minutes left."), "five_minutes": _("5 minutes left."),
        "one_minute": _("1 minute left."), "saving": _("Saving..."), "saved": _("Saved %(time)s"),
        "not_saved": _("Not saved: %(reason)s"),
        "session_ended": _("your session has ended."),
        "kept": _("Your answer is kept on this device and sent when you reload the page."),
        "ended": _("This exam has ended."), "refused": _("the answer was refused"),
        "offline": _("Connection lost - answers are kept and sent when it returns"),
        "retrying": _("Not saved - retrying"),
        "offline_stay": _("Connection lost - stay on this question until it returns"),
        "too_many": _("Select no more than %(n)s options; clear one first."),
        # The pace line (measure/pacing.py).
        "on_pace": _("On pace"), "behind": _("%(n)s min behind"),
        "show_pace": _("Show pace"), "hide_pace": _("Hide pace"),
    })


@bp.app_context_processor
def _exam_messages():
    return {"exam_messages_json": lambda: _messages_json(str(get_locale()))}


@bp.post("/tracks/<slug:slug>/start")
@login_required
@reads_first
def start(slug: str):
    """Start an exam on a track, or resume the one in progress.

    The exam is assembled in a read transaction; only its three INSERTs take
    the write lock, so a whole class starting at once queues on short writes.
    """
    track = db.session.scalar(select(Track).where(Track.slug == slug))
    if track is None:
        abort(404, _("No such track."))
    attempt = in_progress_attempt(db.session, current_user.id, track.id)
    if attempt is not None:
        if not clock.is_overdue(attempt.deadline, now_utc(), current_app.config["GRACE_SECONDS"]):
            flash(_("You have this exam in progress; it continues where you left it."), "info")
            return redirect(url_for("exams.resume", attempt_id=attempt.id))
        with write_transaction(db.session):
            close_if_overdue(db.session, attempt, now_utc(), current_app.config["GRACE_SECONDS"])
    form = StartForm(languages=track.languages, preferred=str(get_locale()))
    if not form.validate():
        abort(400, _("Choose one of this exam's languages."))
    minutes = minutes_for(accommodation_for(db.session, current_user.id, track.id), track.duration_minutes)
    plan = plan_attempt(db.session, current_user.id, track, language=form.language.data, minutes=minutes)
    where = ("start", plan.user_id, plan.track_id)
    # The read transaction ends before the write (and nothing may reload after it:
    # the batch may write through this very connection).
    db.session.commit()
    try:
        # Committed with the starts and saves arriving alongside (group_commit.py):
        # a class starting together shares fsyncs.
        attempt_id = current_app.extensions["quizapp.save_batches"].run(store_attempt, where, plan=plan, now=now_utc())
    except IntegrityError:
        # Another request (a double click, another server) started it first.
        attempt = in_progress_attempt(db.session, current_user.id, plan.track_id)
        if attempt is None:
            raise
        attempt_id = attempt.id
    except SQLAlchemyError:
        current_app.logger.exception("start of %s for user %s failed", slug, plan.user_id)
        # Nothing was stored; starting again is safe.
        abort(503, _("The exam could not be started just now; try again in a moment."))
    return redirect(url_for("exams.question", attempt_id=attempt_id, position=1))


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


_NAVIGATOR = (
    select(AttemptQuestion.position, (func.json_array_length(AttemptQuestion.selected) > 0).label("answered"),
           AttemptQuestion.flagged)
    .where(AttemptQuestion.attempt_id == bindparam("attempt_id")).order_by(AttemptQuestion.position))


def _question_page(attempt: Attempt, position: int, errors: Sequence[str] = (), status: int = 200):
    # The navigator and the pace line read three plain columns of each question;
    # only the question shown is loaded whole (fifty ORM rows with four JSON
    # columns each were half a millisecond of every page, and decoding fifty
    # answers to learn which are empty a tenth of one).
    items = db.session.execute(_NAVIGATOR, {"attempt_id": attempt.id}).all()
    if not 1 <= position <= len(items):
        abort(404, _("No such question in this attempt."))
    now = now_utc()
    item, version, translation = db.session.execute(
        select(AttemptQuestion, QuestionVersion, QuestionTranslation)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .outerjoin(QuestionTranslation, (QuestionTranslation.question_version_id == QuestionVersion.id)
                   & (QuestionTranslation.language == attempt.language))
        .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == position)).one()
    shown = labels_for(item.choice_order)
    # No translation yet (the English changed since): this question shows in English.
    texts = translation.choices if translation else version.choice_text()
    choices = [{"label": shown[key], "text": texts[key], "selected": key in item.selected,
                "struck": key in item.struck} for key in item.choice_order]
    return render_template(
        "exams/question.html", attempt=attempt, item=item,
        stem=translation.stem if translation else version.stem, choices=choices,
        untranslated=attempt.language != "en" and translation is None,
        text_language=attempt.language if translation else "en",
        navigator=_navigator(items, position), errors=errors,
        remaining=clock.remaining_seconds(attempt.deadline, now), **_pace(attempt, items, now),
    ), status


def _navigator(items: Sequence[Row], current: int) -> list[tuple[int, str, bool, str]]:
    """Each navigator button: its position, its classes, whether it is the current
    question, and what it says to screen readers.

    The words are translated once per page: per question (three gettext calls,
    about 30 us apiece) they were a quarter of the page's CPU at 45 questions.
    Plain tuples spare the template a dozen attribute lookups per question.
    """
    pattern, answered, unanswered, flagged = (
        _("Question %(n)s, %(state)s"), _("answered"), _("unanswered"), _(", flagged"))
    return [(i.position, ("answered" if i.answered else "unanswered") + (" flagged" if i.flagged else ""),
             i.position == current,
             pattern % {"n": i.position, "state": answered if i.answered else unanswered}
             + (flagged if i.flagged else "")) for i in items]


def _pace(attempt: Attempt, items: Sequence[Row], now) -> dict:
    """The pace line's figures: the server's elapsed time against the questions answered."""
    duration = int((attempt.deadline - attempt.started_at).total_seconds())
    elapsed = clock.seconds_run(attempt.started_at, attempt.deadline, now)
    answered = sum(1 for i in items if i.answered)
    return {"pace": pacing.pace_now(elapsed, answered, attempt.length, duration),
            "pace_duration": duration, "pace_budget": pacing.budget_seconds(duration)}


@bp.route(f"{ATTEMPT}/questions/{POSITION}", methods=["GET", "POST"])
@login_required
def question(attempt_id: int, position: int):
    """One question; a POST saves it and moves on (the page without JavaScript)."""
    attempt = owned_attempt(attempt_id, with_track=True)
    if not attempt.in_progress:
        flash(_("This exam has ended."), "info")
        return redirect(url_for("history.result", attempt_id=attempt.id))
    if request.method != "POST":  # GET, and HEAD like it
        # No form object: building one was a sixteenth of the page's CPU, for
        # errors a GET never has.
        return _question_page(attempt, position)
    form = AnswerForm()
    if not form.validate():
        return _question_page(attempt, position, form.choice.errors, 422)
    result = save_answer(
        db.session, user_id=current_user.id, attempt_id=attempt.id, position=position, seq=None,
        seen_seq=form.seq.data, selected=form.choice.data or [], flagged=form.flagged.data,
        struck=form.struck.data or [], seconds_spent=form.seconds_spent.data, now=now_utc(),
        grace_seconds=current_app.config["GRACE_SECONDS"])
    if result.status == "not_found":
        abort(404, _(result.message))
    if result.status == "invalid":
        db.session.rollback()
        return _question_page(attempt, position, [_(result.message, **result.values)], 422)
    db.session.commit()
    if result.status == "closed":
        flash(_(result.message), "warning")
        return redirect(url_for("history.result", attempt_id=attempt.id))
    if result.status == "stale":
        flash(_(OVERTAKEN, n=position), "warning")
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
    data, problem = json_body(SaveRequest)
    if problem:
        return problem
    now = now_utc()
    cutoffs = live_cutoffs(now)
    try:
        # Committed with the saves that arrive alongside (see group_commit.py):
        # when this returns, the answer is on disk.
        result = current_app.extensions["quizapp.save_batches"].save(
            login=LoginProof(token, cutoffs.born_after, cutoffs.seen_after),
            attempt_id=attempt_id, position=position,
            seq=data.seq, selected=data.selected, flagged=data.flagged, struck=data.struck,
            seconds_spent=data.seconds_spent, now=now, grace_seconds=current_app.config["GRACE_SECONDS"])
    except SQLAlchemyError:
        current_app.logger.exception("autosave of attempt %s question %s failed", attempt_id, position)
        return not_stored()
    if result.status == "not_found":
        if not session_is_live(db.session, token, cutoffs):
            # Logged out elsewhere, or the session expired: the page keeps the
            # answer and asks the learner to log in again.
            return login_manager.unauthorized()
        return jsonify(error=_(result.message)), 404
    if result.status == "invalid":
        return jsonify(error=_(result.message, **result.values)), 422
    if result.status == "closed":
        return jsonify(error=_(result.message),
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
    form = SubmitForm()
    by = "page" if form.by.data == "page" else "learner"
    if attempt.in_progress:
        finish_attempt(db.session, attempt, now_utc(), by=by)
        db.session.commit()
    return redirect(url_for("history.result", attempt_id=attempt.id))


@bp.post(f"{ATTEMPT}/events")
@login_required
def report_event(attempt_id: int):
    """The page reports what only it sees (clock resync, connection lost and back) for the timeline."""
    attempt = owned_attempt(attempt_id)
    body = request.get_json(silent=True)
    kind = body.get("kind") if isinstance(body, dict) else None
    if kind not in PAGE_EVENTS:
        return jsonify(error=_("Unknown event.")), 422
    # An event seen while offline reaches the server when the connection is
    # back: the page says how long ago it happened, by its own monotonic clock.
    ago = body.get("seconds_ago", 0)
    if type(ago) is not int or not 0 <= ago <= MAX_EVENT_AGE_SECONDS:
        return jsonify(error=_("seconds_ago must be a whole number of seconds from 0 to %(max)s.",
                               max=MAX_EVENT_AGE_SECONDS)), 422
    if not attempt.in_progress:
        return jsonify(error=_("This exam has ended.")), 409
    now = now_utc()
    if not record_page_event(db.session, attempt.id, kind, event_time(attempt, now, ago)):
        return jsonify(error=_("Too many events for one attempt.")), 429
    db.session.commit()
    return jsonify(recorded=True)
