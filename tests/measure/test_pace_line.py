"""The pace line in the exam header, as the server renders it."""

from __future__ import annotations

import re

from ..conftest import backdate, start_exam


def pace_html(client, attempt_id: int, position: int = 1) -> str:
    page = client.get(f"/attempts/{attempt_id}/questions/{position}").get_data(as_text=True)
    return page[page.index('<p class="pace"'):page.index('id="pace-alert"') + 60]


def test_pace_line_is_hidden_until_turned_on_and_on_pace_at_the_start(learner):
    attempt = start_exam(learner)
    html = pace_html(learner, attempt)
    # 90 minutes, 5 questions: 80 minutes spread over them.
    assert 'data-duration="5400" data-budget="4800" data-length="5" hidden' in html
    assert 'aria-pressed="false">Show pace</button>' in html
    assert 'data-state="on" hidden>On pace</span>' in html
    # The live region starts empty: nothing is announced on page load.
    assert re.search(r'id="pace-alert" aria-live="polite" aria-atomic="true"></div>', html)


def test_minutes_behind_from_the_servers_clock(synced, learner):
    attempt = start_exam(learner)
    # 20 minutes in, nothing answered: question 1 was due at 16 minutes.
    backdate(synced, attempt, 20)
    assert 'data-state="behind" hidden>4 min behind</span>' in pace_html(learner, attempt)


def test_summary_page_has_no_pace_line(learner):
    attempt = start_exam(learner)
    page = learner.get(f"/attempts/{attempt}/summary").get_data(as_text=True)
    assert 'id="pace"' not in page and 'id="exam-bar"' in page


def test_pace_words_reach_the_script_translated(learner):
    attempt = start_exam(learner)
    page = learner.get(f"/attempts/{attempt}/questions/1").get_data(as_text=True)
    for key in ("on_pace", "behind", "show_pace", "hide_pace"):
        assert f"&#34;{key}&#34;" in page
