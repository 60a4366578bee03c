"""Which questions a practice session draws, from the scope, the source and the learner's history."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ..translatable import N_
from .schedule import is_due

SOURCES = ("any", "unseen", "wrong", "flagged", "due")
# English, marked for translation: shown through gettext where the page shows them.
SOURCE_TITLES = {
    "any": N_("Any question"),
    "unseen": N_("Not seen yet"),
    "wrong": N_("I got wrong"),
    "flagged": N_("I flagged"),
    "due": N_("Due for review"),
    "missed": N_("Missed in a session"),
}
MAX_COUNT = 100


class NoQuestions(ValueError):
    """The scope and source leave nothing to practise."""


@dataclass(frozen=True)
class Pool:
    """A question that may be drawn: its identity, domain and difficulty."""

    question_id: int
    domain: str
    difficulty: str | None


@dataclass(frozen=True)
class History:
    """The learner's latest answer to a question, and its review card."""

    last_correct: bool
    last_flagged: bool
    due: datetime


@dataclass(frozen=True)
class Scope:
    """What to practise. Empty domain or difficulty sets mean "all"."""

    domains: frozenset[str] = frozenset()
    difficulties: frozenset[str] = frozenset()
    source: str = "any"
    count: int = 10
    # A fixed list (a drill on what a session missed): scope filters still apply.
    only: tuple[int, ...] = ()


def _in_scope(question: Pool, scope: Scope) -> bool:
    return ((not scope.domains or question.domain in scope.domains)
            and (not scope.difficulties or (question.difficulty or "") in scope.difficulties))


def _from_source(seen: History | None, source: str, now: datetime) -> bool:
    if source == "any":
        return True
    if source == "unseen":
        return seen is None
    if seen is None:
        return False
    if source == "wrong":
        return not seen.last_correct
    if source == "flagged":
        return seen.last_flagged
    if source == "due":
        return is_due(seen.due, now)
    raise ValueError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")


def select_questions(pool: Iterable[Pool], history: Mapping[int, History], scope: Scope,
                     now: datetime, seed: int) -> list[int]:
    """The question ids of a new session, in the order it asks them.

    Due questions come most overdue first; a fixed list keeps its order; any
    other source is shuffled by `seed`, with questions the learner has not
    seen before those they have, so a drill widens what they know.
    Raises NoQuestions when nothing matches.
    """
    if not 1 <= scope.count <= MAX_COUNT:
        raise ValueError(f"count must be 1 to {MAX_COUNT}")
    by_id = {q.question_id: q for q in pool if _in_scope(q, scope)}
    if scope.only:
        chosen = [by_id[i] for i in dict.fromkeys(scope.only) if i in by_id]
    else:
        chosen = [q for q in by_id.values()
                  if _from_source(history.get(q.question_id), scope.source, now)]
        if scope.source == "due":
            chosen.sort(key=lambda q: (history[q.question_id].due, q.question_id))
        else:
            chosen.sort(key=lambda q: q.question_id)
            random.Random(seed).shuffle(chosen)
            chosen.sort(key=lambda q: q.question_id in history)
    if not chosen:
        raise NoQuestions(N_("No questions match: widen the scope."))
    return [q.question_id for q in chosen[:scope.count]]


def missed(items: Iterable[tuple[int, bool | None]]) -> list[int]:
    """Question ids answered wrong in a session, in the session's order.

    `items` are (question_id, is_correct) pairs; unchecked ones (None) were not missed.
    """
    return list(dict.fromkeys(qid for qid, correct in items if correct is False))

