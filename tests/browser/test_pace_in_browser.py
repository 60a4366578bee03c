"""The optional pace line in a real browser: toggle remembered, announced only on a change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import backdate
from .test_exam_in_browser import ready, register_and_start

pytestmark = pytest.mark.browser


def test_pace_line_toggle_is_remembered_and_announces_only_changes(page, live_app):
    attempt_id = register_and_start(page)
    toggle = page.get_by_role("button", name="Show pace")
    expect(toggle).to_be_visible()
    expect(page.locator("#pace-value")).to_be_hidden()
    toggle.click()
    expect(page.get_by_role("button", name="Hide pace")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#pace-value")).to_have_text("On pace")
    # 20 minutes gone with nothing answered (16 minutes a question): behind, on reload.
    backdate(live_app, attempt_id, 20)
    page.reload()
    ready(page)
    expect(page.locator("#pace-value")).to_be_visible()          # remembered
    expect(page.locator("#pace-value")).to_have_text("4 min behind")
    expect(page.locator("#pace-alert")).to_have_text("")         # nothing said on load
    page.keyboard.press("2")                                     # answer: question 2 due at 32 min
    expect(page.locator("#pace-value")).to_have_text("On pace")
    expect(page.locator("#pace-alert")).to_have_text("On pace")  # the state changed: said once
    page.get_by_role("button", name="Hide pace").click()
    page.reload()
    ready(page)
    expect(page.locator("#pace-value")).to_be_hidden()
    expect(page.get_by_role("button", name="Show pace")).to_have_attribute("aria-pressed", "false")
