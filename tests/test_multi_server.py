"""Two gunicorn servers sharing one PostgreSQL database serve one attempt."""

import http.cookiejar
import json
import os
import re
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import Attempt

from .conftest import PASSWORD, write_bank
from .servers import gunicorn

pytestmark = pytest.mark.postgresql


class Browserless:
    """A cookie-keeping HTTP client that can switch servers mid-attempt."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url):
        with self.opener.open(url, timeout=10) as r:
            return r.status, r.geturl(), r.read().decode()

    def post(self, url, data=None, json_body=None, token=None):
        headers = {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers = {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"}
        else:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with self.opener.open(request, timeout=10) as r:
            return r.status, r.geturl(), r.read().decode()


def token_of(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_attempt_started_on_one_server_is_continued_and_submitted_on_another(tmp_path):
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs QUIZAPP_TEST_DATABASE_URL on PostgreSQL")
    banks = write_bank(tmp_path / "banks")
    app = create_app({"SECRET_KEY": "shared", "SQLALCHEMY_DATABASE_URI": url, "BANKS_DIR": str(banks),
                      "CHECK_BANKS_ON_START": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["banks", "sync"]).exit_code == 0
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "shared", "QUIZAPP_BANKS_DIR": str(banks)}
    try:
        with gunicorn(env, workers=1) as one, gunicorn(env, workers=1) as two:
            a, b = f"http://127.0.0.1:{one.port}", f"http://127.0.0.1:{two.port}"
            client = Browserless()
            _, _, html = client.get(f"{a}/auth/register")
            client.post(f"{a}/auth/register", {"email": "two@example.com", "password": PASSWORD,
                                                "confirm": PASSWORD, "csrf_token": token_of(html)})
            _, _, html = client.get(f"{a}/tracks/test-architect")
            _, where, html = client.post(f"{a}/tracks/test-architect/start", {"csrf_token": token_of(html)})
            attempt_id = int(re.search(r"/attempts/(\d+)/questions/1", where).group(1))
            token = token_of(html)
            status, _, body = client.post(f"{a}/attempts/{attempt_id}/questions/1/save",
                                          json_body={"seq": 1, "selected": ["A"]}, token=token)
            assert status == 200 and json.loads(body)["saved"]
            # Same cookie, other server: the session, the token and the answer carry over.
            _, _, html = client.get(f"{b}/attempts/{attempt_id}/questions/1")
            assert re.search(r'value="A"\s+id="choice-A" checked', html)
            status, _, _ = client.post(f"{b}/attempts/{attempt_id}/questions/2/save",
                                       json_body={"seq": 1, "selected": ["B"]}, token=token)
            assert status == 200
            _, where, html = client.post(f"{b}/attempts/{attempt_id}/submit", {"csrf_token": token})
            assert where.endswith(f"/attempts/{attempt_id}/result") and "correct" in html
            _, _, html = client.get(f"{a}/attempts/{attempt_id}/result")
            assert "of 5 correct" in html
    finally:
        with app.app_context():
            attempt = db.session.scalar(select(Attempt))
            assert attempt is not None and attempt.status == "submitted"
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
