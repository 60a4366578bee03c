"""Practice views. Thin: parse, call a practice operation, commit once, respond."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..auth.login import live_cutoffs, session_token_hash
from ..auth.sessions import session_is_live
from ..database import write_transaction
from ..exam import clock
from ..exam.explanations import in_shown_letters
from ..exams.attempts import OVERTAKEN, LoginProof, in_progress_attempt, labels_for, overdue
from ..exams.forms import AnswerForm, SaveRequest
from ..errors import error_page, not_stored
from ..extensions import db, login_manager
from ..forms import json_body
from ..i18n import gettext as _
from ..models import PracticeItem, PracticeSession, QuestionTranslation, QuestionVersion, Track, now_utc
from ..report_form import ReportForm, send_report
from ..reports import latest_reports
from ..study.selection import SOURCE_TITLES, NoQuestions, Scope
from . import bp
from .forms import CheckRequest, SessionForm, StartPracticeForm
from .sessions import (MOCK_UNDER_WAY, check_answer, close_if_over_time, finish_session, over_time,
                       save_practice_answer, start_session, summarise)

SESSION = "/practice/<int(max=2147483647):session_id>"
POSITION = "<int(min=1,max=999):position>"
# Closed sessions and locked questions are conflicts with the stored state.
STATUS = {"not_found": 404, "closed": 409, "locked": 409, "invalid": 422, "mock_under_way": 409}
def _said(result) -> str:
    """A practice operation's message (marked where it is made) in the learner's language."""
    return _(result.message, **result.values)


def _track(slug: str) -> Track:
    track = db.session.scalar(select(Track).where(Track.slug == slug))
    if track is None:
        abort(404, _("No such track."))
    return track


def owned_session(session_id: int) -> PracticeSession:
    """The current learner's practice session, closed first if over time; 404 for anyone else."""
    practice = db.session.scalar(select(PracticeSession).where(
        PracticeSession.id == session_id, PracticeSession.user_id == current_user.id))
    if practice is None:
        abort(404, _("No such practice session."))
    now, grace = now_utc(), current_app.config["GRACE_SECONDS"]
    if over_time(practice, now, grace):
        # In a write transaction of its own, as an overdue exam is closed
        # (exams/access.py): a page's read transaction cannot become a write
        # on SQLite once another writer has committed.
        with write_transaction(db.session):
            close_if_over_time(db.session, practice, now, grace)
    return practice


def _mock_under_way(track_id: int) -> bool:
    """True while the current learner has a mock in progress on the track, its time
    and grace not run out: practice would show answers the mock may hold."""
    attempt = in_progress_attempt(db.session, current_user.id, track_id)
    return attempt is not None and not overdue(attempt, now_utc(), current_app.config["GRACE_SECONDS"])


def _start(track: Track, scope: Scope, time_limit: int | None, language: str):
    """The redirect to a new session's first question, or why there is none and its status."""
    if _mock_under_way(track.id):
        return None, (_(MOCK_UNDER_WAY), 409)
    try:
        practice = start_session(db.session, current_user.id, track, scope, now_utc(), time_limit,
                                 language=language)
    except NoQuestions as error:
        db.session.rollback()
        # The rule module's message is English, marked for translation.
        return None, (_(str(error)), 422)
    db.session.commit()
    return redirect(url_for("practice.question", session_id=practice.id, position=1)), None


@bp.route("/tracks/<slug:slug>/practice", methods=["GET", "POST"])
@login_required
def start(slug: str):
    """The practice form; a POST draws a session by scope and source and opens question 1."""
    track = _track(slug)
    form = StartPracticeForm().for_track(track.domains, track.languages, str(get_locale()))
    if request.method != "POST":
        return render_template("practice/start.html", track=track, form=form)
    if not form.validate():
        return render_template("practice/start.html", track=track, form=form), 422
    scope = Scope(domains=frozenset(form.domains.data or ()), difficulties=frozenset(form.difficulties.data or ()),
                  source=form.source.data, count=form.question_count())
    response, problem = _start(track, scope, form.time_limit.data, form.language.data)
    if problem:
        message, status = problem
        form.form_errors.append(message)
        return render_template("practice/start.html", track=track, form=form), status
    return response


@bp.get(SESSION)
@login_required
def resume(session_id: int):
    """Send the learner to the first unchecked question, or to the summary."""
    practice = owned_session(session_id)
    position = db.session.scalar(select(PracticeItem.position).where(
        PracticeItem.session_id == practice.id, PracticeItem.checked_at.is_(None))
        .order_by(PracticeItem.position).limit(1))
    if not practice.in_progress or position is None:
        return redirect(url_for("practice.summary", session_id=practice.id))
    return redirect(url_for("practice.question", session_id=practice.id, position=position))


def _question_page(practice: PracticeSession, position: int, form: AnswerForm, status: int = 200):
    rows = db.session.execute(
        select(PracticeItem, QuestionVersion).join(QuestionVersion, QuestionVersion.id == PracticeItem.question_version_id)
        .where(PracticeItem.session_id == practice.id).order_by(PracticeItem.position)).all()
    if not 1 <= position <= len(rows):
        abort(404, _("No such question in this session."))
    item, version = rows[position - 1]
    # In the session's language; a question whose English changed since it was
    # translated has no translation yet and shows in English, as in an exam.
    translation = None if practice.language == "en" else db.session.scalar(select(QuestionTranslation).where(
        QuestionTranslation.question_version_id == version.id, QuestionTranslation.language == practice.language))
    shown = labels_for(item.choice_order)
    texts = translation.choices if translation else version.choice_text()
    checked = item.checked_at is not None
    choices = [{"label": shown[key], "text": texts[key], "selected": key in item.selected,
                "struck": key in item.struck, "key": checked and key in version.answer}
               for key in item.choice_order]
    # The key, explanation and links go to the page only once the question is checked.
    feedback = {"correct": item.is_correct, "key": sorted(shown[k] for k in version.answer),
                "explanation": in_shown_letters(translation.explanation if translation else version.explanation,
                                                shown),
                "references": version.references} if checked else None
    # With the key shown, the learner may report the question: the outcome of their last
    # report on this version, and the form while none is open (one statement more).
    filed = latest_reports(db.session, current_user.id, [version.id]).get(version.id) if checked else None
    # A time limit counts down on the page from the server's clock, as an exam's does.
    remaining = (clock.remaining_seconds(practice.deadline, now_utc())
                 if practice.deadline and practice.in_progress else None)
    return render_template(
        "practice/question.html", practice=practice, item=item, choices=choices,
        stem=translation.stem if translation else version.stem,
        untranslated=practice.language != "en" and translation is None,
        text_language=practice.language if translation else "en",
        items=[i for i, _ in rows], form=form, feedback=feedback, remaining=remaining,
        open=practice.in_progress and not checked, filed=filed, report_form=ReportForm()), status


@bp.route(f"{SESSION}/questions/{POSITION}", methods=["GET", "POST"])
@login_required
def question(session_id: int, position: int):
    """One question; a POST saves it and moves on (the page without JavaScript)."""
    practice = owned_session(session_id)
    form = AnswerForm()
    if request.method != "POST":
        return _question_page(practice, position, form)
    if not form.validate():
        return _question_page(practice, position, form, 422)
    result = save_practice_answer(
        db.session, user_id=current_user.id, session_id=practice.id, position=position, seq=None,
        seen_seq=form.seq.data, selected=form.choice.data or [], flagged=form.flagged.data,
        struck=form.struck.data or [], seconds_spent=form.seconds_spent.data, now=now_utc(),
        grace_seconds=current_app.config["GRACE_SECONDS"])
    if result.status in ("not_found", "invalid"):
        db.session.rollback()
        if result.status == "not_found":
            abort(404, _said(result))
        form.choice.errors = [_said(result)]
        return _question_page(practice, position, form, 422)
    db.session.commit()
    # A locked or closed question only moves on: nothing of it changes. Nor does
    # one another window answered since this page opened, and the learner is told.
    if result.status == "stale":
        flash(_(OVERTAKEN, n=position), "warning")
    go = (form.go.data or "").strip() or "stay"
    if go == "summary":
        return redirect(url_for("practice.summary", session_id=practice.id))
    target = {"prev": position - 1, "next": position + 1, "stay": position}.get(go)
    target = min(max(int(go) if target is None else target, 1), practice.length)
    return redirect(url_for("practice.question", session_id=practice.id, position=target))


def _login() -> LoginProof | None:
    token = session_token_hash()
    if token is None:
        return None
    cutoffs = live_cutoffs(now_utc())
    return LoginProof(token, cutoffs.born_after, cutoffs.seen_after)


def _refused(result, login: LoginProof):
    """A JSON refusal; a not-found from an ended log-in asks the learner to log in again."""
    db.session.rollback()
    if result.status == "not_found" and not session_is_live(
            db.session, login.token_hash, live_cutoffs(now_utc())):
        return login_manager.unauthorized()
    if result.status == "mock_under_way":
        return jsonify(error=_said(result), resume_url=url_for("exams.resume", attempt_id=result.attempt_id)), 409
    return jsonify(error=_said(result)), STATUS[result.status]


def _with_others(operation, session_id: int, position: int, **arguments):
    """Run a practice write committed together with the answers arriving alongside
    it (exams/group_commit.py); it is on disk when this returns."""
    return current_app.extensions["quizapp.save_batches"].run(
        operation, ("practice", session_id, position), session_id=session_id, position=position, **arguments)


@bp.post(f"{SESSION}/questions/{POSITION}/save")
def save(session_id: int, position: int):
    """Autosave an unchecked question (JSON), as the exam's save: fixed statements, old saves never win."""
    login = _login()
    if login is None:
        return login_manager.unauthorized()
    data, problem = json_body(SaveRequest)
    if problem:
        return problem
    try:
        result = _with_others(
            save_practice_answer, session_id, position, login=login, seq=data.seq,
            selected=data.selected, flagged=data.flagged, struck=data.struck, seconds_spent=data.seconds_spent,
            now=now_utc(), grace_seconds=current_app.config["GRACE_SECONDS"])
    except SQLAlchemyError:
        current_app.logger.exception("save of practice %s question %s failed", session_id, position)
        return not_stored()
    if result.status in STATUS:
        return _refused(result, login)
    return jsonify(saved=result.status == "saved", seq=result.seq)


@bp.post(f"{SESSION}/questions/{POSITION}/check")
def check(session_id: int, position: int):
    """Check one question: score it, lock it, then return the result, key, explanation and links.

    JSON in, JSON out for the page's script; a plain form post (the page
    without JavaScript) checks the posted answer and shows the question again.
    """
    login = _login()
    if login is None:
        return login_manager.unauthorized()
    if request.is_json:
        data, problem = json_body(CheckRequest)
        if problem:
            return problem
        selected, flagged = data.selected, data.flagged
    else:
        form = AnswerForm()
        if not form.validate():
            return _form_refused(session_id, position, form)
        selected, flagged = form.choice.data or [], form.flagged.data
    try:
        result = _with_others(check_answer, session_id, position, login=login, selected=selected,
                              flagged=flagged, now=now_utc(), grace_seconds=current_app.config["GRACE_SECONDS"])
    except SQLAlchemyError:
        current_app.logger.exception("check of practice %s question %s failed", session_id, position)
        return not_stored()
    if result.status in STATUS:
        if request.is_json:
            return _refused(result, login)
        return _check_refused(result, login, session_id, position, form)
    if not request.is_json:
        return redirect(url_for("practice.question", session_id=session_id, position=position))
    return jsonify(correct=result.correct, key=result.key, explanation=result.explanation,
                   references=result.references)


def _check_refused(result, login: LoginProof, session_id: int, position: int, form: AnswerForm):
    """A check posted without JavaScript and refused: where the learner can go on."""
    db.session.rollback()
    if result.status == "not_found" and not session_is_live(db.session, login.token_hash, live_cutoffs(now_utc())):
        return login_manager.unauthorized()   # logged out elsewhere: log in, not "not found"
    if result.status == "mock_under_way":
        return error_page(409, _said(result), url_for("exams.resume", attempt_id=result.attempt_id),
                          _("Back to your exam"))
    if result.status == "closed":
        flash(_said(result), "warning")
        return redirect(url_for("practice.summary", session_id=session_id))
    if result.status == "locked":
        flash(_said(result), "info")
        return redirect(url_for("practice.question", session_id=session_id, position=position))
    if result.status == "invalid":
        form.choice.errors = [_said(result)]
        return _form_refused(session_id, position, form)
    abort(STATUS[result.status], _said(result))


def _form_refused(session_id: int, position: int, form: AnswerForm):
    """The question again with the reason, for a check posted without JavaScript."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return _question_page(owned_session(session_id), position, form, 422)


@bp.post(f"{SESSION}/questions/{POSITION}/report")
@login_required
def report(session_id: int, position: int):
    """Report a problem with a checked practice question (once per version while open)."""
    practice = owned_session(session_id)
    item = db.session.scalar(select(PracticeItem).where(PracticeItem.session_id == practice.id,
                                                        PracticeItem.position == position))
    if item is None:
        abort(404, _("No such question in this session."))
    if item.checked_at is None:
        # The form comes with the key; before the check there is neither.
        abort(409, _("Check this question before reporting a problem with it."))
    send_report(item.question_version_id)
    return redirect(url_for("practice.question", session_id=practice.id, position=position,
                            _anchor=f"report-{position}"))


@bp.get(f"{SESSION}/summary")
@login_required
def summary(session_id: int):
    """Accuracy per domain, the questions missed with links, and a drill on them."""
    practice = owned_session(session_id)
    rows = db.session.execute(
        select(PracticeItem.position, QuestionVersion.question_id, QuestionVersion.domain, PracticeItem.is_correct)
        .join(QuestionVersion, QuestionVersion.id == PracticeItem.question_version_id)
        .where(PracticeItem.session_id == practice.id).order_by(PracticeItem.position)).all()
    track = db.session.get(Track, practice.track_id)
    result = summarise([tuple(r) for r in rows], practice.length, [d["slug"] for d in track.domains])
    return render_template("practice/summary.html", practice=practice, track=track, result=result,
                           titles=track.domain_titles(), form=SessionForm(), sources=SOURCE_TITLES)


@bp.post(f"{SESSION}/finish")
@login_required
def finish(session_id: int):
    """End the session; a second finish changes nothing."""
    practice = owned_session(session_id)
    if practice.in_progress:
        finish_session(db.session, practice, now_utc())
        db.session.commit()
    return redirect(url_for("practice.summary", session_id=practice.id))


@bp.post(f"{SESSION}/missed")
@login_required
def missed(session_id: int):
    """A new session of the questions this one missed, in the same order."""
    practice = owned_session(session_id)
    wrong = db.session.scalars(
        select(QuestionVersion.question_id).join(PracticeItem, PracticeItem.question_version_id == QuestionVersion.id)
        .where(PracticeItem.session_id == practice.id, PracticeItem.is_correct.is_(False))
        .order_by(PracticeItem.position)).all()
    if not wrong:
        abort(422, _("This session has no missed questions to practise."))
    track = db.session.get(Track, practice.track_id)
    response, problem = _start(track, Scope(count=min(len(wrong), 100), only=tuple(wrong)), None, practice.language)
    if problem:
        message, status = problem
        abort(status, message)
    return response
