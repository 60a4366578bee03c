"""Administrators and learners in a real browser: problem reports, extra time, the attempt timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptEvent, Question, now_utc

from ..conftest import PASSWORD
from .test_exam_in_browser import stored

pytestmark = pytest.mark.browser

LEARNER = "learner@example.com"
BOSS = "boss@example.com"
# The machine may be busy: waits that cross a server round trip get room.
SLOW = 20_000


def exam_ready(page):
    """Wait until the exam script has run (it is deferred)."""
    # A locator, not wait_for_function: polling a string expression needs eval, which the CSP refuses.
    expect(page.locator("html.js")).to_have_count(1)


def register_and_log_in(page, email):
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=email)).to_be_visible()


def administrator(browser, app):
    """A second person in their own browser context, made an administrator with the CLI command."""
    context = browser.new_context(base_url=app.base_url)
    context.set_default_timeout(SLOW)
    page = context.new_page()
    register_and_log_in(page, BOSS)
    result = app.test_cli_runner().invoke(args=["users", "admin", BOSS])
    assert f"{BOSS} is an administrator." in result.output
    page.goto("/")
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Administration", exact=True)).to_be_visible()
    return page


def start_exam(page):
    page.goto("/tracks/test-architect")
    page.get_by_role("button", name="Start exam").click()
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    exam_ready(page)
    return int(re.search(r"/attempts/(\d+)/", page.url).group(1))


def saved(page, act):
    """Do `act` and wait until the server has answered its save."""
    with page.expect_response(lambda r: r.url.endswith("/save") and r.request.method == "POST") as save:
        act()
    assert save.value.ok
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))


def answer(page, letter):
    saved(page, lambda: page.locator(f"label[for=choice-{letter}]").click())


def submit(page):
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("link", name="Review every answer")).to_be_visible()


def timeline_lines(page):
    """The 'What happened' column of a timeline page, as the reader sees it."""
    expect(page.get_by_role("heading", name="Timeline", exact=True)).to_be_visible()
    cells = page.locator("table.timeline tbody tr td:nth-child(3)").all_inner_texts()
    # The page re-syncs its clock whenever the tab comes back into view; a
    # browser may do that at any moment, so those lines are not part of the script.
    return [" ".join(c.split()) for c in cells if "re-synced" not in c]


def test_report_from_the_review_page_triage_as_admin_and_the_learner_sees_the_outcome(page, browser, live_app):
    page.context.set_default_timeout(SLOW)
    register_and_log_in(page, LEARNER)
    attempt_id = start_exam(page)
    answer(page, "A")
    submit(page)
    _, version = stored(live_app, attempt_id)[0]
    with live_app.app_context():
        bank_id = db.session.get(Question, version.question_id).bank_id

    page.get_by_role("link", name="Review every answer").click()
    question = page.locator("article#q1")
    question.get_by_text("Report a problem with this question").click()
    question.get_by_label("What is wrong").select_option(label="The key is wrong")
    question.get_by_label("Details (optional)").fill("The docs say the other option.")
    question.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Thank you: your report is in the authors' queue.")).to_be_visible()
    expect(page.locator("article#q1 .report-status")).to_have_text(
        "You reported a problem with this question; the authors have not looked at it yet.")
    # One open report per question: the form is gone while it is open.
    expect(page.locator("article#q1").get_by_text("Report a problem with this question")).to_have_count(0)

    admin = administrator(browser, live_app)
    expect(admin.get_by_role("main")).to_contain_text("Problem reports (1 open)")
    admin.get_by_role("link", name="Problem reports").click()
    group = admin.locator("article.report-group")
    expect(group).to_have_count(1)
    expect(group.get_by_role("heading", level=2)).to_have_text(f"{bank_id} · 1 open report")
    # The item's figures from finished exams: this one exam so far.
    stats = group.locator("section.item-stats")
    expect(stats.get_by_role("heading", level=3)).to_have_text("Statistics from finished exams")
    expect(stats.locator("dl > div").first).to_have_text(re.compile(r"Responses\s*1$"))
    expect(group.locator(".stem")).to_contain_text(version.stem.strip())
    key_texts = [version.choice_text()[k] for k in version.answer]
    expect(group.locator("li.key")).to_have_count(len(key_texts))
    for text in key_texts:
        expect(group.locator("li.key", has_text=text)).to_contain_text("Correct answer")
    expect(group.locator(".explanation")).to_contain_text(f"SECRET-EXPLANATION-{version.domain}")
    report = group.locator("section.report")
    expect(report).to_contain_text("The key is wrong")
    expect(report).to_contain_text(LEARNER)
    expect(report.locator("blockquote")).to_have_text("The docs say the other option.")
    report.get_by_label("Outcome").select_option("accepted")
    report.get_by_label("Note to the learner").fill("Thanks, the key is corrected in the next version.")
    report.get_by_role("button", name="Save outcome").click()
    expect(admin.get_by_text(re.compile(r"Report \d+: accepted\."))).to_be_visible()
    expect(admin.get_by_text("No open reports.")).to_be_visible()

    page.reload()
    expect(page.locator("article#q1 .report-status")).to_have_text(
        "Your report: accepted. Note from the authors: Thanks, the key is corrected in the next version.")
    # Once triaged, the learner may report the question again.
    expect(page.locator("article#q1").get_by_text("Report a problem with this question")).to_be_visible()
    admin.context.close()


def move_start(app, attempt_id, *, ago):
    """Move an attempt back in time, as if it had started `ago`: start, deadline and logged events."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        shift = now_utc() - ago - attempt.started_at
        attempt.started_at += shift
        attempt.deadline += shift
        for event in db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id)):
            event.at += shift
        db.session.commit()


def clock_seconds(page):
    h, m, s = (int(part) for part in page.locator("#timer-value").inner_text().split(":"))
    return h * 3600 + m * 60 + s


def test_extra_time_given_in_the_admin_page_lengthens_the_clock_and_the_page_submits_at_it(page, browser, live_app):
    page.context.set_default_timeout(SLOW)
    register_and_log_in(page, LEARNER)
    admin = administrator(browser, live_app)
    admin.get_by_role("link", name="Accommodations (extra time)").click()
    admin.get_by_label("Learner's email").fill(LEARNER)
    admin.get_by_label("Track").select_option(label="Test Architect")
    admin.get_by_label("Time multiplier").select_option("150")
    admin.get_by_role("button", name="Save extra time").click()
    expect(admin.get_by_text(f"Extra time saved for {LEARNER}.")).to_be_visible()
    row = admin.locator("table.attempts tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(LEARNER)
    expect(row).to_contain_text("150 %")
    admin.context.close()

    page.goto("/tracks/test-architect")
    expect(page.get_by_text("You have extra time: 135 minutes instead of 90.")).to_be_visible()
    attempt_id = start_exam(page)
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^2:1[45]:\d\d$"))
    assert 90 * 60 < clock_seconds(page) <= 135 * 60

    # 91 minutes in: the usual exam would be over; this one has 44 minutes left.
    move_start(live_app, attempt_id, ago=timedelta(minutes=91))
    page.reload()
    exam_ready(page)
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^0:4[34]:\d\d$"))
    answer(page, "B")

    # Eight seconds before the longer deadline: the page counts down and submits itself.
    move_start(live_app, attempt_id, ago=timedelta(minutes=135) - timedelta(seconds=8))
    page.reload()
    exam_ready(page)
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^0:00:0\d$"))
    page.wait_for_url(re.compile(r"/result$"), timeout=SLOW)
    expect(page.get_by_text("time ran out")).to_be_visible()
    expect(page.get_by_text(re.compile(r"of 135 minutes"))).to_be_visible()
    page.get_by_role("link", name="Timeline", exact=True).click()
    lines = timeline_lines(page)
    assert lines[0] == "Started (135 minutes allowed)"
    assert lines[-1] == "Time ran out; ended by the page at zero"
    with live_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "timed_out" and attempt.finished_by == "page"
        assert attempt.minutes_allowed == 135


def test_the_timeline_lists_the_whole_attempt_for_the_learner_and_an_administrator(page, browser, live_app):
    page.context.set_default_timeout(SLOW)
    register_and_log_in(page, LEARNER)
    attempt_id = start_exam(page)
    first = stored(live_app, attempt_id)[0][0]
    answer(page, "A")                                          # question 1
    answer(page, "B")                                          # ... changed
    # A choose-two question keeps both; a single answer moves to B.
    changed = "A, B" if first.choose == 2 else "B"
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Question 2 of 5")).to_be_visible()
    exam_ready(page)
    answer(page, "C")
    saved(page, lambda: page.keyboard.press("f"))             # flag question 2
    expect(page.locator("#flagged")).to_be_checked()
    # The timeline counts whole seconds and the page reports a lost connection
    # only once it is back: a second apart, the two cannot share a second.
    page.wait_for_timeout(1_100)
    page.context.set_offline(True)
    expect(page.locator("#save-status")).to_contain_text("Connection lost")
    # Coming back, the page sends both events; wait until the server has them.
    with page.expect_response(lambda r: r.url.endswith("/events") and r.request.post_data
                              and '"online"' in r.request.post_data, timeout=SLOW) as back:
        page.context.set_offline(False)
    assert back.value.ok
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Question 3 of 5")).to_be_visible()
    exam_ready(page)
    answer(page, "D")
    submit(page)

    page.get_by_role("link", name="Timeline", exact=True).click()
    expected = [
        "Started (90 minutes allowed)",
        "Question 1: answered A",
        f"Question 1: answered {changed}",
        "Question 2: answered C",
        "Question 2: flagged",
        "The page lost its connection",
        "The connection came back",
        "Question 3: answered D",
        "Submitted by the learner",
    ]
    assert timeline_lines(page) == expected

    admin = administrator(browser, live_app)
    recent = admin.locator("table.attempts tbody tr", has_text=LEARNER)
    expect(recent).to_contain_text("submitted")
    recent.get_by_role("link", name=f"Timeline of attempt {attempt_id}").click()
    assert timeline_lines(admin) == expected
    admin.context.close()
