"""The exam pages in a real browser: autosave, offline queue, keyboard, clock, results."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptEvent, AttemptQuestion, QuestionVersion, now_utc

from ..conftest import PASSWORD, backdate, make_choose_two

pytestmark = pytest.mark.browser


def ready(page):
    """Wait until the exam script has run (it is deferred)."""
    page.wait_for_function("document.documentElement.classList.contains('js')")


def register_and_start(page):
    page.goto("/auth/register")
    page.get_by_label("Email").fill("learner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # Registering sends a new learner to log in, with the email filled in.
    expect(page.get_by_label("Email")).to_have_value("learner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="learner@example.com")).to_be_visible()
    page.goto("/tracks/test-architect")
    page.get_by_role("button", name="Start exam").click()
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    ready(page)
    return int(re.search(r"/attempts/(\d+)/", page.url).group(1))


def stored(app, attempt_id):
    with app.app_context():
        rows = db.session.execute(
            select(AttemptQuestion, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
            .where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)).all()
        db.session.expunge_all()
        return rows


def test_answers_save_at_once_survive_reload_and_keyboard_works(page, live_app):
    attempt_id = register_and_start(page)
    page.keyboard.press("2")                       # option B
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    page.keyboard.press("f")                       # flag
    expect(page.locator("#flagged")).to_be_checked()
    page.locator("label[for=strike-C]").click()    # strike out C
    expect(page.locator("li.choice").nth(2)).to_have_class(re.compile("struck"))
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    item = stored(live_app, attempt_id)[0][0]
    assert item.selected == [item.choice_order[1]] and item.flagged and item.struck == [item.choice_order[2]]

    page.reload()
    ready(page)
    expect(page.locator("#choice-B")).to_be_checked()
    expect(page.locator("#flagged")).to_be_checked()
    expect(page.locator("#strike-C")).to_be_checked()
    nav = page.locator("#nav-1")
    expect(nav).to_have_class(re.compile("answered")) and expect(nav).to_have_class(re.compile("flagged"))

    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Question 2 of 5")).to_be_visible()
    ready(page)
    page.keyboard.press("p")
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    # Everything is reachable with Tab, and focus is visible.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_choose_two_refuses_a_third_option(page, live_app):
    attempt_id = register_and_start(page)
    multi = next((i for i, _ in stored(live_app, attempt_id) if i.choose == 2), None)
    if multi is None:
        make_choose_two(live_app, attempt_id, 1)
        position = 1
    else:
        position = multi.position
    page.goto(f"/attempts/{attempt_id}/questions/{position}")
    ready(page)
    for letter in "ABC":
        page.locator(f"#choice-{letter}").check() if letter != "C" else page.locator("#choice-C").click()
    expect(page.locator("#choice-C")).not_to_be_checked()
    expect(page.locator("#save-status")).to_contain_text("no more than 2")


def test_offline_answers_are_queued_and_sent_when_the_connection_returns(page, live_app):
    attempt_id = register_and_start(page)
    page.context.set_offline(True)
    page.locator("label[for=choice-D]").click()
    expect(page.locator("#save-status")).to_contain_text(re.compile("Connection lost|Not saved - retrying"))
    assert stored(live_app, attempt_id)[0][0].selected == []
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"), timeout=20_000)
    item = stored(live_app, attempt_id)[0][0]
    assert item.selected == [item.choice_order[3]]



def saves_refused(page, **response):
    """Start an exam on Playwright's clock, paused, with Math.random pinned at 0, and answer
    every save with `response`; the attempt id and the answers each try carried."""
    attempt_id = register_and_start(page)
    page.add_init_script("Math.random = () => 0;")
    page.clock.install()
    page.reload()
    ready(page)
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds, in Python
    tries = []

    def refuse(route):
        tries.append(route.request.post_data_json["selected"])
        route.fulfill(**response)

    page.route("**/save", refuse)
    return attempt_id, tries

def test_a_failed_save_is_retried_after_a_random_part_of_its_backoff(page, live_app):
    # When the server restarts under a class, every open page fails at once; if
    # all retried 1, 2, 4 ... s later they would all come back together. Each
    # page waits between half and all of its backoff. The page's clock is
    # Playwright's and its random numbers are pinned, so the waits are exact.
    # A proxy's 503, without Retry-After: the page's own backoff alone.
    attempt_id, tries = saves_refused(page, status=503, json={"error": "down"})
    status = page.locator("#save-status")
    page.locator("label[for=choice-D]").click()
    # The page says "retrying" as it sets the timer, so from here the wait runs.
    expect(status).to_contain_text("retrying")
    page.clock.run_for(490)        # random 0: half of the first second's backoff
    page.wait_for_timeout(200)
    assert len(tries) == 1, "retried before half its backoff had passed"
    # The next wait is 1 to 2 s; with random near 1 it is close to 2.
    page.evaluate("Math.random = () => 0.99; document.getElementById('save-status').textContent = '';")
    with page.expect_request("**/save"):
        page.clock.run_for(20)
    expect(status).to_contain_text("retrying")
    page.clock.run_for(1900)
    page.wait_for_timeout(200)
    assert len(tries) == 2, "retried before its random part of the backoff"
    page.unroute("**/save")
    with page.expect_request("**/save"):
        page.clock.run_for(100)
    expect(status).to_have_text(re.compile(r"^Saved \d"))
    item = stored(live_app, attempt_id)[0][0]
    assert item.selected == [item.choice_order[3]]


def test_a_save_refused_as_too_many_is_kept_and_sent_after_the_servers_retry_after(page, live_app):
    # A proxy's rate limit answers 429 with Retry-After: that is "not now", not
    # "not this answer". The page keeps the answer and sends it again, no
    # sooner than asked (its own backoff alone would retry within a second),
    # and spread over half as long again, since every page is told the same.
    attempt_id, tries = saves_refused(page, status=429, headers={"Retry-After": "5"}, json={"error": "slow down"})
    status = page.locator("#save-status")
    page.locator("label[for=choice-B]").click()
    expect(status).to_contain_text("retrying")
    page.clock.run_for(4900)
    page.wait_for_timeout(200)
    assert len(tries) == 1, "retried before the server's Retry-After"
    expect(status).to_contain_text("retrying")
    # Random 0: exactly the 5 s asked. Near 1, the next waits near 7.5 s.
    page.evaluate("Math.random = () => 0.99; document.getElementById('save-status').textContent = '';")
    with page.expect_request("**/save"):
        page.clock.run_for(200)
    expect(status).to_contain_text("retrying")
    page.clock.run_for(7300)
    page.wait_for_timeout(200)
    assert len(tries) == 2, "retried before its share of the spread after Retry-After"
    page.unroute("**/save")
    with page.expect_request("**/save"):
        page.clock.run_for(300)
    expect(status).to_have_text(re.compile(r"^Saved \d"))
    item = stored(live_app, attempt_id)[0][0]
    assert item.selected == [item.choice_order[1]]



def test_the_timeline_dates_a_lost_connection_when_it_was_lost_not_when_it_came_back(page, live_app):
    # The "lost" event can only be sent once the connection is back: the page
    # says how long ago it happened. Lost for 20 s of the page's clock here.
    attempt_id = register_and_start(page)
    backdate(live_app, attempt_id, 10)  # ten minutes in: no date is held back at the start
    page.clock.install()
    page.reload()
    ready(page)
    page.context.set_offline(True)
    expect(page.locator("#save-status")).to_contain_text("Connection lost")
    page.clock.run_for(20_000)
    with page.expect_request("**/events") as lost, page.expect_request("**/events"):
        page.context.set_offline(False)
    assert lost.value.post_data_json["kind"] == "offline"
    assert 19 <= lost.value.post_data_json["seconds_ago"] <= 21
    page.wait_for_timeout(500)
    with live_app.app_context():
        at = dict(db.session.execute(select(AttemptEvent.kind, AttemptEvent.at).where(
            AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind.in_(("offline", "online")))).all())
    assert timedelta(seconds=18) <= at["online"] - at["offline"] <= timedelta(seconds=22)


def test_answer_given_after_logging_out_elsewhere_is_kept_and_sent_after_logging_in(page, live_app):
    attempt_id = register_and_start(page)
    other_tab = page.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Log out").click()
    expect(other_tab.get_by_text("You are logged out.")).to_be_visible()
    page.locator("label[for=choice-D]").click()
    expect(page.locator("#save-status")).to_contain_text("kept on this device")
    assert stored(live_app, attempt_id)[0][0].selected == []

    page.goto(f"/attempts/{attempt_id}/questions/1")
    expect(page).to_have_url(re.compile("/auth/login"))
    page.get_by_label("Email").fill("learner@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    item = stored(live_app, attempt_id)[0][0]
    assert item.selected == [item.choice_order[3]]


def test_clock_follows_the_server_warns_and_submits_itself_at_zero(page, live_app):
    attempt_id = register_and_start(page)
    page.locator("label[for=choice-A]").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    with live_app.app_context():
        # The server's deadline moves (as if 89 minutes had passed): the page follows it.
        db.session.execute(update(Attempt).where(Attempt.id == attempt_id)
                           .values(deadline=now_utc() + timedelta(seconds=62)))
        db.session.commit()
    page.reload()
    ready(page)
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^0:01:0[0-2]$"))
    expect(page.locator("#timer-alert")).to_have_text("1 minute left.", timeout=8_000)
    with live_app.app_context():
        db.session.execute(update(Attempt).where(Attempt.id == attempt_id)
                           .values(deadline=now_utc() + timedelta(seconds=3)))
        db.session.commit()
    page.evaluate("window.dispatchEvent(new Event('focus'))")   # re-sync with the server
    page.wait_for_url(re.compile(r"/result$"), timeout=15_000)
    expect(page.get_by_text("time ran out")).to_be_visible()
    with live_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "timed_out" and attempt.correct_count is not None


def test_finish_then_result_review_filters_and_history(page, live_app):
    attempt_id = register_and_start(page)
    rows = stored(live_app, attempt_id)
    labels = "ABCDE"
    for index, (item, version) in enumerate(rows):
        page.goto(f"/attempts/{attempt_id}/questions/{item.position}")
        ready(page)
        if index == 4:
            continue                                    # leave the last one unanswered
        keys = version.answer if index < 3 else [k for k in item.choice_order if k not in version.answer][: item.choose]
        for key in keys:
            page.locator(f"label[for=choice-{labels[item.choice_order.index(key)]}]").click()
        if index == 1:
            page.keyboard.press("f")
        expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Unanswered (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Flagged for review (1)")).to_be_visible()
    page.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("heading", name=re.compile(r"Not passed: 60 %"))).to_be_visible()
    expect(page.get_by_text("3 of 5 correct")).to_be_visible()
    expect(page.get_by_text("4 answered, 1 unanswered, 1 flagged.")).to_be_visible()

    page.get_by_role("link", name="Review every answer").click()
    expect(page.locator("article.review-item")).to_have_count(5)
    expect(page.locator("article.review-item .explanation").first).to_contain_text("SECRET-EXPLANATION")
    for name, count in (("Wrong", 1), ("Flagged", 1), ("Unanswered", 1), ("All", 5)):
        page.get_by_role("navigation", name="Review filters").get_by_role("link", name=name).click()
        expect(page.locator("article.review-item")).to_have_count(count)
    page.get_by_label("Domain").select_option("connect")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("article.review-item")).to_have_count(2)

    page.goto("/history")
    expect(page.locator("svg.trend-chart circle")).to_have_count(1)
    expect(page.locator("table.attempts tbody tr")).to_have_count(1)
    expect(page.locator("table.attempts")).to_contain_text("Submitted")


def test_letters_typed_in_the_language_menu_do_not_answer_or_move(page, live_app):
    attempt_id = register_and_start(page)
    page.locator("#language-select").focus()
    for key in ("b", "n", "f", "2"):
        page.keyboard.press(key)
    page.wait_for_timeout(500)   # a save or a move would have started by now
    assert page.url.endswith(f"/attempts/{attempt_id}/questions/1")
    expect(page.locator("input[name=choice]:checked")).to_have_count(0)
    expect(page.locator("#flagged")).not_to_be_checked()
    item = stored(live_app, attempt_id)[0][0]
    assert item.selected == [] and item.save_seq == 0


def test_a_second_window_keeps_its_newer_answer_when_the_first_moves_on(page, live_app):
    attempt_id = register_and_start(page)
    page.locator("label[for=choice-A]").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    second = page.context.new_page()
    second.goto(f"/attempts/{attempt_id}/questions/1")
    ready(second)
    second.locator("label[for=choice-D]").click()
    expect(second.locator("#save-status")).to_have_text(re.compile(r"^Saved \d"))
    # The first window still shows A; Next from it must not put A back.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Question 2 of 5")).to_be_visible()
    expect(page.get_by_text("Question 1 was answered in another window")).to_be_visible()
    item = stored(live_app, attempt_id)[0][0]
    assert item.choice_order[3] in item.selected   # the second window's D is still there
    second.close()
