"""Fixtures: a fresh app per test, tiny banks written by the test, logged-in clients.

SQLite in memory by default; PostgreSQL when QUIZAPP_TEST_DATABASE_URL is set
(CI sets it for the second run).
"""

from __future__ import annotations

import os
import random
import re
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import settings
from jinja2 import MemcachedBytecodeCache
from sqlalchemy import event, select, update

from quizapp import create_app
from quizapp.banks import load_banks
from quizapp.banks.translations import source_hash
from quizapp.banks.sync import sync_banks
from quizapp.extensions import db
from quizapp.models import AttemptQuestion, QuestionVersion, User

from .servers import csrf_token_in

TEST_DATABASE_URL = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "sqlite://")

# Property tests run the same examples on every machine and every run: no
# random seed, and no example database replaying what failed once elsewhere.
# Inputs known to have broken the app are pinned with @example in the tests.
settings.register_profile("quizapp", derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.load_profile("quizapp")


@pytest.fixture(autouse=True)
def _fresh_forecast_models():
    """Each test builds its own forecast models: the process keeps them across requests,
    and a model another test built must not stand in for this test's code (mutation
    testing forks each mutant from a process that has already run the tests once)."""
    from quizapp.measure.forecast import _model_of

    _model_of.cache_clear()


PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

TRACK_YAML = """\
slug: {slug}
title: Test Architect
description: A small track for tests.
duration_minutes: 90
min_questions: {min_q}
max_questions: {max_q}
pass_percent: 70
languages: [en]
domains:
  - slug: payments
    title: Payments
    weight: 60
  - slug: connect
    title: Connect
    weight: 40
"""

SUBJECTS = ["refunds", "payouts", "disputes", "webhooks", "invoices", "transfers", "mandates",
            "captures", "balances", "accounts", "taxes", "coupons", "quotes", "meters", "wallets",
            "reports", "sessions", "links", "readers", "locations"]
PLACES = ["Lisbon", "Osaka", "Denver", "Nairobi", "Oslo", "Lima", "Perth", "Quebec", "Seville", "Hanoi",
          "Tallinn", "Cusco", "Gdansk", "Bergen", "Malmo", "Accra", "Dakar", "Porto", "Cork", "Leeds"]


def question_yaml(domain: str, number: int, multi: bool = False, stem_extra: str = "") -> str:
    """One test question; distinct wording per number so no stems look alike."""
    # Words drawn per question so that no two test stems read alike.
    words = random.Random(f"{domain}-{number}").sample(SUBJECTS + PLACES, 9)
    stem = f"{' '.join(words).capitalize()} {domain} {number}. {stem_extra}Which option fits?"
    if multi:
        stem += " (Choose two.)"
        choices = "      a: Alpha {n}\n      b: Bravo {n}\n      c: Charlie {n}\n      d: Delta {n}\n      e: Echo {n}\n"
        answer = "[a, c]"
    else:
        choices = "      a: Alpha {n}\n      b: Bravo {n}\n      c: Charlie {n}\n      d: Delta {n}\n"
        answer = "b"
    return (
        f"  - id: {domain}-{number:03d}\n"
        f"    difficulty: medium\n"
        f"    stem: |\n      {stem}\n"
        f"    choices:\n" + choices.format(n=number) +
        f"    answer: {answer}\n"
        f"    explanation: |\n      SECRET-EXPLANATION-{domain}-{number} because Bravo is right.\n"
        f"    references:\n      - https://docs.stripe.com/payments\n"
    )


def write_bank(root: Path, *, per_domain: int = 8, slug: str = "test-architect",
               min_q: int = 5, max_q: int = 5, multi_every: int = 4) -> Path:
    """Write a track folder with `per_domain` questions in each of two domains."""
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "track.yaml").write_text(TRACK_YAML.format(slug=slug, min_q=min_q, max_q=max_q))
    for domain in ("payments", "connect"):
        body = "".join(question_yaml(domain, n, multi=(n % multi_every == 0))
                       for n in range(1, per_domain + 1))
        (folder / f"{domain}.yaml").write_text(f"domain: {domain}\nquestions:\n{body}")
    return root


def translate_bank(root: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Give the test track Japanese and write a translation of every question but `skip`."""
    track = root / "test-architect"
    text = (track / "track.yaml").read_text().replace("languages: [en]", "languages: [en, ja]")
    text += ("translations:\n  ja:\n    title: テストアーキテクト\n    domains:\n"
             "      payments: 決済\n      connect: Connect\n")
    (track / "track.yaml").write_text(text)
    bank = load_banks(root).tracks[0]
    by_domain: dict[str, list[str]] = {}
    for q in bank.questions:
        if q.spec.id in skip:
            continue
        s = q.spec
        choices = "".join(f"      {k}: 選択肢 {k} の訳 {s.id}\n" for k in s.choices)
        by_domain.setdefault(q.domain, []).append(
            f"  - id: {s.id}\n    source: {source_hash(s.stem, s.choices, s.explanation)}\n"
            f"    stem: |\n      日本語の問題文 {s.id}\n    choices:\n{choices}"
            f"    explanation: |\n      日本語の解説 {s.id}\n")
    folder = track / "translations" / "ja"
    folder.mkdir(parents=True, exist_ok=True)
    for domain, items in by_domain.items():
        (folder / f"{domain}.yaml").write_text(f"language: ja\ndomain: {domain}\nquestions:\n" + "".join(items))


# Templates compiled once for the whole run rather than once per test's app:
# jinja checks each template's source against its cached code.
class _TemplateCodeStore(dict):
    """The get/set a MemcachedBytecodeCache asks of its client, in this process."""

    def set(self, key, value, timeout=None):
        self[key] = value


TEMPLATE_CODE = MemcachedBytecodeCache(_TemplateCodeStore())
# scrypt at 1/32 of the production cost: hundreds of registrations per run.
# test_auth checks that a server as configured keeps the full cost.
TEST_HASH_METHOD = "scrypt:1024:8:1"


def app_on(url: str, banks_dir: Path, *, secret: str = "test-secret"):
    """An app on the database at `url` as it is: another server on the same data."""
    app = create_app({"TESTING": True, "SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": url,
                      "BANKS_DIR": str(banks_dir), "CHECK_BANKS_ON_START": False,
                      "PASSWORD_HASH_METHOD": TEST_HASH_METHOD})
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


def fresh_app(url: str, banks_dir: Path, *, sync: bool = False, secret: str = "test-secret"):
    """An app on an empty schema at `url`, with the banks loaded when `sync`."""
    app = app_on(url, banks_dir, secret=secret)
    with app.app_context():
        db.drop_all()
        db.create_all()
    if sync:
        load_into(app, banks_dir)
    return app


def load_into(app, banks_dir: Path) -> None:
    """Sync a banks folder into the app's database."""
    with app.app_context():
        sync_banks(db.session, load_banks(banks_dir).tracks, NOW)
        db.session.commit()


def make_choose_two(app, attempt_id: int, position: int) -> None:
    """Point one question of an attempt at a choose-two version.

    For tests of choose-two behaviour whose random draw had none.
    """
    with app.app_context():
        version = db.session.scalar(select(QuestionVersion).where(
            QuestionVersion.stem.contains("(Choose two.)")))
        db.session.execute(update(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == position).values(
            question_version_id=version.id, choose=2, choice_order=[c["key"] for c in version.choices]))
        db.session.commit()


def backdate(app, attempt_id: int, minutes: int) -> None:
    """Move an attempt's start and deadline back, as if it had run `minutes` already.

    The server caps a question's time at the time the attempt has run, so a
    test that reports time spent must first let some time pass.
    """
    from datetime import timedelta

    from quizapp.models import Attempt

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at -= timedelta(minutes=minutes)
        attempt.deadline -= timedelta(minutes=minutes)
        db.session.commit()


def drop_app(app) -> None:
    """Drop the schema and close every connection of an app from fresh_app."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def banks_dir(tmp_path: Path) -> Path:
    """A valid tiny banks folder."""
    return write_bank(tmp_path / "banks")


@pytest.fixture
def app(banks_dir: Path, tmp_path: Path):
    """A fresh app and empty schema per test."""
    app = fresh_app(TEST_DATABASE_URL, banks_dir)
    yield app
    drop_app(app)


@pytest.fixture
def synced(app, banks_dir):
    """The tiny bank loaded into the database."""
    load_into(app, banks_dir)
    return app


def csrf_from(html: str) -> str:
    """The CSRF token a page embeds."""
    assert 'name="csrf_token"' in html, "page has no CSRF token"
    return csrf_token_in(html)


class Auth:
    """Register and log in through the real forms."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/auth/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def register(self, email: str = "learner@example.com", password: str = PASSWORD, *, login: bool = True):
        """Register; then log in as a new learner does next (registering never logs in)."""
        response = self.client.post("/auth/register", data={
            "email": email, "password": password, "confirm": password,
            "csrf_token": self.token("/auth/register")})
        if login and response.status_code == 303:
            assert self.login(email, password).status_code == 302
        return response

    def login(self, email: str = "learner@example.com", password: str = PASSWORD, next_url=None):
        url = "/auth/login" + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, data={"email": email, "password": password,
                                           "csrf_token": self.token()})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def learner(synced, auth):
    """A registered, logged-in learner's client."""
    auth.register()
    return auth.client


@pytest.fixture
def other_learner(synced):
    """A second learner with their own client."""
    client = synced.test_client()
    Auth(client).register("other@example.com")
    return client


def start_exam(client, slug: str = "test-architect") -> int:
    """Start an exam through the track page; return the attempt id."""
    token = csrf_from(client.get(f"/tracks/{slug}").get_data(as_text=True))
    response = client.post(f"/tracks/{slug}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/attempts/(\d+)", response.headers["Location"])
    return int(match.group(1))


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a `with count_queries() as n:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counter


def user_id(app, email: str = "learner@example.com") -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.email == email))


def dedent(text: str) -> str:
    return textwrap.dedent(text)


REQUIRE_BROWSER = os.environ.get("QUIZAPP_REQUIRE_BROWSER") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped browser test is a failure: the exam pages must be tested for real."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_BROWSER and report.skipped and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = "browser test skipped but QUIZAPP_REQUIRE_BROWSER=1"


@pytest.fixture(scope="module")
def synced_session(tmp_path_factory):
    """A module-wide app with a learner in an exam, for property-based tests."""
    root = write_bank(tmp_path_factory.mktemp("banks"))
    app = fresh_app(TEST_DATABASE_URL, root, sync=True)
    client = app.test_client()
    Auth(client).register()
    attempt_id = start_exam(client)
    token = csrf_from(client.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    yield app, client, attempt_id, token
    drop_app(app)


def start_attempt(session, user_id: int, track, now: datetime, seed: int | None = None):
    """An attempt in progress stored straight from the attempt operations, as the Start
    button stores one (plan, then store), without a request."""
    from quizapp.exams.attempts import plan_attempt, store_attempt
    from quizapp.models import Attempt

    return session.get(Attempt, store_attempt(session, plan_attempt(session, user_id, track, seed, language="en"), now))
