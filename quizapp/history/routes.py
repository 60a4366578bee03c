"""Result, review and history views. Each loads what it shows in a fixed number of queries."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_login import current_user, login_required
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import joinedload

from ..exam import scoring
from ..exam.explanations import in_shown_letters
from ..exam.insights import ItemFacts, attempt_insight
from ..exams.attempts import labels_for
from ..exams.access import ATTEMPT, owned_attempt
from ..extensions import db
from ..i18n import gettext as _
from ..measure.evidence import track_forecasts
from ..measure.pacing import pacing_chart
from ..models import (Attempt, AttemptQuestion, PracticeItem, PracticeSession, Question, QuestionTranslation,
                      QuestionVersion, Track)
from ..report_form import ReportForm, send_report
from ..reports import latest_reports
from ..study.selection import SOURCE_TITLES
from .timeline_view import attempt_timeline
from . import bp
from .charts import trend_chart

REVIEW_FILTERS = ("all", "wrong", "flagged", "unanswered")
RECENT_FOR_DOMAINS = 5
# Far past any real history; a larger page number shows an empty page.
MAX_PAGE = 100_000
PRACTICE_SHOWN = 20


def _finished(attempt_id: int) -> Attempt:
    attempt = owned_attempt(attempt_id)
    if attempt.in_progress:
        # Nothing about answers may show before submission. A page (a bookmarked
        # result, say) goes back to the exam, with the reason: a bare "not found"
        # read as if the attempt were lost.
        message = _("This attempt is still in progress; submit it to see the result.")
        if request.method not in ("GET", "HEAD"):
            abort(404, message)
        flash(message, "info")
        abort(redirect(url_for("exams.resume", attempt_id=attempt.id)))
    return attempt


def _finished_attempt(attempt_id: int) -> tuple[
        Attempt, list[tuple[AttemptQuestion, QuestionVersion, str]], dict[int, QuestionTranslation | None]]:
    attempt = _finished(attempt_id)
    rows = db.session.execute(
        select(AttemptQuestion, QuestionVersion, Question.bank_id, QuestionTranslation)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .outerjoin(QuestionTranslation, (QuestionTranslation.question_version_id == QuestionVersion.id)
                   & (QuestionTranslation.language == attempt.language))
        .where(AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)
    ).all()
    translations = {item.id: translation for item, _, _, translation in rows}
    return attempt, [(item, version, bank_id) for item, version, bank_id, _ in rows], translations


def _track(attempt: Attempt) -> Track:
    return db.session.get(Track, attempt.track_id)


# What the result page reads of each question: no question text, choices or
# translation (those are the review's). Every learner of a class that started
# together lands on this page in the same second when the clock runs out; the
# whole rows, with nine JSON columns apiece, were a fifth of the page's CPU.
_RESULT_ROWS = (
    select(AttemptQuestion.position, AttemptQuestion.selected, AttemptQuestion.flagged,
           AttemptQuestion.is_correct, AttemptQuestion.seconds_spent, AttemptQuestion.changes,
           QuestionVersion.domain, QuestionVersion.answer, Question.bank_id)
    .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
    .join(Question, Question.id == QuestionVersion.question_id)
    .where(AttemptQuestion.attempt_id == bindparam("attempt_id")).order_by(AttemptQuestion.position))


@bp.get(f"{ATTEMPT}/result")
@login_required
def result(attempt_id: int):
    """Score, pass or fail, time used, domains weakest first, counts, insight, forecast and pacing."""
    attempt = _finished(attempt_id)
    rows = db.session.execute(_RESULT_ROWS, {"attempt_id": attempt.id}).all()
    track = _track(attempt)
    result = scoring.score([(r.domain, r.selected, r.answer) for r in rows],
                           attempt.pass_percent, [d["slug"] for d in track.domains])
    insight = attempt_insight([
        ItemFacts(r.position, r.bank_id, r.flagged, bool(r.is_correct), r.seconds_spent,
                  [c[1] for c in r.changes], r.answer) for r in rows])
    counts = {"answered": sum(1 for r in rows if r.selected),
              "unanswered": sum(1 for r in rows if not r.selected),
              "flagged": sum(1 for r in rows if r.flagged)}
    # The forecast as it stood when this attempt ended; the pacing against the attempt's own clock.
    forecast = track_forecasts(db.session, current_user.id, [track], attempt.finished_at)[track.id]
    pacing = pacing_chart([r.seconds_spent for r in rows],
                          int((attempt.deadline - attempt.started_at).total_seconds()))
    return render_template("history/result.html", attempt=attempt, track=track, result=result,
                           insight=insight, counts=counts, titles=track.domain_titles(),
                           forecast=forecast, pacing=pacing, blank={r.position for r in rows if not r.selected})


@bp.get(f"{ATTEMPT}/review")
@login_required
def review(attempt_id: int):
    """Every question with the learner's answer, the key and the explanation."""
    attempt, rows, translations = _finished_attempt(attempt_id)
    track = _track(attempt)
    show = request.args.get("show", "all")
    domain = request.args.get("domain", "")
    if show not in REVIEW_FILTERS:
        abort(400, _("Unknown filter %(show)r; use one of %(filters)s.", show=show, filters=", ".join(REVIEW_FILTERS)))
    titles = track.domain_titles()
    if domain and domain not in titles:
        abort(400, _("Unknown domain."))
    shown = []
    for item, version, bank_id in rows:
        if show == "wrong" and (item.is_correct or not item.selected):
            continue
        if show == "flagged" and not item.flagged:
            continue
        if show == "unanswered" and item.selected:
            continue
        if domain and version.domain != domain:
            continue
        labels = labels_for(item.choice_order)
        english = version.choice_text()
        translation = translations.get(item.id)
        texts = translation.choices if translation else english
        choices = [{"label": labels[k], "text": texts[k], "english": english[k], "chosen": k in item.selected,
                    "key": k in version.answer} for k in item.choice_order]
        shown.append({"item": item, "version": version, "bank_id": bank_id, "choices": choices,
                      "stem": translation.stem if translation else version.stem,
                      # In the letters this learner saw: the bank's (b) may be shown as D.
                      "explanation": in_shown_letters(
                          translation.explanation if translation else version.explanation, labels),
                      "english_explanation": in_shown_letters(version.explanation, labels),
                      "translated": translation is not None})
    reports = latest_reports(db.session, current_user.id, [v.id for _, v, _ in rows])
    return render_template("history/review.html", attempt=attempt, track=track, shown=shown,
                           show=show, domain=domain, titles=titles, filters=REVIEW_FILTERS,
                           reports=reports, report_form=ReportForm())


@bp.post(f"{ATTEMPT}/questions/<int(min=1,max=999):position>/report")
@login_required
def report(attempt_id: int, position: int):
    """Report a problem with a question of a finished attempt (once per version while open)."""
    attempt, rows, _translations = _finished_attempt(attempt_id)
    if not 1 <= position <= len(rows):
        abort(404, _("No such question in this attempt."))
    send_report(rows[position - 1][1].id)
    return redirect(url_for("history.review", attempt_id=attempt.id, _anchor=f"q{position}"))


@bp.get(f"{ATTEMPT}/timeline")
@login_required
def timeline(attempt_id: int):
    """What happened during the attempt, in server time."""
    attempt = _finished(attempt_id)
    return render_template("history/timeline.html", attempt=attempt, track=_track(attempt),
                           moments=attempt_timeline(db.session, attempt))


def _history_rows():
    return (select(Attempt).options(joinedload(Attempt.track))
            .where(Attempt.user_id == current_user.id)
            .order_by(Attempt.started_at.desc(), Attempt.id.desc()))


@bp.get("/history")
@login_required
def history():
    """All attempts, newest first, with a trend chart and domain scores per track."""
    # Read the page number ourselves: Flask-SQLAlchemy passes any integer to
    # OFFSET, and page=461168601842738792 overflowed into a 500.
    number = request.args.get("page", 1, type=int)
    page = db.paginate(_history_rows(), page=min(max(number, 1), MAX_PAGE),
                       per_page=current_app.config["HISTORY_PAGE_SIZE"], max_per_page=100, error_out=False)
    if page.total and not page.items:
        # Past the last page (an old link): the oldest attempts, not "No attempts yet".
        return redirect(url_for("history.history", page=page.pages))
    finished = db.session.execute(
        select(Attempt.id, Attempt.track_id, Attempt.finished_at, Attempt.correct_count,
               Attempt.length, Attempt.passed, Attempt.pass_percent)
        .where(Attempt.user_id == current_user.id, Attempt.correct_count.is_not(None))
        .order_by(Attempt.finished_at, Attempt.id)
    ).all()
    tracks = {t.id: t for t in db.session.scalars(select(Track))}
    by_track: dict[int, list] = defaultdict(list)
    for row in finished:
        by_track[row.track_id].append(row)
    recent_ids = [r.id for rows in by_track.values() for r in rows[-RECENT_FOR_DOMAINS:]]
    domain_rows = db.session.execute(
        select(AttemptQuestion.attempt_id, QuestionVersion.domain,
               func.count(), func.sum(func.coalesce(AttemptQuestion.is_correct, False).cast(db.Integer)))
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(AttemptQuestion.attempt_id.in_(recent_ids))
        .group_by(AttemptQuestion.attempt_id, QuestionVersion.domain)
    ).all() if recent_ids else []
    domain_scores: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for attempt_id, domain, total, correct in domain_rows:
        domain_scores[attempt_id][domain] = (int(correct or 0), int(total))
    trends = []
    for track_id, rows in by_track.items():
        track = tracks[track_id]
        chart = trend_chart([(format_datetime(r.finished_at, "short"), 100.0 * r.correct_count / r.length,
                              bool(r.passed)) for r in rows], track.pass_percent)
        recent = rows[-RECENT_FOR_DOMAINS:]
        trends.append({"track": track, "chart": chart, "recent": recent,
                       "domains": track.domains, "domain_scores": domain_scores})
    return render_template("history/index.html", page=page, trends=trends, practice=_practice_rows(),
                           sources=SOURCE_TITLES)


def _practice_rows():
    """The latest practice sessions with their checked and right counts, in one query.

    Listed apart from the attempts: practice is not a mock and never enters the trend chart.
    """
    return db.session.execute(
        select(PracticeSession, func.count(PracticeItem.checked_at),
               func.coalesce(func.sum(case((PracticeItem.is_correct.is_(True), 1), else_=0)), 0))
        .options(joinedload(PracticeSession.track))
        .outerjoin(PracticeItem, PracticeItem.session_id == PracticeSession.id)
        .where(PracticeSession.user_id == current_user.id)
        .group_by(PracticeSession.id)
        .order_by(PracticeSession.started_at.desc(), PracticeSession.id.desc()).limit(PRACTICE_SHOWN)
    ).all()


@bp.get("/history.csv")
@login_required
def history_csv():
    """The whole history as CSV, one row per attempt."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["attempt_id", "track", "started_at", "finished_at", "status", "minutes_used",
                     "questions", "correct", "score_percent", "pass_percent", "passed"])
    for attempt in db.session.scalars(_history_rows()):
        used = ((attempt.finished_at - attempt.started_at).total_seconds() / 60
                if attempt.finished_at else None)
        writer.writerow([
            attempt.id, attempt.track.slug, attempt.started_at.isoformat(),
            attempt.finished_at.isoformat() if attempt.finished_at else "", attempt.status,
            f"{used:.1f}" if used is not None else "", attempt.length,
            attempt.correct_count if attempt.correct_count is not None else "",
            f"{attempt.score_percent:.1f}" if attempt.score_percent is not None else "",
            attempt.pass_percent,
            {True: "yes", False: "no", None: ""}[attempt.passed],
        ])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=quizapp-history.csv"})
