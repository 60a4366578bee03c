"""An attempt's timeline: what happened, in server time, merged from its two sources.

Plain Python. Answers and flags come from each question's `changes`
([seconds since start, keys, flagged, in grace]); everything else (start,
submission, what the page reported) from the attempt's events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Moment:
    """One line of the timeline."""

    at: datetime
    kind: str  # started, answer, flag, unflag, resync, offline, online, submitted, timed_out
    position: int | None = None
    keys: tuple[str, ...] = ()
    in_grace: bool = False
    detail: dict = field(default_factory=dict)


def question_moments(started_at: datetime, position: int, changes: Sequence[Sequence]) -> list[Moment]:
    """The answer and flag changes of one question, oldest first.

    Entries written before flags were logged hold only [seconds, keys]: they
    count as answer changes with the flag unknown.
    """
    moments = []
    keys_before: tuple[str, ...] = ()
    flag_before = False
    for entry in changes:
        seconds, keys = int(entry[0]), tuple(entry[1])
        flagged = bool(entry[2]) if len(entry) > 2 else flag_before
        in_grace = bool(entry[3]) if len(entry) > 3 else False
        at = started_at + timedelta(seconds=seconds)
        if keys != keys_before:
            moments.append(Moment(at, "answer", position, keys, in_grace))
        if flagged != flag_before:
            moments.append(Moment(at, "flag" if flagged else "unflag", position, keys, in_grace))
        keys_before, flag_before = keys, flagged
    return moments


def build_timeline(started_at: datetime, events: Iterable[tuple[datetime, str, dict]],
                   questions: Iterable[tuple[int, Sequence[Sequence]]]) -> list[Moment]:
    """Every moment of an attempt in time order.

    Answers are logged in whole seconds since the start (cut, not rounded), so
    events are put on the same grid: an answer saved after an event can then
    never sort before it, and the times shown never run backwards. Within one
    second the start comes first, then what the page reported, then answers,
    then the end.
    """
    second = timedelta(seconds=1)
    moments = [Moment(started_at + ((at - started_at) // second) * second, kind, detail=detail or {})
               for at, kind, detail in events]
    for position, changes in questions:
        moments.extend(question_moments(started_at, position, changes))
    rank = {"started": 0, "answer": 2, "flag": 2, "unflag": 2, "submitted": 3, "timed_out": 3}
    return sorted(moments, key=lambda m: (m.at, rank.get(m.kind, 1), m.position or 0))
