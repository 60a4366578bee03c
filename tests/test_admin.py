"""Administrators: the role, problem reports and their triage, accommodations, attempt timelines."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import (Attempt, AttemptQuestion, Question, QuestionReport, QuestionVersion, User,
                            now_utc)

from . import test_practice as practice
from .conftest import Auth, csrf_from, start_exam


def make_admin(app, email="boss@example.com"):
    client = app.test_client()
    Auth(client).register(email)
    result = app.test_cli_runner().invoke(args=["users", "admin", email])
    assert f"{email} is an administrator." in result.output
    return client


def finish(client, attempt_id, answers=(("A", False),)):
    token = csrf_from(client.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    for seq, (letter, flagged) in enumerate(answers, start=1):
        response = client.post(f"/attempts/{attempt_id}/questions/1/save", content_type="application/json",
                               data=json.dumps({"seq": seq, "selected": [letter], "flagged": flagged}),
                               headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert response.status_code == 200
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    return token


def test_the_admin_area_is_404_to_everyone_but_administrators(synced, learner):
    assert synced.test_client().get("/admin").status_code == 404
    assert learner.get("/admin").status_code == 404
    assert learner.get("/admin/reports").status_code == 404
    boss = make_admin(synced)
    assert boss.get("/admin").status_code == 200
    assert "Administration" in boss.get("/").get_data(as_text=True)
    synced.test_cli_runner().invoke(args=["users", "admin", "boss@example.com", "--revoke"])
    assert boss.get("/admin").status_code == 404
    missing = synced.test_cli_runner().invoke(args=["users", "admin", "nobody@example.com"])
    assert missing.exit_code != 0 and "no account has the email" in missing.output


def report(client, attempt_id, reason="wrong_key", comment="Option B is right per the docs."):
    page = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    return client.post(f"/attempts/{attempt_id}/questions/1/report",
                       data={"reason": reason, "comment": comment, "csrf_token": csrf_from(page)})


def reports(app):
    with app.app_context():
        return db.session.scalars(select(QuestionReport)).all()


def test_a_learner_reports_a_question_and_sees_the_outcome(synced, learner):
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    assert "Report a problem with this question" in learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    response = report(learner, attempt_id)
    assert response.status_code == 302 and response.headers["Location"].endswith("#q1")
    assert "have not looked at it yet" in learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    # One open report per learner and question version.
    report(learner, attempt_id, comment="again")
    assert len(reports(synced)) == 1
    boss = make_admin(synced)
    queue = boss.get("/admin/reports").get_data(as_text=True)
    assert "Option B is right per the docs." in queue and "learner@example.com" in queue
    assert "SECRET-EXPLANATION" in queue  # the item's explanation, for the author deciding
    report_id = reports(synced)[0].id
    token = csrf_from(queue)
    assert boss.post(f"/admin/reports/{report_id}", data={"status": "maybe", "csrf_token": token}).status_code == 400
    boss.post(f"/admin/reports/{report_id}", data={"status": "fixed", "note": "Key corrected in the bank.",
                                                   "csrf_token": token})
    review = learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Your report: fixed. Note from the authors: Key corrected in the bank." in review
    # Once resolved, the learner may report the same question again.
    report(learner, attempt_id, reason="typo", comment="")
    assert len(reports(synced)) == 2


def test_reports_refuse_bad_input_and_change_nothing(synced, learner, other_learner):
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    assert report(learner, attempt_id, reason="nonsense").status_code == 400
    assert report(learner, attempt_id, comment="x" * 2001).status_code == 400
    page = other_learner.get("/").get_data(as_text=True)
    assert other_learner.post(f"/attempts/{attempt_id}/questions/1/report",
                              data={"reason": "typo", "csrf_token": csrf_from(page)}).status_code == 404
    in_progress = start_exam(other_learner)
    assert other_learner.post(f"/attempts/{in_progress}/questions/1/report",
                              data={"reason": "typo", "csrf_token": csrf_from(page)}).status_code == 404
    assert reports(synced) == []


def test_reports_are_throttled_per_learner(synced, learner):
    synced.config["REPORT_LIMIT"] = 2
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    for position in (1, 2):
        page = learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
        learner.post(f"/attempts/{attempt_id}/questions/{position}/report",
                     data={"reason": "typo", "csrf_token": csrf_from(page)})
    page = learner.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    refused = learner.post(f"/attempts/{attempt_id}/questions/3/report", data={"reason": "typo", "csrf_token": csrf_from(page)})
    assert refused.status_code == 429 and len(reports(synced)) == 2


def practice_report(client, session_id, position, reason="unclear", comment="Which region is meant?"):
    page = client.get(f"/practice/{session_id}/questions/{position}").get_data(as_text=True)
    return client.post(f"/practice/{session_id}/questions/{position}/report",
                       data={"reason": reason, "comment": comment, "csrf_token": csrf_from(page)})


def report_area(page):
    """The report partial of a page: its status line and form, nothing else."""
    found = re.search(r'<div class="report-area".*?</div>', page, re.S)   # it holds no other div
    return found.group(0) if found else None


def test_a_learner_reports_from_practice_feedback_and_sees_the_outcome_there(synced, learner):
    session_id = practice.start_practice(learner, count="custom", custom_count="3")
    (item, version), *_ = practice.items(synced, session_id)
    csrf = practice.token(learner)
    # Before the check: no form on the page, and a posted report is refused.
    before = learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True)
    assert report_area(before) is None and "/report" not in before and "Report a problem" not in before
    refused = learner.post(f"/practice/{session_id}/questions/1/report", data={"reason": "typo", "csrf_token": csrf})
    assert refused.status_code == 409 and "Check this question before reporting" in refused.get_data(as_text=True)
    assert reports(synced) == []
    practice.check(learner, session_id, 1, {"selected": practice.wrong(item, version)}, csrf)
    page = learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True)
    form = report_area(page)
    assert "Report a problem with this question" in form and f"/practice/{session_id}/questions/1/report" in form
    # The form sits after the answer form, not inside it (forms do not nest), and holds no key.
    assert page.index("</form>") < page.index('<div class="report-area"')
    assert "SECRET-EXPLANATION" not in form and "(the answer)" not in form and "The answer" not in form
    # Another question's form differs only in its number: nothing in it comes from the item.
    second, second_version = practice.items(synced, session_id)[1]
    practice.check(learner, session_id, 2, {"selected": practice.right(second, second_version)}, csrf)
    other = report_area(learner.get(f"/practice/{session_id}/questions/2").get_data(as_text=True))
    assert re.sub(r"\b2\b", "1", other.replace("questions/2/", "questions/1/")) == form
    response = practice_report(learner, session_id, 1)
    assert response.status_code == 302 and response.headers["Location"].endswith("/questions/1#report-1")
    shown = learner.get(response.headers["Location"]).get_data(as_text=True)
    assert "your report is in the authors" in shown and "have not looked at it yet" in report_area(shown)
    assert "<details" not in report_area(shown)   # no second form while this one is open
    (filed,) = reports(synced)
    assert (filed.question_version_id, filed.reason, filed.comment) == (version.id, "unclear", "Which region is meant?")
    # The same version again, from the same page: refused with a clear message, nothing stored.
    again = learner.post(f"/practice/{session_id}/questions/1/report",
                         data={"reason": "typo", "csrf_token": csrf}, follow_redirects=True)
    assert "You already reported this question; its outcome will show here." in again.get_data(as_text=True)
    assert len(reports(synced)) == 1
    boss = make_admin(synced)
    queue = boss.get("/admin/reports").get_data(as_text=True)
    assert "Which region is meant?" in queue
    boss.post(f"/admin/reports/{filed.id}", data={"status": "rejected", "note": "The stem names the region.",
                                                  "csrf_token": csrf_from(queue)})
    after = report_area(learner.get(f"/practice/{session_id}/questions/1").get_data(as_text=True))
    assert "Your report: rejected. Note from the authors: The stem names the region." in after
    assert "<details" in after   # resolved: the learner may report it again


def test_practice_reports_refuse_bad_input_other_learners_and_share_the_throttle(synced, learner, other_learner):
    synced.config["REPORT_LIMIT"] = 1
    session_id = practice.start_practice(learner, count="custom", custom_count="3")
    csrf = practice.token(learner)
    for position in (1, 2):
        item, version = practice.items(synced, session_id)[position - 1]
        practice.check(learner, session_id, position, {"selected": practice.right(item, version)}, csrf)
    assert practice_report(learner, session_id, 1, reason="nonsense").status_code == 400
    assert practice_report(learner, session_id, 1, comment="x" * 2001).status_code == 400
    assert practice_report(learner, session_id, 9).status_code == 404
    page = other_learner.get("/").get_data(as_text=True)
    assert other_learner.post(f"/practice/{session_id}/questions/1/report",
                              data={"reason": "typo", "csrf_token": csrf_from(page)}).status_code == 404
    assert reports(synced) == []
    # One throttle per learner, whichever page the report comes from.
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    assert report(learner, attempt_id).status_code == 302
    assert practice_report(learner, session_id, 2).status_code == 429
    assert len(reports(synced)) == 1


def group_of(queue, bank_id):
    """One question's article in the admin queue."""
    return next(a for a in re.findall(r'<article class="report-group".*?</article>', queue, re.S) if bank_id in a)


def file_direct(app, email, version_id, reason="typo"):
    from quizapp.reports import file_report

    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == email))
        file_report(db.session, user_id=uid, version_id=version_id, reason=reason, comment="", now=now_utc())
        db.session.commit()


def test_the_queue_and_reports_list_show_each_items_statistics_in_fixed_statements(
        synced, learner, other_learner, count_queries):
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    report(learner, attempt_id)
    with synced.app_context():
        answered = db.session.scalar(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1))
        answered_id = answered.question_version_id
        never = db.session.scalar(select(QuestionVersion.id).where(
            QuestionVersion.id.not_in(select(AttemptQuestion.question_version_id))).limit(1))
        bank_ids = dict(db.session.execute(select(QuestionVersion.id, Question.bank_id).join(
            Question, Question.id == QuestionVersion.question_id)).all())
    file_direct(synced, "learner@example.com", never)
    boss = make_admin(synced)
    with count_queries() as few:
        queue = boss.get("/admin/reports").get_data(as_text=True)
    runner = synced.test_cli_runner()
    items = {i["version_id"]: i for i in json.loads(runner.invoke(args=["items", "stats", "--json"]).output)["items"]}
    figures = items[answered_id]
    assert figures["responses"] == 1
    seen = group_of(queue, bank_ids[answered_id])
    assert "Statistics from finished exams" in seen and "<dt>Responses</dt><dd>1</dd>" in seen
    assert f"<dd>{round(figures['facility'] * 100)} %</dd>" in seen
    assert "Discrimination</dt><dd>not yet computable</dd>" in seen   # one response: no spread
    # The share of each choice, next to it.
    assert seen.count("of responses</span>") == len(figures["choice_rates"])
    assert ("chosen in 100 % of responses" in seen) == bool(answered.selected)
    assert "None yet: no finished exam has answered this version." in group_of(queue, bank_ids[never])
    # The terminal prints the same figures `items stats` computes, and null before any.
    listed = {q["version"]: q for q in json.loads(runner.invoke(args=["reports", "list", "--json"]).output)["questions"]}
    assert listed[answered_id]["statistics"] == {k: figures[k] for k in listed[answered_id]["statistics"]}
    assert set(listed[answered_id]["statistics"]) == set(figures) - {"track", "bank_id", "version_id", "domain"}
    assert listed[never]["statistics"] is None
    text = runner.invoke(args=["reports", "list"]).output
    assert "statistics: n=1 facility=" in text and "statistics: no responses in finished attempts yet" in text
    # More reports, on more questions, from more learners and attempts: the same statements.
    for _ in range(2):
        other_attempt = start_exam(other_learner)
        finish(other_learner, other_attempt)
    with synced.app_context():
        others = db.session.scalars(select(AttemptQuestion.question_version_id).where(
            AttemptQuestion.attempt_id == other_attempt)).all()
    for version_id in others:
        file_direct(synced, "other@example.com", version_id)
    with count_queries() as many:
        more = boss.get("/admin/reports").get_data(as_text=True)
    assert more.count('<article class="report-group"') > queue.count('<article class="report-group"')
    # The user, then the reports with reporters, their versions, and all their statistics at once.
    assert len(many) == len(few) == 4, (len(few), len(many))


def test_the_queue_says_why_a_reported_item_is_marked_for_review_in_the_admins_language(synced):
    from .measure.builders import finished_attempt, make_user
    from .conftest import NOW

    # As in `items stats`' own test: one question nobody gets right over 30 attempts.
    target = {}
    for n in range(30):
        def rule(item, version, n=n):
            target.setdefault("id", version.id)
            return version.id != target["id"] and n % 2 == 0
        finished_attempt(synced, make_user(synced, f"r{n}@example.com"), NOW, right=rule, seed=11)
    file_direct(synced, "r0@example.com", target["id"], reason="wrong_key")
    boss = make_admin(synced)
    english = boss.get("/admin/reports").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>30</dd>" in english and "<dd>0 %</dd>" in english
    assert ("<strong>Marked for review:</strong> facility 0.00 under 0.20: is the key right, the stem clear?"
            in english)
    japanese = boss.get("/admin/reports", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "<strong>見直しが必要:</strong> 正答率 0.00 は 0.20 未満" in japanese and "<dd>0%</dd>" in japanese


def test_reports_list_cli(synced, learner):
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    report(learner, attempt_id)
    runner = synced.test_cli_runner()
    text = runner.invoke(args=["reports", "list"]).output
    assert "1 open report(s) on 1 question(s)." in text and "wrong_key by learner@example.com" in text
    data = json.loads(runner.invoke(args=["reports", "list", "--json"]).output)
    assert data["questions"][0]["reports"][0]["comment"] == "Option B is right per the docs."
    assert data["questions"][0]["answer"] and data["questions"][0]["references"]
    assert "0 fixed report(s)" in runner.invoke(args=["reports", "list", "--status", "fixed"]).output



def test_reports_list_cli_shows_a_comment_on_one_line_without_terminal_codes(synced, learner):
    # A comment that forges a second report line, clears the screen and flips the text.
    attempt_id = start_exam(learner)
    finish(learner, attempt_id)
    forged = "ok\n  #99 wrong_key by admin@example.com 2026-01-01: no action needed\x1b[2J\u202eevil"
    assert report(learner, attempt_id, comment=forged).status_code == 302
    text = synced.test_cli_runner().invoke(args=["reports", "list"]).output
    [line] = [l for l in text.splitlines() if "by learner@example.com" in l]
    assert line.endswith("ok\\u000a  #99 wrong_key by admin@example.com 2026-01-01: no action needed"
                         "\\u001b[2J\\u202eevil")
    assert "\x1b" not in text and "\u202e" not in text and "#99" not in text.replace(line, "")


def grant(boss, email="learner@example.com", track="test-architect", percent="150", extra="0"):
    page = boss.get("/admin/accommodations").get_data(as_text=True)
    return boss.post("/admin/accommodations", data={"email": email, "track": track, "percent": percent,
                                                   "extra_minutes": extra, "csrf_token": csrf_from(page)})


def test_an_accommodated_learner_gets_the_longer_clock_at_every_edge(synced, learner):
    boss = make_admin(synced)
    assert grant(boss, email="nobody@example.com").status_code == 422
    assert grant(boss, percent="300").status_code == 422
    assert grant(boss).status_code == 302
    assert "You have extra time: 135 minutes instead of 90." in learner.get("/tracks/test-architect").get_data(as_text=True)
    started = now_utc()
    attempt_id = start_exam(learner)
    with synced.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.minutes_allowed == 135
        assert abs((attempt.deadline - attempt.started_at) - timedelta(minutes=135)) < timedelta(seconds=1)
        deadline = attempt.deadline
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    runner = synced.test_cli_runner()
    with time_machine.travel(started + timedelta(minutes=91), tick=False):
        assert "Closed 0 overdue" in runner.invoke(args=["attempts", "close-overdue"]).output
        assert learner.get(f"/attempts/{attempt_id}/clock").json["remaining_seconds"] > 43 * 60
    with time_machine.travel(deadline + timedelta(seconds=29), tick=False):
        saved = learner.post(f"/attempts/{attempt_id}/questions/1/save", content_type="application/json",
                             data=json.dumps({"seq": 1, "selected": ["A"]}),
                             headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert saved.status_code == 200  # in the grace after the longer deadline
    with time_machine.travel(deadline + timedelta(seconds=31), tick=False):
        assert "Closed 1 overdue" in runner.invoke(args=["attempts", "close-overdue"]).output
    with synced.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finished_at == deadline and attempt.finished_by == "close-overdue"


def test_extra_minutes_for_all_tracks_and_a_track_setting_wins(synced, learner):
    boss = make_admin(synced)
    grant(boss, track="all", percent="100", extra="20")
    assert "110 minutes instead of 90" in learner.get("/tracks/test-architect").get_data(as_text=True)
    grant(boss, track="test-architect", percent="200", extra="0")
    assert "180 minutes instead of 90" in learner.get("/tracks/test-architect").get_data(as_text=True)


def test_the_timeline_lists_the_whole_attempt(synced, learner):
    start = now_utc()
    with time_machine.travel(start, tick=False):
        attempt_id = start_exam(learner)
        token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    for offset, kind in ((10, "offline"), (20, "online"), (30, "resync")):
        with time_machine.travel(start + timedelta(seconds=offset), tick=False):
            assert learner.post(f"/attempts/{attempt_id}/events", content_type="application/json",
                                data=json.dumps({"kind": kind}), headers={"X-CSRFToken": token}).json == {"recorded": True}
    with time_machine.travel(start + timedelta(seconds=35), tick=False):
        assert learner.post(f"/attempts/{attempt_id}/events", content_type="application/json",
                            data=json.dumps({"kind": "cheat"}), headers={"X-CSRFToken": token}).status_code == 422
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        finish(learner, attempt_id, answers=(("A", False), ("A", True), ("C", True)))
        html = learner.get(f"/attempts/{attempt_id}/timeline").get_data(as_text=True)
        result = learner.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    lines = re.findall(r"<td>\s*((?:Started|Question|The page|The connection|Submitted)[^<]*)", html)
    assert [line.strip() for line in lines] == [
        "Started (90 minutes allowed)", "The page lost its connection", "The connection came back",
        "The page re-synced its clock (after sleep or coming back to the tab)",
        "Question 1: answered A", "Question 1: flagged", "Question 1: answered C", "Submitted by the learner"]
    assert "Timeline" in result
    boss = make_admin(synced)
    assert "Question 1: answered C" in boss.get(f"/admin/attempts/{attempt_id}/timeline").get_data(as_text=True)
    other = synced.test_client()
    Auth(other).register("other@example.com")
    assert other.get(f"/attempts/{attempt_id}/timeline").status_code == 404



def test_an_event_sent_when_the_connection_returns_is_dated_when_it_happened(synced, learner):
    # Offline at 0:20, back at 0:40: both reach the server at 0:40, the first
    # saying it happened 20 s before. A day back at most, never before the start.
    start = now_utc().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        attempt_id = start_exam(learner)
        token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))

    def event(body):
        return learner.post(f"/attempts/{attempt_id}/events", content_type="application/json",
                            data=json.dumps(body), headers={"X-CSRFToken": token})

    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        for refused in ("20", -1, 86_401, True, 1.5, None):
            response = event({"kind": "offline", "seconds_ago": refused})
            assert response.status_code == 422 and "seconds_ago" in response.json["error"]
        assert event({"kind": "offline", "seconds_ago": 20}).json == {"recorded": True}
        assert event({"kind": "online", "seconds_ago": 0}).json == {"recorded": True}
        assert event({"kind": "resync", "seconds_ago": 86_400}).json == {"recorded": True}
        learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
        html = learner.get(f"/attempts/{attempt_id}/timeline").get_data(as_text=True)
    rows = re.findall(r"<td>(\d+:\d\d)</td>\s*<td>\s*((?:Started|The page|The connection)[^<]*)", html)
    assert [(at, what.strip()) for at, what in rows] == [
        ("0:00", "Started (90 minutes allowed)"),
        ("0:00", "The page re-synced its clock (after sleep or coming back to the tab)"),
        ("0:20", "The page lost its connection"), ("0:40", "The connection came back")]


def test_the_page_at_zero_is_recorded_as_the_one_that_submitted(synced, learner):
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    learner.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token, "by": "page"})
    assert "by the page at zero" in learner.get(f"/attempts/{attempt_id}/timeline").get_data(as_text=True)


def test_page_events_are_capped_per_attempt(synced, learner, monkeypatch):
    import quizapp.exams.attempts as attempts
    monkeypatch.setattr(attempts, "MAX_EVENTS", 3)  # the start counts as one
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    statuses = [learner.post(f"/attempts/{attempt_id}/events", content_type="application/json",
                             data=json.dumps({"kind": "resync"}), headers={"X-CSRFToken": token}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    with synced.app_context():
        assert db.session.scalar(select(func.count()).select_from(attempts.AttemptEvent)) == 3
