"""SQLite writers take turns through the writers queue and never strand it."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import create_engine, func, insert, select

from quizapp.database import write_intent
from quizapp.exam import clock
from quizapp.extensions import db
from quizapp.models import Attempt, PracticeSession, User, now_utc
from quizapp.practice import sessions as practice_sessions

from .conftest import Auth, backdate, csrf_from, drop_app, fresh_app, start_exam


def test_sqlite_writer_waits_its_turn_and_an_abandoned_transaction_lets_it_in(tmp_path, banks_dir):
    app = fresh_app(f"sqlite:///{tmp_path}/writers.sqlite3", banks_dir)
    holding, let_go, done = threading.Event(), threading.Event(), threading.Event()

    def first_writer():
        # A request that fails mid-way: it wrote, then ends without commit.
        write_intent.set(True)
        with app.app_context():
            db.session.add(User(email="abandoned@example.com", password_hash="x"))
            db.session.flush()
            holding.set()
            let_go.wait(10)

    def second_writer():
        write_intent.set(True)
        holding.wait(10)
        with app.app_context():
            db.session.add(User(email="second@example.com", password_hash="x"))
            db.session.commit()
        done.set()

    threads = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
    for t in threads:
        t.start()
    assert holding.wait(10)
    assert not done.wait(0.5), "the second writer went ahead while the first held the database"
    let_go.set()
    assert done.wait(10), "the abandoned transaction kept the writers queue"
    for t in threads:
        t.join(10)
    write_intent.set(True)
    with app.app_context():
        db.session.add(User(email="third@example.com", password_hash="x"))
        db.session.commit()
        emails = set(db.session.scalars(select(User.email)))
        assert emails == {"second@example.com", "third@example.com"}
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
    write_intent.set(False)
    drop_app(app)


def _another_writer_commits_first(monkeypatch, module, name, url):
    """Patch `module.name` (a rule the page consults after reading, before it
    writes) so that, the first time it is asked, another connection commits a
    write: as when another learner's save lands between a page's reads and its write."""
    real, other = getattr(module, name), create_engine(url)
    asked = []

    def meanwhile(*args):
        if not asked:
            with other.begin() as connection:
                connection.execute(insert(User).values(email="meanwhile@example.com", password_hash="x",
                                                       created_at=now_utc()))
        asked.append(args)
        return real(*args)

    monkeypatch.setattr(module, name, meanwhile)
    return other


def test_a_page_closing_an_overdue_exam_survives_a_write_committed_while_it_read(tmp_path, banks_dir, monkeypatch):
    # As time runs out, a class's pages and clocks arrive together and each
    # closes the overdue attempt it opens. A read transaction that then writes
    # was refused at once ("database is locked") when another writer had
    # committed in between: a 500, and the attempt left open.
    url = f"sqlite:///{tmp_path}/pages.sqlite3"
    app = fresh_app(url, banks_dir, sync=True)
    client = app.test_client()
    Auth(client).register()
    attempt_id = start_exam(client)
    backdate(app, attempt_id, 91)  # a 90-minute exam: a minute past its deadline, past the grace
    other = _another_writer_commits_first(monkeypatch, clock, "is_overdue", url)
    response = client.get(f"/attempts/{attempt_id}/clock")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"status": "timed_out", "remaining_seconds": 0}
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).finished_by == "close-overdue"
        assert db.session.scalar(select(User.id).where(User.email == "meanwhile@example.com"))
    other.dispose()
    drop_app(app)


def test_a_page_closing_an_over_time_practice_survives_a_write_committed_while_it_read(
        tmp_path, banks_dir, monkeypatch):
    url = f"sqlite:///{tmp_path}/practice.sqlite3"
    app = fresh_app(url, banks_dir, sync=True)
    client = app.test_client()
    Auth(client).register()
    page = client.get("/tracks/test-architect/practice").get_data(as_text=True)
    response = client.post("/tracks/test-architect/practice", data={
        "count": "custom", "custom_count": "3", "source": "any", "time_limit": "5", "csrf_token": csrf_from(page)})
    session_id = int(re.search(r"/practice/(\d+)/", response.headers["Location"]).group(1))
    with app.app_context():
        practice = db.session.get(PracticeSession, session_id)
        practice.started_at -= timedelta(minutes=6)
        practice.deadline -= timedelta(minutes=6)
        deadline = practice.deadline
        db.session.commit()
    other = _another_writer_commits_first(monkeypatch, practice_sessions, "accepts_answers", url)
    response = client.get(f"/practice/{session_id}/questions/1")
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PracticeSession, session_id).finished_at == deadline
    other.dispose()
    drop_app(app)
