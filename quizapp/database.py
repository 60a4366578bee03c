"""Engine settings per database: SQLite pragmas and write transactions."""

from __future__ import annotations

import contextvars

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Set for requests that write. SQLite then opens the transaction with
# BEGIN IMMEDIATE: a deferred transaction that reads first and writes later
# fails at once with "database is locked" when another writer committed in
# between, instead of waiting for the busy timeout.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def configure_engine(engine: Engine) -> None:
    """Attach per-dialect connection settings to the engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            # WAL with synchronous=NORMAL can lose the last commits on power
            # loss; FULL keeps every acknowledged save.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
