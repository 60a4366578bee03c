"""A practice session in a real browser: feedback after each check, never before it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.exams.attempts import labels_for
from quizapp.extensions import db
from quizapp.models import PracticeItem, QuestionVersion, ReviewCard

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser


def ready(page):
    """Wait until both page scripts have run (they are deferred): exam.js, then practice.js."""
    # A locator, not wait_for_function: polling a string expression needs eval, which the CSP refuses.
    expect(page.locator("html.practice-ready")).to_have_count(1)


def register_and_log_in(page):
    page.goto("/auth/register")
    page.get_by_label("Email").fill("learner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Email")).to_have_value("learner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="learner@example.com")).to_be_visible()


def stored(app, session_id):
    with app.app_context():
        rows = db.session.execute(
            select(PracticeItem, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == PracticeItem.question_version_id)
            .where(PracticeItem.session_id == session_id).order_by(PracticeItem.position)).all()
        db.session.expunge_all()
        return rows


def test_five_question_practice_with_feedback_after_each_check(page, live_app):
    register_and_log_in(page)
    page.goto("/tracks/test-architect")
    page.get_by_label("Custom", exact=True).check()
    page.get_by_label("Custom number of questions (1 to 100)").fill("5")
    page.get_by_role("button", name="Start practice").click()
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    session_id = int(re.search(r"/practice/(\d+)/", page.url).group(1))
    rows = stored(live_app, session_id)
    assert len(rows) == 5
    for index, (item, version) in enumerate(rows):
        expect(page.get_by_role("heading", name=f"Question {item.position} of 5")).to_be_visible()
        ready(page)
        # Before the check: no feedback, no key, no explanation anywhere in the page.
        html = page.content()
        assert "SECRET-EXPLANATION" not in html and "(the answer)" not in html
        expect(page.locator("#feedback")).to_have_count(0)
        labels = labels_for(item.choice_order)
        key = sorted(labels[k] for k in version.answer)
        wrong = [labels[k] for k in item.choice_order if k not in version.answer][: item.choose]
        answer = key if index % 2 == 0 else wrong
        for letter in answer:
            page.keyboard.press(letter.lower())       # A-E choose, as on the exam page
        expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
        page.keyboard.press("Enter")                  # Check
        feedback = page.locator("#feedback")
        expect(feedback).to_be_visible()
        expect(feedback.get_by_role("heading")).to_have_text("Right" if answer == key else "Not right")
        expect(page.locator("#feedback-key")).to_have_text(", ".join(key))
        expect(feedback).to_contain_text(f"SECRET-EXPLANATION-{version.domain}")
        expect(feedback.get_by_role("link", name="https://docs.stripe.com/payments")).to_be_visible()
        # Locked: the options can no longer change.
        expect(page.locator("#choice-A")).to_be_disabled()
        checked = stored(live_app, session_id)[index][0]
        assert checked.checked_at is not None and checked.is_correct == (answer == key)
        ready(page)
        page.keyboard.press("Enter")                  # then on to the next (or the results)
    expect(page.get_by_role("heading", name="Practice results")).to_be_visible()
    expect(page.locator("#practice-score")).to_contain_text("3 of 5 checked questions right")
    expect(page.locator("#missed-list").get_by_role("link")).to_have_count(2)
    with live_app.app_context():
        assert len(db.session.scalars(select(ReviewCard)).all()) == 5
    page.get_by_role("button", name="Practise the ones I missed").click()
    expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()


def answer_with_keys(page, labels):
    for letter in labels:
        page.keyboard.press(letter.lower())
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))


def check_all_right(page, app, session_id, length):
    """Answer each question of a practice session right, check it (Enter) and go on (Enter)."""
    for item, version in stored(app, session_id):
        expect(page.get_by_role("heading", name=f"Question {item.position} of {length}")).to_be_visible()
        ready(page)
        answer_with_keys(page, sorted(labels_for(item.choice_order)[k] for k in version.answer))
        page.keyboard.press("Enter")
        expect(page.locator("#feedback").get_by_role("heading")).to_have_text("Right")
        ready(page)
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Practice results")).to_be_visible()


def test_wrong_in_a_mock_then_drill_then_review_the_due_ones(page, live_app):
    from quizapp.models import AttemptQuestion

    register_and_log_in(page)
    expect(page.locator("#next-step-reason")).to_contain_text("You have no answers yet")
    page.goto("/tracks/test-architect")
    page.get_by_role("button", name="Start exam").click()
    attempt_id = int(re.search(r"/attempts/(\d+)/", page.url).group(1))
    with live_app.app_context():
        rows = db.session.execute(
            select(AttemptQuestion, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
            .where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)).all()
        db.session.expunge_all()
    missed = set()
    for index, (item, version) in enumerate(rows):
        expect(page.get_by_role("heading", name=f"Question {item.position} of 5")).to_be_visible()
        expect(page.locator("html.js")).to_have_count(1)  # exam.js has run
        labels = labels_for(item.choice_order)
        if index in (0, 2):
            missed.add(version.question_id)
            answer_with_keys(page, [labels[k] for k in item.choice_order if k not in version.answer][: item.choose])
        else:
            answer_with_keys(page, sorted(labels[k] for k in version.answer))
        if index < 4:
            page.keyboard.press("n")
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit exam").click()

    # "I got wrong" practises exactly the two missed in the mock.
    page.goto("/tracks/test-architect")
    page.get_by_label("I got wrong").check()
    page.get_by_role("button", name="Start practice").click()
    expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    drill = int(re.search(r"/practice/(\d+)/", page.url).group(1))
    assert {v.question_id for _, v in stored(live_app, drill)} == missed
    check_all_right(page, live_app, drill, 2)

    # A day later (moved in the database): all five are due, and the advice says so.
    with live_app.app_context():
        for card in db.session.scalars(select(ReviewCard)):
            card.due -= timedelta(days=1)
        db.session.commit()
    page.goto("/")
    expect(page.locator("#due-test-architect")).to_have_text("5")
    expect(page.locator("#next-step-reason")).to_contain_text("5 questions are due for review")
    page.locator("#next-step").get_by_role("button", name="Review due questions").click()
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    review = int(re.search(r"/practice/(\d+)/", page.url).group(1))
    check_all_right(page, live_app, review, 5)
    page.goto("/")
    expect(page.locator("#due-test-architect")).to_have_text("0")
    expect(page.locator("#next-step-reason")).not_to_contain_text("due for review")


def test_report_from_practice_feedback_keeps_the_page_keys_out_of_the_form(page, live_app):
    from quizapp.models import QuestionReport

    register_and_log_in(page)
    page.goto("/tracks/test-architect")
    page.get_by_label("Custom", exact=True).check()
    page.get_by_label("Custom number of questions (1 to 100)").fill("2")
    page.get_by_role("button", name="Start practice").click()
    session_id = int(re.search(r"/practice/(\d+)/", page.url).group(1))
    (item, version), _second = stored(live_app, session_id)
    ready(page)
    expect(page.get_by_text("Report a problem with this question")).to_have_count(0)
    answer_with_keys(page, sorted(labels_for(item.choice_order)[k] for k in version.answer))
    page.keyboard.press("Enter")
    expect(page.locator("#feedback")).to_be_visible()
    ready(page)
    page.get_by_text("Report a problem with this question").click()
    reason = page.get_by_label("What is wrong")
    reason.focus()
    # In the form, Enter and the letters are the form's: no check, no next, no option picked.
    for key in ("Enter", "n", "p", "f", "b"):
        page.keyboard.press(key)
    expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    reason.select_option("typo")
    comment = page.get_by_label("Details (optional)")
    comment.fill("A typo")
    comment.press("Enter")
    comment.press_sequentially("in option B, see p. 2")
    with live_app.app_context():
        assert db.session.scalars(select(QuestionReport)).all() == []
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".report-status")).to_have_text(
        "You reported a problem with this question; the authors have not looked at it yet.")
    with live_app.app_context():
        (report,) = db.session.scalars(select(QuestionReport)).all()
        # A form sends a textarea's line breaks as CRLF.
        assert (report.reason, report.comment.splitlines(), report.question_version_id) == (
            "typo", ["A typo", "in option B, see p. 2"], version.id)
    # Off the form, Enter goes on as before.
    ready(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Question 2 of 2")).to_be_visible()


def test_a_time_limit_counts_down_and_ends_the_session_at_zero(page, live_app):
    from quizapp.models import PracticeSession, now_utc

    register_and_log_in(page)
    page.goto("/tracks/test-architect/practice")
    page.get_by_label("Custom", exact=True).check()
    page.get_by_label("Custom number of questions (1 to 100)").fill("3")
    page.get_by_label(re.compile("^Time limit in minutes")).fill("5")
    page.get_by_role("button", name="Start practice").click()
    ready(page)
    session_id = int(re.search(r"/practice/(\d+)/", page.url).group(1))
    # The time left, from the server's deadline, counting down.
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^0:0[45]:\d\d$"))
    first = page.locator("#timer-value").text_content()
    expect(page.locator("#timer-value")).not_to_have_text(first, timeout=3_000)
    # Near the end (moved in the database): an answer chosen now is saved, and at
    # zero the session ends by itself and shows its results. (Seconds enough for a
    # busy machine to load the page and save before the end.)
    with live_app.app_context():
        db.session.get(PracticeSession, session_id).deadline = now_utc() + timedelta(seconds=10)
        db.session.commit()
    page.reload()
    ready(page)
    page.keyboard.press("a")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    page.wait_for_url(re.compile(rf"/practice/{session_id}/summary$"), timeout=30_000)
    with live_app.app_context():
        practice = db.session.get(PracticeSession, session_id)
        assert practice.finished_at == practice.deadline
    item = stored(live_app, session_id)[0][0]
    assert item.selected == [item.choice_order[0]]
    # Untimed sessions show no clock.
    page.goto("/tracks/test-architect/practice")
    page.get_by_label("Custom", exact=True).check()
    page.get_by_label("Custom number of questions (1 to 100)").fill("1")
    page.get_by_role("button", name="Start practice").click()
    ready(page)
    expect(page.locator("#timer")).to_have_count(0)
