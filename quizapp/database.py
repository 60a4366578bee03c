"""Engine settings per database: SQLite pragmas and write transactions."""

from __future__ import annotations

import contextvars
import fcntl
import os
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Set for requests that write. SQLite then opens the transaction with
# BEGIN IMMEDIATE: a deferred transaction that reads first and writes later
# fails at once with "database is locked" when another writer committed in
# between, instead of waiting for the busy timeout.
#
# Writers also queue on an flock of "<database>-writers" before BEGIN
# IMMEDIATE. SQLite's own busy handler polls with growing sleeps (1, 2, 5,
# 10 ms...), so with two workers the waiting one slept through most of the
# other's short transactions: saves ran at 618/s with 38 % of a worker's time
# asleep in BEGIN. A blocked flock wakes the moment the holder lets go (889/s
# measured side by side). The kernel drops the lock when a process dies, and a
# worker stuck holding it is killed by gunicorn's worker timeout; the busy
# timeout still covers writers that do not take the queue (the command-line
# tools). A GET that must write (closing an overdue attempt) does so through
# `write_transaction`: a read transaction that later writes fails at once, busy
# timeout or not, if another writer committed since it began.
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

    on_disk = engine.url.database not in (None, "", ":memory:")
    queue_path = f"{engine.url.database}-writers"

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        if not write_intent.get():
            connection.exec_driver_sql("BEGIN")
            return
        if on_disk:
            info = connection.connection.info
            if "writers_fd" not in info:
                info["writers_fd"] = os.open(queue_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(info["writers_fd"], fcntl.LOCK_EX)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _leave_writers_queue(_dbapi_connection, record) -> None:
        # The transaction is over once the connection is back in the pool
        # (committed, or rolled back by the pool's reset).
        if "writers_fd" in record.info:
            fcntl.flock(record.info["writers_fd"], fcntl.LOCK_UN)

    @event.listens_for(engine, "close")
    def _close_writers_fd(_dbapi_connection, record) -> None:
        fd = record.info.pop("writers_fd", None)
        if fd is not None:
            os.close(fd)


def reads_first(view):
    """Mark a view that reads (and hashes a password) before it writes.

    Its request starts in a read transaction instead of SQLite's BEGIN
    IMMEDIATE, so slow work such as scrypt never runs while the database's
    write lock is held; it writes inside `write_transaction`.
    """
    view.reads_first = True
    return view


@contextmanager
def write_transaction(session):
    """End the read transaction, run the block in a write transaction, commit it."""
    session.commit()
    token = write_intent.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        write_intent.reset(token)
