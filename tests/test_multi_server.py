"""Two gunicorn servers sharing one PostgreSQL database serve one attempt."""

import json
import os
import re

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt

from .conftest import PASSWORD, drop_app, fresh_app, write_bank
from .servers import HttpClient, csrf_token_in, gunicorn

pytestmark = pytest.mark.postgresql


def test_attempt_started_on_one_server_is_continued_and_submitted_on_another(tmp_path):
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs QUIZAPP_TEST_DATABASE_URL on PostgreSQL")
    banks = write_bank(tmp_path / "banks")
    app = fresh_app(url, banks, secret="shared")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["banks", "sync"]).exit_code == 0
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "shared", "QUIZAPP_BANKS_DIR": str(banks)}
    try:
        # The deployment the README recommends: threaded workers, saves in groups.
        with gunicorn(env, workers=1, threads=8) as one, gunicorn(env, workers=1, threads=8) as two:
            a, b = f"http://127.0.0.1:{one.port}", f"http://127.0.0.1:{two.port}"
            client = HttpClient()
            _, _, html = client.get(f"{a}/auth/register")
            client.post_form(f"{a}/auth/register", {"email": "two@example.com", "password": PASSWORD,
                                                     "confirm": PASSWORD, "csrf_token": csrf_token_in(html)})
            # Registering sends a new learner to log in; it does not log them in.
            _, _, html = client.get(f"{a}/auth/login")
            client.post_form(f"{a}/auth/login", {"email": "two@example.com", "password": PASSWORD,
                                                  "csrf_token": csrf_token_in(html)})
            _, _, html = client.get(f"{a}/tracks/test-architect")
            _, where, html = client.post_form(f"{a}/tracks/test-architect/start",
                                              {"csrf_token": csrf_token_in(html)})
            attempt_id = int(re.search(r"/attempts/(\d+)/questions/1", where).group(1))
            token = csrf_token_in(html)
            status, _, body = client.post_json(f"{a}/attempts/{attempt_id}/questions/1/save",
                                               {"seq": 1, "selected": ["A"]}, token)
            assert status == 200 and json.loads(body)["saved"]
            # Same cookie, other server: the session, the token and the answer carry over.
            _, _, html = client.get(f"{b}/attempts/{attempt_id}/questions/1")
            assert re.search(r'value="A"\s+id="choice-A" checked', html)
            status, _, _ = client.post_json(f"{b}/attempts/{attempt_id}/questions/2/save",
                                            {"seq": 1, "selected": ["B"]}, token)
            assert status == 200
            _, where, html = client.post_form(f"{b}/attempts/{attempt_id}/submit", {"csrf_token": token})
            assert where.endswith(f"/attempts/{attempt_id}/result") and "correct" in html
            _, _, html = client.get(f"{a}/attempts/{attempt_id}/result")
            assert "of 5 correct" in html
    finally:
        with app.app_context():
            attempt = db.session.scalar(select(Attempt))
            assert attempt is not None and attempt.status == "submitted"
        drop_app(app)
