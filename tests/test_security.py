"""Security: CSRF on every POST route, headers, cookies, malformed input."""

import json
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion

from .conftest import csrf_from, start_exam


def post_routes(app):
    return sorted(r.rule for r in app.url_map.iter_rules() if "POST" in r.methods)


def fill(rule, attempt_id):
    rule = (rule.replace("<int(max=2147483647):attempt_id>", str(attempt_id))
                .replace("<int(max=2147483647):session_id>", str(attempt_id))
                .replace("<int(min=1,max=999):position>", "1").replace("<slug:slug>", "test-architect")
                .replace("<slug>", "test-architect"))
    return re.sub(r"<int[^>]*>", "1", rule)


def snapshot(app):
    with app.app_context():
        attempts = [(a.id, a.status, a.correct_count) for a in db.session.scalars(select(Attempt))]
        items = [(i.id, tuple(i.selected), i.flagged, tuple(i.struck), i.save_seq)
                 for i in db.session.scalars(select(AttemptQuestion))]
        return attempts, items


def test_every_post_route_rejects_a_missing_or_wrong_csrf_token(synced, learner):
    attempt_id = start_exam(learner)
    routes = post_routes(synced)
    assert len(routes) >= 7
    before = snapshot(synced)
    for rule in routes:
        url = fill(rule, attempt_id)
        assert "<" not in url, url
        for headers, data in [({}, {}), ({"X-CSRFToken": "wrong"}, {"csrf_token": "wrong"})]:
            response = learner.post(url, headers=headers, data=data)
            assert response.status_code == 400, (url, headers)
    assert snapshot(synced) == before
    # Still logged in: the logout POST was refused too.
    assert "Log out" in learner.get("/").get_data(as_text=True)


def test_security_headers_on_every_kind_of_response(synced, learner):
    attempt_id = start_exam(learner)
    for url in ["/", "/auth/login", "/tracks/test-architect", f"/attempts/{attempt_id}/questions/1",
                f"/attempts/{attempt_id}/clock", "/history", "/nope", "/static/quizapp.css"]:
        response = learner.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()


def test_session_cookie_flags(synced, auth):
    response = auth.register()
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_behind_https(monkeypatch, banks_dir):
    from quizapp import create_app
    from .conftest import Auth
    monkeypatch.setenv("QUIZAPP_SECURE_COOKIES", "1")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "BANKS_DIR": str(banks_dir), "CHECK_BANKS_ON_START": False})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    response = Auth(client).register()
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie


def test_pages_have_no_inline_script_or_style(synced, learner):
    attempt_id = start_exam(learner)
    for url in ["/", "/auth/login", f"/attempts/{attempt_id}/questions/1", f"/attempts/{attempt_id}/summary"]:
        html = learner.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html and "onclick" not in html, url


def test_oversized_body_is_413_and_changes_nothing(synced, learner):
    attempt_id = start_exam(learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    before = snapshot(synced)
    body = json.dumps({"seq": 1, "selected": ["A"], "pad": "x" * 100_000})
    response = learner.post(f"/attempts/{attempt_id}/questions/1/save", data=body,
                            content_type="application/json",
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 413
    assert snapshot(synced) == before


def test_huge_and_negative_ids_are_404(synced, learner):
    for url in ["/attempts/99999999999999999999/questions/1", "/attempts/-1/questions/1",
                "/attempts/1/questions/0", "/attempts/1/questions/100000", "/attempts/abc/clock"]:
        assert learner.get(url).status_code == 404, url


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**80, max_value=2**80) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10)
save_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"seq": json_values, "selected": json_values}, optional={
        "flagged": json_values, "struck": json_values, "seconds_spent": json_values}),
    st.fixed_dictionaries({"seq": st.integers(min_value=-5, max_value=2**64),
                           "selected": st.lists(st.sampled_from(["A", "B", "C", "D", "E", "F", "Z", "", "a", "1"]),
                                                max_size=7)}),
)


def test_malformed_saves_never_500_and_never_change_data_they_refuse(synced, learner, other_learner):
    attempt_id = start_exam(learner)
    foreign = start_exam(other_learner)
    token = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=save_bodies, target=st.sampled_from([attempt_id, foreign, 0, 2**31 - 1]),
           position=st.integers(min_value=-3, max_value=1200))
    def check(body, target, position):
        before = snapshot(synced)
        response = learner.post(f"/attempts/{target}/questions/{position}/save", data=json.dumps(body),
                                content_type="application/json",
                                headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert response.status_code < 500
        if response.status_code != 200:
            assert snapshot(synced) == before
        if target != attempt_id:
            assert response.status_code in (400, 404, 405, 422)

    check()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(fields=st.dictionaries(st.sampled_from(["choice", "struck", "flagged", "go", "seconds_spent", "x"]),
                              st.lists(st.text(max_size=12), max_size=3), max_size=5))
# Inputs that once gave a 500 (a go value with a trailing newline, or only spaces).
@example(fields={"go": ["next\n"]})
@example(fields={"go": [" "]})
@example(fields={"choice": ["A"], "go": ["summary\n"]})
def test_malformed_form_posts_never_500(synced_session, fields):
    app, client, attempt_id, token = synced_session
    response = client.post(f"/attempts/{attempt_id}/questions/1", data={"csrf_token": token, **fields})
    assert response.status_code < 500


def test_the_log_in_cookie_lasts_the_log_ins_lifetime_and_autosaves_do_not_reissue_it(synced, auth, client):
    auth.register(login=False)
    before = datetime.now(timezone.utc)
    response = auth.login()
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    # Set once, at log-in, to end with the server's own 14-day limit on the log-in.
    assert timedelta(days=14) - timedelta(minutes=1) < expires - before < timedelta(days=14, minutes=1)
    attempt_id = start_exam(client)
    token = csrf_from(client.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    saved = client.post(f"/attempts/{attempt_id}/questions/1/save", json={"seq": 1, "selected": ["A"]},
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["saved"]
    assert not [c for c in saved.headers.getlist("Set-Cookie") if c.startswith("session=")]
    # The log-in still works on the next request.
    assert client.get(f"/attempts/{attempt_id}/questions/2").status_code == 200


def test_a_wrong_method_says_which_are_allowed(client):
    response = client.delete("/auth/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.headers["Content-Type"].startswith("text/html")
