"""Every route in the URL map, walked with generated input: no 500, and a refusal changes nothing.

Paths, query strings, headers, form and JSON bodies come from Hypothesis:
huge and negative numbers, deep nesting, control characters, wrong content
types, other learners' attempts, a valid CSRF token or a forged one. Inputs
that once broke the app are pinned as explicit examples. The run is
derandomized (conftest's profile), so it passes or fails the same way
every time; it sends at least 10,000 requests.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, PracticeItem, PracticeSession, ReviewCard, User

from .conftest import PASSWORD, TEST_DATABASE_URL, Auth, csrf_from, drop_app, fresh_app, start_exam, write_bank

REQUESTS = 10_000
CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")

nasty_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["", " ", "\n", "next\n", "   ", "\x00", "%00", "../../etc/passwd", "<script>", "' OR 1=1 --",
     "9" * 40, "-1", "1e308", "NaN", "null", "[]", "{}", "a" * 300])
numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([0, 1, 2, 5, 999, 2**31, 2**63])
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12)
field_names = st.sampled_from(["email", "password", "confirm", "current", "choice", "struck", "flagged",
                               "go", "seconds_spent", "csrf_token", "seq", "selected", "page", "show",
                               "domain", "next"]) | nasty_text
form_bodies = st.dictionaries(field_names, st.lists(nasty_text | numbers.map(str), max_size=3), max_size=6)
query_strings = st.dictionaries(field_names, nasty_text | numbers.map(str), max_size=4)


def deep(depth: int) -> str:
    return '{"seq": 1, "selected": ' + "[" * depth + "]" * depth + "}"


@st.composite
def requests(draw, rules, ids):
    """One request: a rule of the URL map, its arguments, method, query, headers and body."""
    rule = draw(st.sampled_from(rules))

    def argument(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return str(draw(st.sampled_from(ids) | numbers))
        return quote(draw(st.sampled_from(["test-architect", "quizapp.css"]) | nasty_text), safe="")

    path = CONVERTER.sub(argument, rule.rule)
    methods = sorted(rule.methods - {"OPTIONS"}) + ["OPTIONS", "PUT", "DELETE"]
    method = draw(st.sampled_from(methods))
    query = draw(query_strings)
    headers = {}
    if draw(st.booleans()):
        headers["Accept"] = draw(st.sampled_from(["application/json", "text/html", "*/*", "x/\x7f"]))
    if draw(st.booleans()):
        # A header line cannot hold a line break on the wire; anything else goes.
        headers["X-Forwarded-For"] = draw(nasty_text.map(
            lambda t: re.sub(r"[\r\n]", "", t).encode("utf-8", "replace").decode("latin-1")))
    kind = draw(st.sampled_from(["form", "json", "raw", "deep", "none"]))
    if kind == "form":
        body, content_type = draw(form_bodies), None
    elif kind == "json":
        body, content_type = json.dumps(draw(json_values)), draw(st.sampled_from(
            ["application/json", "text/plain", "application/x-www-form-urlencoded"]))
    elif kind == "raw":
        body, content_type = draw(st.binary(max_size=200)), draw(st.sampled_from(
            ["application/json", "multipart/form-data", "application/octet-stream"]))
    elif kind == "deep":
        body, content_type = deep(draw(st.sampled_from([100, 1000, 5000]))), "application/json"
    else:
        body, content_type = None, None
    token = draw(st.sampled_from(["valid", "valid", "forged", "none"]))
    return rule.rule, method, path, query, headers, body, content_type, token


def stored(app):
    """What a refused request must not change: attempts, answers and accounts."""
    with app.app_context():
        attempts = db.session.execute(select(
            Attempt.id, Attempt.status, Attempt.correct_count, Attempt.finished_at).order_by(Attempt.id)).all()
        items = db.session.execute(select(
            AttemptQuestion.id, AttemptQuestion.selected, AttemptQuestion.flagged, AttemptQuestion.struck,
            AttemptQuestion.save_seq, AttemptQuestion.seconds_spent).order_by(AttemptQuestion.id)).all()
        users = db.session.execute(select(User.id, User.email, User.password_hash).order_by(User.id)).all()
        practice = db.session.execute(select(
            PracticeSession.id, PracticeSession.finished_at, PracticeSession.length).order_by(PracticeSession.id)).all()
        practice_items = db.session.execute(select(
            PracticeItem.id, PracticeItem.selected, PracticeItem.flagged, PracticeItem.struck, PracticeItem.save_seq,
            PracticeItem.checked_at, PracticeItem.is_correct).order_by(PracticeItem.id)).all()
        cards = db.session.execute(select(ReviewCard.id, ReviewCard.due, ReviewCard.reviews).order_by(ReviewCard.id)).all()
        db.session.rollback()
        return [tuple(map(repr, r)) for r in attempts + items + users + practice + practice_items + cards]


def start_practice(client, slug: str = "practice-architect") -> int:
    """Start a practice session through its form; return its id.

    On a track of its own: on the exam's track practice waits for the exam to end."""
    token = csrf_from(client.get(f"/tracks/{slug}/practice").get_data(as_text=True))
    response = client.post(f"/tracks/{slug}/practice",
                           data={"count": "10", "source": "any", "csrf_token": token})
    return int(re.search(r"/practice/(\d+)/", response.headers["Location"]).group(1))


def test_every_route_survives_generated_input(tmp_path_factory):
    root = write_bank(tmp_path_factory.mktemp("banks"))
    write_bank(root, slug="practice-architect")
    app = fresh_app(TEST_DATABASE_URL, root, sync=True)
    # Throttles would turn most later log-ins into 429s; they are tested on their own.
    app.config.update(LOGIN_ADDRESS_LIMIT=10**9, LOGIN_FAILURE_LIMIT=10**9, REGISTER_LIMIT=10**9)
    learner, other = app.test_client(), app.test_client()
    Auth(learner).register()
    Auth(other).register("other@example.com")
    mine, foreign = start_exam(learner), start_exam(other)
    mine_practice, foreign_practice = start_practice(learner), start_practice(other)
    page = learner.get(f"/attempts/{mine}/questions/1").get_data(as_text=True)
    state = {"token": csrf_from(page), "sent": 0}
    rules = [r for r in app.url_map.iter_rules()]
    assert len(rules) >= 19

    @settings(max_examples=REQUESTS, suppress_health_check=list(HealthCheck))
    @given(request=requests(rules, [mine, foreign, mine_practice, foreign_practice]))
    @example(request=("/attempts/<int:attempt_id>/questions/<int:position>", "POST",
                      f"/attempts/{mine}/questions/1", {}, {}, {"choice": ["A"], "go": ["next\n"]}, None, "valid"))
    @example(request=("/attempts/<int:attempt_id>/questions/<int:position>", "POST",
                      f"/attempts/{mine}/questions/1", {}, {}, {"choice": ["A"], "go": ["   "]}, None, "valid"))
    @example(request=("/practice/<int:session_id>/questions/<int:position>/check", "POST",
                      f"/practice/{mine_practice}/questions/1/check", {}, {"Accept": "application/json"},
                      '{"selected": ["A", "B", "C", "D", "E", "F", "A"]}', "application/json", "valid"))
    @example(request=("/practice/<int:session_id>/questions/<int:position>/check", "POST",
                      f"/practice/{mine_practice}/questions/1/check", {}, {}, {"choice": ["Z"]}, None, "valid"))
    @example(request=("/history", "GET", "/history", {"page": "461168601842738792"}, {}, None, None, "none"))
    # PostgreSQL cannot store NUL: psycopg raised on it (a 500 found by this test on PostgreSQL).
    @example(request=("/tracks/<slug>/start", "POST", "/tracks/%00/start", {}, {}, {}, None, "valid"))
    @example(request=("/auth/login", "POST", "/auth/login", {"next": "\x00"}, {},
                      {"email": ["a\x00@example.com"], "password": ["x\x00"]}, None, "valid"))
    @example(request=("/attempts/<int:attempt_id>/questions/<int:position>/save", "POST",
                      f"/attempts/{mine}/questions/1/save", {}, {"Accept": "application/json"},
                      deep(1000), "application/json", "valid"))
    @example(request=("/attempts/<int:attempt_id>/questions/<int:position>", "HEAD",
                      f"/attempts/{mine}/questions/1", {}, {}, None, None, "none"))
    def check(request):
        rule, method, path, query, headers, body, content_type, token = request
        headers = dict(headers)
        if token != "none":
            headers["X-CSRFToken"] = state["token"] if token == "valid" else "forged"
            if isinstance(body, dict):
                body = {**body, "csrf_token": state["token"] if token == "valid" else "forged"}
        url = path + ("?" + urlencode(query) if query else "")
        before = stored(app) if method not in ("GET", "HEAD", "OPTIONS") else None
        response = learner.open(url, method=method, data=body, content_type=content_type, headers=headers)
        state["sent"] += 1
        assert response.status_code < 500, (method, url, body, response.get_data(as_text=True)[:500])
        if before is not None and response.status_code >= 400:
            assert stored(app) == before, (method, url, body, response.status_code)
        response.close()
        with learner.session_transaction() as cookie:
            logged_in = "_user_id" in cookie
        if not logged_in:
            # A generated log-out ended the session: log in again for the next request.
            assert Auth(learner).login().status_code == 302
            state["token"] = csrf_from(learner.get("/").get_data(as_text=True))

    try:
        check()
        assert state["sent"] >= REQUESTS
    finally:
        drop_app(app)
