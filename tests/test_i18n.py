"""Japanese: the interface by the learner's choice or the browser, bank translations tied to the
English they came from, and an exam taken in Japanese."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from sqlalchemy import select

from quizapp.cli import banks_check, banks_stats
from quizapp.extensions import db
from quizapp.models import PracticeSession, User

from .conftest import Auth, csrf_from, load_into, start_exam, translate_bank


def test_the_interface_follows_the_browser_then_the_learners_choice(app, client):
    english = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in english and ">Log in</h1>" in english
    japanese = client.get("/auth/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ja">' in japanese and "<h1>ログイン</h1>" in japanese
    assert "メールアドレス" in japanese  # form labels too
    # As browsers send it: a regional tag first. Japanese, not the exact "en" behind it.
    for header, lang in [("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja"), ("ja-JP,en;q=0.5", "ja"),
                         ("en-GB,ja;q=0.5", "en"), ("fr-FR,ja;q=0.8", "ja"), ("fr-FR", "en"), ("JA-jp", "ja")]:
        html = client.get("/auth/login", headers={"Accept-Language": header}).get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, header
    # The switch on every page wins over the browser, and the account remembers it.
    Auth(client).register()
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "ja", "next": "/history", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/history"
    assert '<html lang="ja">' in client.get("/history").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.locale)) == "ja"
    other_device = app.test_client()
    Auth(other_device).login()
    assert "受験履歴" in other_device.get("/history").get_data(as_text=True)


def test_an_unknown_language_is_refused_and_changes_nothing(app, client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/language", data={"locale": "xx", "csrf_token": token}).status_code == 400
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_messages_from_the_server_and_for_the_page_script_are_translated(synced, learner):
    attempt_id = start_exam(learner)
    page = learner.get(f"/attempts/{attempt_id}/questions/1", headers={"Accept-Language": "ja"})
    html = page.get_data(as_text=True)
    messages = json.loads(re.search(r'data-messages="([^"]+)"', html).group(1).replace("&#34;", '"')
                          .replace("&quot;", '"'))
    assert messages["one_minute"] == "残り 1 分です。" and "%(n)s" in messages["too_many"]
    token = csrf_from(html)
    refused = learner.post(f"/attempts/{attempt_id}/questions/1/save", data=json.dumps({"seq": 1, "selected": ["Z"]}),
                           content_type="application/json",
                           headers={"X-CSRFToken": token, "Accept": "application/json", "Accept-Language": "ja"})
    assert refused.status_code == 422 and refused.json["error"] == "その選択肢はこの問題にありません。"
    newcomer = learner.application.test_client()
    form_token = csrf_from(newcomer.get("/auth/register").get_data(as_text=True))
    weak = newcomer.post("/auth/register", headers={"Accept-Language": "ja"},
                         data={"email": "x@example.com", "password": "1234567890", "confirm": "1234567890",
                               "csrf_token": form_token})
    assert weak.status_code == 422
    assert "このパスワードはよく使われるものです。" in weak.get_data(as_text=True)
    # WTForms' own messages too, in the language of each request.
    for language, required in (("ja", "このフィールドは必須です。"), ("en", "This field is required.")):
        empty = newcomer.post("/auth/register", headers={"Accept-Language": language},
                              data={"email": "", "password": "", "confirm": "", "csrf_token": form_token})
        assert empty.status_code == 422 and required in empty.get_data(as_text=True)


def test_translations_missing_and_stale_are_notices_with_a_line(banks_dir):
    translate_bank(banks_dir, skip=("payments-003",))
    payments = banks_dir / "test-architect" / "payments.yaml"
    payments.write_text(payments.read_text().replace("Alpha 1\n", "Alpha 1 edited\n"))
    result = CliRunner().invoke(banks_check, [str(banks_dir)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(re.search(r"payments\.yaml:\d+: payments-003: translations\.ja: has no ja translation yet \(notice\)", l)
               for l in lines), lines
    assert any(re.search(r"translations/ja/payments\.yaml:\d+: payments-001: source: stale: the English changed", l)
               for l in lines), lines
    stats = json.loads(CliRunner().invoke(banks_stats, ["--json", str(banks_dir)]).stdout)
    assert stats["tracks"]["test-architect"]["translations"] == {"ja": {"translated": 14, "stale": 1, "missing": 1}}


def test_a_translation_with_other_option_keys_is_a_problem(banks_dir):
    translate_bank(banks_dir)
    path = banks_dir / "test-architect" / "translations" / "ja" / "payments.yaml"
    path.write_text(path.read_text().replace("      d: 選択肢 d の訳 payments-001\n", "      z: 余分\n", 1))
    result = CliRunner().invoke(banks_check, [str(banks_dir)])
    assert result.exit_code == 1 and "payments-001: choices: has keys a, b, c, z but the English has a, b, c, d" in result.stdout


def test_an_exam_in_japanese_shows_japanese_and_the_review_the_english_beside_it(app, banks_dir, client):
    translate_bank(banks_dir, skip=("payments-002", "connect-002"))
    load_into(app, banks_dir)
    Auth(client).register()
    track_page = client.get("/tracks/test-architect").get_data(as_text=True)
    assert 'lang="ja"' in track_page and "日本語" in track_page
    response = client.post("/tracks/test-architect/start", data={"csrf_token": csrf_from(track_page), "language": "ja"})
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    token = None
    seen_english = 0
    for position in range(1, 6):
        html = client.get(f"/attempts/{attempt_id}/questions/{position}").get_data(as_text=True)
        token = csrf_from(html)
        if "日本語の問題文" in html:
            assert 'class="stem" lang="ja"' in html and "選択肢 a の訳" in html
        else:
            seen_english += 1
            assert "shown in English" in html  # its English changed or was never translated
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert review.count("日本語の解説") == 5 - seen_english
    assert review.count("English original") == 5 - seen_english
    assert "SECRET-EXPLANATION" in review  # the English original beside each translation



def japanese_interface(client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/language", data={"csrf_token": token, "locale": "ja"}).status_code == 302


def test_practice_in_japanese_shows_japanese_questions_and_explanations(app, banks_dir, client):
    # A learner whose interface is Japanese practises in Japanese unless they
    # choose otherwise; a question not translated yet shows in English.
    translate_bank(banks_dir, skip=("payments-002", "connect-002"))
    load_into(app, banks_dir)
    Auth(client).register()
    japanese_interface(client)
    form_page = client.get("/tracks/test-architect/practice").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="language"[^>]*value="ja"', form_page)
    response = client.post("/tracks/test-architect/practice", data={
        "csrf_token": csrf_from(form_page), "count": "custom", "custom_count": "10", "source": "any"})
    session_id = int(re.search(r"/practice/(\d+)/", response.headers["Location"]).group(1))
    japanese = english = 0
    for position in range(1, 11):
        url = f"/practice/{session_id}/questions/{position}"
        html = client.get(url).get_data(as_text=True)
        client.post(url.replace("questions", "questions") + "/check", data={
            "csrf_token": csrf_from(html), "choice": ["A"] if 'type="radio"' in html else ["A", "B"]})
        checked = client.get(url).get_data(as_text=True)
        if "日本語の問題文" in html:
            japanese += 1
            assert 'class="stem" lang="ja"' in html and "選択肢 a の訳" in html
            assert "日本語の解説" in checked and "SECRET-EXPLANATION" not in checked
        else:
            english += 1
            # Said in the interface's language; the question itself in English.
            assert '<p class="note">' in html and 'class="stem" lang="en"' in html
            assert "SECRET-EXPLANATION" in checked
    assert japanese and japanese + english == 10
    # The missed questions' drill keeps the session's language.
    client.post(f"/practice/{session_id}/finish", data={"csrf_token": csrf_from(checked)})
    summary = client.get(f"/practice/{session_id}/summary").get_data(as_text=True)
    drill = client.post(f"/practice/{session_id}/missed", data={"csrf_token": csrf_from(summary)})
    drill_id = int(re.search(r"/practice/(\d+)/", drill.headers["Location"]).group(1))
    with app.app_context():
        assert db.session.get(PracticeSession, drill_id).language == "ja"


def test_practice_in_english_when_chosen_or_when_the_track_has_no_japanese(synced, learner):
    japanese_interface(learner)
    form_page = learner.get("/tracks/test-architect/practice").get_data(as_text=True)
    assert 'name="language"' not in form_page  # one language: nothing to choose
    response = learner.post("/tracks/test-architect/practice", data={
        "csrf_token": csrf_from(form_page), "count": "10", "source": "any"})
    session_id = int(re.search(r"/practice/(\d+)/", response.headers["Location"]).group(1))
    with synced.app_context():
        assert db.session.get(PracticeSession, session_id).language == "en"
    refused = learner.post("/tracks/test-architect/practice", data={
        "csrf_token": csrf_from(form_page), "count": "10", "source": "any", "language": "ja"})
    assert refused.status_code == 422


def test_starting_in_a_language_the_track_does_not_offer_is_refused(synced, learner):
    token = csrf_from(learner.get("/tracks/test-architect").get_data(as_text=True))
    response = learner.post("/tracks/test-architect/start", data={"csrf_token": token, "language": "ja"})
    assert response.status_code == 400


def test_wrapped_japanese_lines_join_without_spaces_and_english_with_one():
    from quizapp.rendering import paragraphs
    html = str(paragraphs("A line\nwrapped here.\n\n日本語の文が\n続きます。`PaymentIntent` を\n使います。"))
    assert html == ("<p>A line wrapped here.</p>"
                    "<p>日本語の文が続きます。<code>PaymentIntent</code> を使います。</p>")


def test_every_interface_message_has_a_japanese_translation(tmp_path):
    """Extract the messages from the code as it is now: a new string without a translation fails."""
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    from quizapp.config import PROJECT_ROOT
    pot_path = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-k", "_l", "--no-location", "-o", str(pot_path), "."],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    with open(PROJECT_ROOT / "quizapp/translations/ja/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po, locale="ja")
    with open(pot_path, "rb") as pot:
        template = read_po(pot)
    assert len(template) > 250
    translated = {m.id for m in catalog if m.id and "fuzzy" not in m.flags
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    assert {m.id for m in template if m.id} - translated == set()


def test_markup_inside_translated_sentences_is_markup_not_text(synced, learner):
    """Emphasis inside a translated sentence renders as HTML; only the learner's data is escaped."""
    attempt_id = start_exam(learner)
    for language in ("en", "ja"):
        for url in ("/", "/tracks/test-architect", "/account", f"/attempts/{attempt_id}/questions/1"):
            html = learner.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
            assert "&lt;strong" not in html and "&lt;code" not in html, (language, url)
    track = learner.get("/tracks/test-architect").get_data(as_text=True)
    assert "<strong>90 minutes</strong>" in track and "<strong>cannot be paused</strong>" in track
    assert "<strong>learner@example.com</strong>" in learner.get("/account").get_data(as_text=True)


def test_a_japanese_learner_starts_an_exam_in_japanese_unless_they_choose_english(app, banks_dir, client):
    translate_bank(banks_dir)
    load_into(app, banks_dir)
    Auth(client).register()
    japanese_interface(client)
    track_page = client.get("/tracks/test-architect").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="language"[^>]*value="ja"', track_page)
    # A start button without the choice (the home page's) takes the interface's language.
    response = client.post("/tracks/test-architect/start", data={"csrf_token": csrf_from(track_page)})
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    assert "日本語の問題文" in client.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True)


def test_a_japanese_learner_is_told_when_an_exams_questions_are_in_english_only(app, banks_dir, client):
    load_into(app, banks_dir)  # the test track: English only
    Auth(client).register()
    japanese_interface(client)
    note = "この試験の問題は、実際の試験と同じく英語のみです。"
    assert note in client.get("/tracks/test-architect").get_data(as_text=True)
    assert note in client.get("/").get_data(as_text=True)
    translate_bank(banks_dir)  # now with Japanese: nothing to say
    load_into(app, banks_dir)
    assert note not in client.get("/tracks/test-architect").get_data(as_text=True)
    assert note not in client.get("/").get_data(as_text=True)


def test_the_shipped_professional_track_speaks_japanese_but_its_exam_stays_english():
    from quizapp.banks import load_banks
    from quizapp.config import DEFAULTS

    tracks = {t.spec.slug: t.spec for t in load_banks(DEFAULTS["BANKS_DIR"]).tracks}
    professional = tracks["professional-implementation-architect"]
    assert professional.languages == ["en"]
    assert set(professional.translations["ja"].domains) == {d.slug for d in professional.domains}
