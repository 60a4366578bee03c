"""Group commit for answers: saves (and practice checks) that arrive together share one transaction.

An acknowledged answer must be on disk (SQLite runs with synchronous=FULL,
PostgreSQL with synchronous_commit on), so every commit waits for an fsync.
Committed one at a time, a worker's saves queue behind each other's fsyncs and
the disk, not the CPU, sets the pace. Here the saves that reach one process
while a commit is in flight are committed together by the next one: one
transaction, one fsync, and each is acknowledged only once that commit returns.

Leader and followers, no committer thread: the first save to find no commit in
flight runs the batch itself (with its own and every waiting save), the others
wait for it. A save that is alone (a sync worker, a quiet exam, the tests) runs
at once in its own request thread, without a hand-off to another thread, so the
batching costs it nothing; and there is no thread to restart after gunicorn
forks a worker. The batching only pays with several request threads per
process (gunicorn's gthread workers; see the README's deployment notes).

Failure stays with the saves it concerns: when a batch fails, it is rolled back
and each of its saves runs again alone, so one bad save fails only itself and a
database that is down fails every save with an error the page retries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..database import write_intent
from .attempts import save_answer

Result = TypeVar("Result")

@dataclass
class _Save:
    """One request's write: the operation, where it writes (for the batch's order),
    its arguments, then its outcome."""

    operation: Callable[..., Any]
    question: tuple[str, int, int]
    arguments: dict[str, Any]
    result: Any = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class SaveBatches:
    """The answer writes of one process, committed in batches of at most `max_batch`."""

    engine: Engine
    max_batch: int = 64
    _pending: list[_Save] = field(default_factory=list)
    _leading: bool = False
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def save(self, **arguments: Any):
        """`save_answer(session, **arguments)` for an exam's autosave; see `run`."""
        return self.run(save_answer, ("attempt", arguments["attempt_id"], arguments["position"]), **arguments)

    def run(self, operation: Callable[..., Result], question: tuple[str, int, int], **arguments: Any) -> Result:
        """`operation(session, **arguments)`, returned once its transaction is committed.

        `operation` writes through the session it is given and does nothing
        else that outlives a rollback, so that it can run again alone when its
        batch fails; `question` (kind, attempt or session id, position) orders
        the batch. Raises what the operation raised (a database error
        included): then nothing of it was stored, and the caller must not
        acknowledge it.

        The caller's own session must have no transaction open: on SQLite the
        batch takes the writers' lock (and in memory, the very connection) that
        such a transaction could be holding.
        """
        mine = _Save(operation, question, arguments)
        with self._changed:
            self._pending.append(mine)
        while True:
            with self._changed:
                while self._leading and not mine.done:
                    self._changed.wait()
                if mine.done:
                    break
                # No commit in flight: lead one, with every save that waits
                # (first come, first in; a capped batch leaves the rest to the next).
                self._leading = True
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                self._run(batch)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.result

    def _run(self, batch: list[_Save]) -> None:
        # In question order, so two processes' batches take PostgreSQL's row
        # locks in the same order and never deadlock; the sort is stable, so two
        # saves of one question keep their arrival order (and the save's own
        # seq rule keeps an older one from overwriting a newer one anyway).
        batch = sorted(batch, key=lambda s: s.question)
        intent = write_intent.set(True)
        try:
            try:
                results = self._commit(batch)
            except Exception:  # noqa: BLE001 - each save is retried alone below
                if len(batch) == 1:
                    raise
                for one in batch:
                    try:
                        (one.result,) = self._commit([one])
                    except Exception as error:  # noqa: BLE001 - handed to that save's request
                        one.error = error
            else:
                for one, result in zip(batch, results, strict=True):
                    one.result = result
        except Exception as error:  # noqa: BLE001 - handed to that save's request
            batch[0].error = error
        finally:
            write_intent.reset(intent)
            for one in batch:
                if one.result is None and one.error is None:
                    # Interrupted (the worker is being stopped): not stored, say so.
                    one.error = RuntimeError("the save's batch was interrupted")
                one.done = True

    def _commit(self, batch: list[_Save]) -> list[Any]:
        # A session of its own (the leading request's session is its own
        # business), on a connection whose transaction is ours: committing the
        # connection costs less than the ORM's commit (about 50 us of a save).
        with self.engine.begin() as connection, Session(bind=connection) as session:
            results = [one.operation(session, **one.arguments) for one in batch]
            session.flush()
        return results
