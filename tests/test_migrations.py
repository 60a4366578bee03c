"""Migrations build the schema on an empty database and match the models."""

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, inspect, text

from quizapp import create_app


def run_migrations(url, banks_dir):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "BANKS_DIR": str(banks_dir), "CHECK_BANKS_ON_START": False})
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output
    with app.app_context():
        from quizapp.extensions import db
        db.engine.dispose()


def test_migrations_on_an_empty_sqlite_file(tmp_path, banks_dir):
    url = f"sqlite:///{tmp_path}/empty.sqlite3"
    run_migrations(url, banks_dir)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "attempts", "attempt_questions", "question_versions", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


@contextmanager
def new_postgresql_database(url):
    """A new, empty database beside the one `url` names; dropped afterwards."""
    name = f"quizapp_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.mark.postgresql
def test_migrations_on_an_empty_postgresql_database(banks_dir):
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("set QUIZAPP_TEST_DATABASE_URL to a PostgreSQL database")
    with new_postgresql_database(url) as empty:
        run_migrations(empty, banks_dir)


@pytest.fixture
def empty_database(tmp_path):
    """An empty database of the suite's kind: a SQLite file, or a new PostgreSQL database."""
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/empty.sqlite3"
        return
    with new_postgresql_database(url) as empty:
        yield empty


def test_item_tallies_are_filled_from_the_attempts_finished_before_them(empty_database, banks_dir):
    """Upgrading a database with finished attempts gives the forecast the same counts as
    scoring keeps afterwards; an attempt in progress counts in neither, and a question
    left blank in neither (0010 rebuilds the counts 0008 made with them)."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from quizapp.banks import load_banks
    from quizapp.banks.sync import sync_banks
    from quizapp.exams.attempts import finish_attempt
    from quizapp.extensions import db
    from quizapp.models import Attempt, AttemptQuestion, ItemTally, Track, User

    from .conftest import NOW, start_attempt

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database,
                      "BANKS_DIR": str(banks_dir), "CHECK_BANKS_ON_START": False})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        sync_banks(db.session, load_banks(banks_dir).tracks, NOW)
        track = db.session.scalar(select(Track))
        for n in range(3):
            db.session.add(User(email=f"l{n}@example.com", password_hash="x", created_at=NOW))
        db.session.flush()
        learners = db.session.scalars(select(User.id)).all()
        for n, learner in enumerate(learners):
            attempt = start_attempt(db.session, learner, track, NOW, seed=n)
            for item in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)):
                item.selected = item.choice_order[: item.choose] if item.position % 2 else [item.choice_order[-1]]
                if n == 1 and item.position <= 2:
                    item.selected = []  # left blank
            if n < 2:
                finish_attempt(db.session, attempt, NOW + timedelta(minutes=20), by="learner")
        db.session.commit()
        first = {v: (r, c) for v, r, c in db.session.execute(
            select(ItemTally.question_version_id, ItemTally.responses, ItemTally.correct))}
        assert sum(r for r, _ in first.values()) == 2 * track.min_questions - 2
        # The first learner sits four more times: only questions they had not answered
        # before count (0011 rebuilds the counts 0010 made with every answer).
        seen = set(db.session.scalars(select(AttemptQuestion.question_version_id).join(Attempt).where(
            Attempt.user_id == learners[0])))
        counted = repeats = 0
        for k in range(4):
            again = start_attempt(db.session, learners[0], track, NOW + timedelta(hours=k + 1), seed=7 + k)
            for item in db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == again.id)):
                item.selected = item.choice_order[: item.choose]
                repeats += item.question_version_id in seen
                counted += item.question_version_id not in seen
                seen.add(item.question_version_id)
            finish_attempt(db.session, again, NOW + timedelta(hours=k + 1, minutes=30), by="learner")
        db.session.commit()
        kept = {v: (r, c) for v, r, c in db.session.execute(
            select(ItemTally.question_version_id, ItemTally.responses, ItemTally.correct))}
        assert repeats > 0 and counted > 0
        assert sum(r for r, _ in kept.values()) == 2 * track.min_questions - 2 + counted
        assert 0 < sum(c for _, c in kept.values()) < sum(r for r, _ in kept.values())
        db.session.remove()
        db.engine.dispose()
    assert runner.invoke(args=["db", "downgrade", "0007"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        filled = {v: (r, c) for v, r, c in db.session.execute(
            select(ItemTally.question_version_id, ItemTally.responses, ItemTally.correct))}
        assert filled == kept
        db.session.remove()
        db.engine.dispose()
