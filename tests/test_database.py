"""SQLite writers take turns through the writers queue and never strand it."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from quizapp.database import write_intent
from quizapp.extensions import db
from quizapp.models import User

from .conftest import drop_app, fresh_app


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
