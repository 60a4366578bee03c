"""Migrations build the schema on an empty database and match the models."""

import os
import uuid

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


@pytest.mark.postgresql
def test_migrations_on_an_empty_postgresql_database(banks_dir):
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("set QUIZAPP_TEST_DATABASE_URL to a PostgreSQL database")
    name = f"quizapp_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        run_migrations(url.rsplit("/", 1)[0] + f"/{name}", banks_dir)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
