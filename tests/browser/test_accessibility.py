"""Every page, in English and Japanese, scanned with axe-core (through axe-playwright-python):
no serious or critical WCAG violation, in the light and the dark theme; at 320 CSS px and at
200 % zoom nothing needs sideways scrolling; an exam taken in Japanese from start to result."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from ..conftest import PASSWORD, load_into, translate_bank

pytestmark = pytest.mark.browser

AXE = Axe()
SERIOUS = {"serious", "critical"}


def violations(page) -> list[str]:
    """Serious and critical axe-core findings on the page as it is now."""
    result = AXE.run(page, options={"runOnly": {"type": "tag",
                                                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    return [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in result.response["violations"] if v.get("impact") in SERIOUS]


def loaded(page):
    """The page once its load event has fired.

    A click returns as soon as the next page has begun. Scanned before its
    stylesheet arrived, links showed in the browser's default colours: a
    dark-theme contrast failure that came and went.
    """
    page.wait_for_load_state("load")
    return page


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


ADMIN_HOOK = lambda page: None  # noqa: E731  (set per test: makes the learner an administrator)


def walk(page, words):
    """Visit every page a learner meets, in order; yield (name, url) after each arrives."""
    page.goto("/auth/register")
    yield "register"
    page.get_by_label(words["email"]).fill("learner@example.com")
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_label(words["repeat"]).fill(PASSWORD)
    page.get_by_role("button", name=words["create"]).click()
    yield "log-in"
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["log_in"], exact=True).click()
    page.goto("/")
    yield "home"
    page.goto("/tracks/test-architect")
    yield "track"
    page.get_by_role("button", name=words["start"]).click()
    expect(page.locator("#answer-form")).to_be_visible()
    yield "question"
    page.locator("input[name=choice]").first.check()
    page.get_by_role("button", name=words["review_submit"]).click()
    yield "summary"
    page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(re.compile(r"/result$"))
    yield "result"
    page.goto(page.url.replace("/result", "/review"))
    yield "review"
    page.goto(page.url.replace("/review", "/timeline"))
    yield "timeline"
    page.goto("/history")
    yield "history"
    page.goto("/account")
    yield "account"
    page.goto("/no-such-page")
    yield "not found"
    # Practice: start a 2-question session, check one answer, see the results.
    page.goto("/tracks/test-architect/practice")
    yield "practice start"
    page.locator("input[name=count][value=custom]").check()
    page.locator("input[name=custom_count]").fill("2")
    page.locator("#start-practice").click()
    expect(page.locator("#answer-form")).to_be_visible()
    yield "practice question"
    # As a learner does: the page's script is running and the answer is saved, then Check.
    expect(page.locator("html.js")).to_have_count(1)
    # A "choose two" question is checked only with two picks.
    for n in range(int(page.locator("#answer-form").get_attribute("data-choose"))):
        page.locator("input[name=choice]").nth(n).check()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"Saved|保存しました"))
    page.locator("#check-visible").click()
    expect(page.locator("#feedback")).to_be_visible()
    yield "practice feedback"
    page.locator("details.report summary").click()
    expect(page.locator("details.report textarea")).to_be_visible()
    yield "practice report form"
    page.locator("details.report button[type=submit]").click()
    expect(page.locator(".report-status")).to_be_visible()
    yield "practice feedback, reported"
    page.goto(re.sub(r"/questions/\d+.*$", "/summary", page.url))
    yield "practice summary"
    # The administrators' pages, for the same learner made an administrator.
    page.goto(page.url.split("/practice")[0] + "/history")
    yield "history with practice"
    ADMIN_HOOK(page)
    page.goto("/admin")
    yield "admin"
    page.goto("/admin/reports")
    yield "admin reports"
    page.goto("/admin/accommodations")
    yield "admin accommodations"


WORDS = {
    "en-US": {"email": "Email", "password": "Password", "repeat": "Repeat password", "create": "Create account",
              "log_in": "Log in", "start": "Start exam", "review_submit": "Review and submit",
              "submit": "Submit exam"},
    "ja-JP": {"email": "メールアドレス", "password": "パスワード", "repeat": "パスワード (確認)",
              "create": "アカウントを作成", "log_in": "ログイン", "start": "試験を開始",
              "review_submit": "見直して提出", "submit": "試験を提出"},
}


@pytest.mark.parametrize("locale", sorted(WORDS))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_in_both_languages_and_themes(browser, live_app, locale, scheme):
    context = browser.new_context(base_url=live_app.base_url, locale=locale, color_scheme=scheme,
                                  reduced_motion="reduce")
    context.set_default_timeout(10_000)
    page = context.new_page()
    found = {}
    lang = locale.split("-")[0]
    make_admin(live_app)
    for name in walk(page, WORDS[locale]):
        assert page.get_attribute("html", "lang") == lang, name
        found[name] = violations(loaded(page))
    context.close()
    assert len(found) == 22
    assert {name: v for name, v in found.items() if v} == {}


def make_admin(app):
    """From the admin pages on, the walking learner is an administrator."""
    global ADMIN_HOOK

    def hook(page):
        assert "is an administrator" in app.test_cli_runner().invoke(
            args=["users", "admin", "learner@example.com"]).output
        report_answered_and_unanswered(app)
    ADMIN_HOOK = hook


def report_answered_and_unanswered(app):
    """Give the queue a question with statistics and one without (besides the walk's own report)."""
    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import AttemptQuestion, QuestionReport, QuestionVersion, User, now_utc
    from quizapp.reports import file_report

    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == "learner@example.com"))
        reported = select(QuestionReport.question_version_id)
        answered = select(AttemptQuestion.question_version_id)
        for version_id in (
                db.session.scalar(answered.where(AttemptQuestion.question_version_id.not_in(reported)).limit(1)),
                db.session.scalar(select(QuestionVersion.id).where(QuestionVersion.id.not_in(answered),
                                                                   QuestionVersion.id.not_in(reported)).limit(1))):
            file_report(db.session, user_id=uid, version_id=version_id, reason="unclear", comment="", now=now_utc())
        db.session.commit()


@pytest.mark.parametrize("width", [320, 640])  # 640: a 1280 px window at 200 % zoom
def test_no_page_needs_sideways_scrolling(browser, live_app, width):
    make_admin(live_app)
    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import Track

    with live_app.app_context():
        # Domain names as long as the shipped banks' ("Third-party integrations").
        track = db.session.scalar(select(Track))
        track.domains = [{**d, "title": f"{d['title']} and third-party integrations"} for d in track.domains]
        db.session.commit()
    context = browser.new_context(base_url=live_app.base_url, viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    too_wide, broken, squeezed = [], [], []
    for name in walk(page, WORDS["en-US"]):
        if not fits_the_width(loaded(page)):
            too_wide.append(name)
        if name == "result":
            # The domain table's headings and figures on one line each ("Corr/ect" was not).
            broken = page.evaluate("""[...document.querySelectorAll('.domain-table thead th, .domain-table td')]
                .filter(cell => { const range = document.createRange(); range.selectNodeContents(cell);
                    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1; })
                .map(cell => cell.textContent.trim())""")
        if name == "history":
            # Stacked at this width: captions keep the page's width (they were one letter a
            # line), and every cell says which column it was.
            squeezed = page.evaluate("""[...document.querySelectorAll('table caption')]
                .filter(c => c.getBoundingClientRect().width < document.querySelector('main').clientWidth / 2)
                .map(c => c.textContent.trim())""")
            assert page.locator("table.attempts td").count() > 0
            assert page.locator("table.attempts td:not([data-label]), table.domain-trend td:not([data-label])").count() == 0
    context.close()
    assert too_wide == [] and broken == [] and squeezed == []


def test_a_whole_exam_in_japanese(browser, live_app, tmp_path):
    root = tmp_path / "banks"
    # The live app's bank, now with Japanese: the translation is loaded like a bank sync.
    from ..conftest import write_bank
    write_bank(root, per_domain=8, min_q=5, max_q=5)
    translate_bank(root)
    load_into(live_app, root)
    context = browser.new_context(base_url=live_app.base_url, locale="ja-JP")
    context.set_default_timeout(10_000)
    page = context.new_page()
    words = WORDS["ja-JP"]
    steps = walk(page, words)
    for name in steps:
        if name == "track":
            break
    page.get_by_label("日本語").check()
    page.get_by_role("button", name=words["start"]).click()
    for position in range(1, 6):
        expect(page.get_by_role("heading", name=f"問題 {position} / 5")).to_be_visible()
        expect(page.locator(".stem")).to_contain_text("日本語の問題文")
        page.locator("input[name=choice]").first.check()
        expect(page.locator("#save-status")).to_contain_text("保存しました")
        if position < 5:
            page.get_by_role("button", name="次へ").click()
    page.screenshot(path=str(tmp_path / "question-ja.png"))
    page.get_by_role("button", name=words["review_submit"]).click()
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.get_by_role("heading", name=re.compile("^結果: "))).to_be_visible()
    expect(page.locator("body")).to_contain_text("所要時間")
    page.get_by_role("link", name="すべての回答を確認").click()
    expect(page.locator(".review-item").first).to_contain_text("日本語の解説")
    page.locator("details.original summary").first.click()
    expect(page.locator("details.original").first).to_contain_text("SECRET-EXPLANATION")
    assert violations(page) == []
    context.close()
