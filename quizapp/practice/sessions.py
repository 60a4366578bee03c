"""Practice session operations: start, save, check, finish. They flush; the caller commits.

No Flask here: routes pass the session, the learner and `now`. The save and
the check prove ownership inside their first query, as the exam's autosave
does, so each runs a fixed number of statements.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ..exam import scoring
from ..exam.explanations import in_shown_letters
from ..translatable import N_
from ..exams.attempts import LoginProof, keys_for, labels_for, newer_than
from ..models import (Attempt, AttemptStatus, PracticeItem, PracticeSession, Question, QuestionVersion, ReviewCard,
                      Track, UserSession)
from ..reviews import (CARD_COLUMNS, VALUES, Answer, answer_changed, card_row, stored_state, upsert_cards,
                       upsert_statement)
from ..study.selection import History, Pool, Scope, select_questions

MAX_TIME_LIMIT_MINUTES = 600


def start_session(session: Session, user_id: int, track: Track, scope: Scope, now: datetime,
                  time_limit_minutes: int | None = None, seed: int | None = None,
                  language: str = "en") -> PracticeSession:
    """Draw the questions for a new practice session, in `language`, and store it.

    Raises study.selection.NoQuestions (nothing stored) when nothing matches.
    """
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    rows = session.execute(
        select(Question.id, Question.domain, QuestionVersion.difficulty, QuestionVersion.id,
               QuestionVersion.choices, QuestionVersion.shuffle, QuestionVersion.answer)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
              & (QuestionVersion.content_hash == Question.current_hash))
        .where(Question.track_id == track.id, Question.retired_at.is_(None))
    ).all()
    history = {qid: History(correct, flagged, due) for qid, correct, flagged, due in session.execute(
        select(ReviewCard.question_id, ReviewCard.last_correct, ReviewCard.last_flagged, ReviewCard.due)
        .where(ReviewCard.user_id == user_id, ReviewCard.track_id == track.id))}
    chosen = select_questions([Pool(qid, domain, difficulty) for qid, domain, difficulty, *_ in rows],
                              history, scope, now, seed)
    by_id = {row[0]: row for row in rows}
    shuffler = random.Random(seed)
    practice = PracticeSession(
        user_id=user_id, track_id=track.id, source="missed" if scope.only else scope.source,
        scope={"domains": sorted(scope.domains), "difficulties": sorted(scope.difficulties)},
        started_at=now, length=len(chosen), language=language,
        deadline=now + timedelta(minutes=time_limit_minutes) if time_limit_minutes else None)
    session.add(practice)
    session.flush()
    items = []
    for position, qid in enumerate(chosen, start=1):
        _, _, _, version_id, choices, shuffle, answer = by_id[qid]
        order = [c["key"] for c in choices]
        if shuffle:
            shuffler.shuffle(order)
        items.append({"session_id": practice.id, "position": position, "question_version_id": version_id,
                      "choice_order": order, "choose": len(answer), "selected": [], "flagged": False,
                      "struck": [], "save_seq": 0, "seconds_spent": 0, "changes": []})
    session.execute(insert(PracticeItem), items)
    return practice


def accepts_answers(practice_deadline: datetime | None, finished_at: datetime | None,
                    now: datetime, grace_seconds: int) -> bool:
    """True while the session is open and its time limit (if any, plus grace) has not passed."""
    return finished_at is None and (practice_deadline is None
                                    or now <= practice_deadline + timedelta(seconds=grace_seconds))


def finish_session(session: Session, practice: PracticeSession, now: datetime) -> bool:
    """End a session once; questions left unchecked stay unanswered."""
    done = session.execute(
        update(PracticeSession).where(PracticeSession.id == practice.id, PracticeSession.finished_at.is_(None))
        .values(finished_at=min(now, practice.deadline) if practice.deadline else now)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(practice)
    return done == 1


def over_time(practice: PracticeSession, now: datetime, grace_seconds: int) -> bool:
    """In progress, timed, with its limit and grace passed: no answer can reach it any more."""
    return practice.in_progress and not accepts_answers(practice.deadline, None, now, grace_seconds)


def close_if_over_time(session: Session, practice: PracticeSession, now: datetime, grace_seconds: int) -> bool:
    """Finish a timed session whose limit and grace have passed."""
    if over_time(practice, now, grace_seconds):
        return finish_session(session, practice, now)
    return False


# ---- Save and check: statements built once, on the tables' columns (hot paths).
_items = PracticeItem.__table__
_sessions = PracticeSession.__table__
_logins = UserSession.__table__
_versions = QuestionVersion.__table__
_cards = ReviewCard.__table__
_attempts = Attempt.__table__


# Called only while the module is imported, to build the statements below: mutmut's
# runs import the module before switching a mutant on, so no mutant of it can ever
# run. Whose session a save or check reaches is tested through the pages
# (test_another_learners_session_is_404_everywhere).
def _owned(statement, how: str):  # pragma: no mutate block
    if how == "user":
        return statement.where(_sessions.c.user_id == bindparam("user_id"))
    return statement.join(_logins, _logins.c.user_id == _sessions.c.user_id).where(
        _logins.c.token_hash == bindparam("token_hash"),
        _logins.c.created_at > bindparam("born_after"), _logins.c.last_seen_at > bindparam("seen_after"))


_ITEM = (_items.c.id, _items.c.choice_order, _items.c.choose, _items.c.selected, _items.c.save_seq,
         _items.c.changes, _items.c.checked_at, _sessions.c.started_at, _sessions.c.deadline,
         _sessions.c.finished_at)
_WHERE_ITEM = (_sessions.c.id == bindparam("session_id"), _items.c.position == bindparam("position"))
_READ_FOR_SAVE = {how: _owned(select(*_ITEM).join(_sessions, _sessions.c.id == _items.c.session_id)
                              .where(*_WHERE_ITEM), how) for how in ("user", "login")}
# Practice shows each answer once checked; during a mock that would show the
# answers of questions the mock may hold. So the check reads, in the same
# statement, the learner's mock under way on the track: in progress, and its
# deadline and grace not passed (after them it takes no more answers).
_MOCK_UNDER_WAY = (
    select(_attempts.c.id)
    .where(_attempts.c.user_id == _sessions.c.user_id, _attempts.c.track_id == _sessions.c.track_id,
           _attempts.c.status == AttemptStatus.IN_PROGRESS.value, _attempts.c.deadline > bindparam("mock_cutoff"))
    .limit(1).scalar_subquery().label("mock_id"))
_READ_FOR_CHECK = {how: _owned(
    select(*_ITEM, _items.c.flagged, _sessions.c.user_id, _sessions.c.track_id, _versions.c.question_id,
           _versions.c.answer, _versions.c.explanation, _versions.c.references, _MOCK_UNDER_WAY, *CARD_COLUMNS)
    .join(_sessions, _sessions.c.id == _items.c.session_id)
    .join(_versions, _versions.c.id == _items.c.question_version_id)
    .outerjoin(_cards, (_cards.c.user_id == _sessions.c.user_id) & (_cards.c.question_id == _versions.c.question_id))
    .where(*_WHERE_ITEM), how) for how in ("user", "login")}
_WRITE_SAVE = (
    update(_items)
    .where(_items.c.id == bindparam("item_id"), _items.c.save_seq < bindparam("newer_than"),
           _items.c.checked_at.is_(None))
    .values(selected=bindparam("new_selected"), flagged=bindparam("new_flagged"),
            struck=bindparam("new_struck"), changes=bindparam("new_changes"),
            seconds_spent=func.coalesce(bindparam("new_seconds_spent", type_=Integer), _items.c.seconds_spent),
            save_seq=bindparam("new_seq"))
)
# The lock: only the first check of a question writes; a second (a double
# press, another device) finds checked_at set and changes nothing.
_WRITE_CHECK = (
    update(_items)
    .where(_items.c.id == bindparam("item_id"), _items.c.checked_at.is_(None))
    .values(selected=bindparam("new_selected"), flagged=bindparam("new_flagged"),
            changes=bindparam("new_changes"), checked_at=bindparam("now"),
            is_correct=bindparam("correct"), save_seq=_items.c.save_seq + 1)
)
# On PostgreSQL the lock and the review card are one statement: the card is
# written from the locking UPDATE's RETURNING, so it is written only when the
# lock was taken, and the check costs a round trip less.
_LOCKED = _WRITE_CHECK.returning(_items.c.id).cte("locked")
_LOCK_AND_SCHEDULE = upsert_cards(
    postgresql.insert, select(*VALUES.values(), literal(1)).select_from(_LOCKED)).returning(_cards.c.id)


def _params(session_id: int, position: int, user_id: int | None, login: LoginProof | None):
    params = {"session_id": session_id, "position": position}
    if login is not None:
        params.update(token_hash=login.token_hash, born_after=login.born_after, seen_after=login.seen_after)
        return "login", params
    if user_id is None:
        raise ValueError("needs a user_id or a login")
    params["user_id"] = user_id
    return "user", params


@dataclass
class PracticeResult:
    """What happened to a save or a check.

    status: "saved", "stale", "checked", "not_found", "closed", "locked", "invalid",
    "mock_under_way" (with the mock's attempt id).
    """

    status: str
    # English, marked for translation, with its values; the route shows it translated.
    message: str = ""
    values: dict = field(default_factory=dict)
    seq: int = 0
    correct: bool | None = None
    key: list[str] = field(default_factory=list)
    explanation: str = ""
    references: list[str] = field(default_factory=list)
    attempt_id: int | None = None


CLOSED = N_("This practice session has ended; answers can no longer change.")
LOCKED = N_("This question is already checked; a checked answer cannot change.")
NOT_FOUND = N_("No such question in your practice sessions.")
NOT_AN_OPTION = N_("That option is not part of this question.")


def _keys(choice_order: list[str], labels: Sequence[str], choose: int) -> list[str] | PracticeResult:
    """The bank keys of the shown letters, or the refusal to return."""
    keys = keys_for(choice_order, list(labels))
    if keys is None:
        return PracticeResult("invalid", NOT_AN_OPTION)
    if len(set(keys)) > choose:
        return PracticeResult("invalid", N_("Choose no more than %(n)s options."), {"n": choose})
    return sorted(set(keys), key=choice_order.index)


def _changes(changes: list, stored: list[str], keys: list[str], started_at: datetime, now: datetime) -> list:
    if keys == stored:
        return changes
    return [*changes, [max(0, int((now - started_at).total_seconds())), keys]]


def save_practice_answer(
    session: Session, *, session_id: int, position: int, seq: int | None, selected: Sequence[str],
    flagged: bool, struck: Sequence[str], seconds_spent: int | None, now: datetime, grace_seconds: int,
    user_id: int | None = None, login: LoginProof | None = None, seen_seq: int | None = None,
) -> PracticeResult:
    """Store an unchecked question's answer, flag and strike-outs (two statements).

    Same rules as the exam's save: shown letters, older saves never win, a
    plain form post (`seq` None) applies unless a save newer than `seen_seq`
    (its page's newest) is stored. A checked question refuses.
    """
    how, params = _params(session_id, position, user_id, login)
    row = session.execute(_READ_FOR_SAVE[how], params).one_or_none()
    if row is None:
        return PracticeResult("not_found", NOT_FOUND)
    item_id, choice_order, choose, stored, stored_seq, changes, checked_at, started_at, deadline, finished_at = row
    if not accepts_answers(deadline, finished_at, now, grace_seconds):
        return PracticeResult("closed", CLOSED)
    if checked_at is not None:
        return PracticeResult("locked", LOCKED)
    keys = _keys(choice_order, selected, choose)
    struck_keys = keys_for(choice_order, list(struck))
    if isinstance(keys, PracticeResult):
        return keys
    if struck_keys is None:
        return PracticeResult("invalid", NOT_AN_OPTION)
    new_seq = stored_seq + 1 if seq is None else seq
    applied = session.execute(_WRITE_SAVE, {
        "item_id": item_id, "newer_than": newer_than(seq, seen_seq), "new_seq": new_seq,
        "new_selected": keys, "new_flagged": flagged,
        "new_struck": sorted(set(struck_keys), key=choice_order.index),
        "new_changes": _changes(changes, stored, keys, started_at, now),
        "new_seconds_spent": None if seconds_spent is None else min(
            seconds_spent, max(0, int((now - started_at).total_seconds()))),
    }).rowcount
    if not applied:
        return PracticeResult("stale", N_("A newer answer is already saved."), seq=stored_seq)
    return PracticeResult("saved", seq=new_seq)


MOCK_UNDER_WAY = N_("Finish your mock exam on this track first: practice shows the answers, "
                    "and the exam may hold the same questions.")


def check_answer(
    session: Session, *, session_id: int, position: int, selected: Sequence[str] | None, flagged: bool | None,
    now: datetime, grace_seconds: int, user_id: int | None = None, login: LoginProof | None = None,
) -> PracticeResult:
    """Score one question, lock it, schedule its review; only then say how it went.

    `selected` (shown letters) is the answer to check; None checks the saved
    one. Three statements: the question with its session, key, review card and
    any mock under way on the track (ownership included); the locking update;
    the review card's upsert. On PostgreSQL the last two are one statement, so two.
    """
    how, params = _params(session_id, position, user_id, login)
    params["mock_cutoff"] = now - timedelta(seconds=grace_seconds)
    row = session.execute(_READ_FOR_CHECK[how], params).one_or_none()
    if row is None:
        return PracticeResult("not_found", NOT_FOUND)
    if row.mock_id is not None:
        return PracticeResult("mock_under_way", MOCK_UNDER_WAY, attempt_id=row.mock_id)
    if not accepts_answers(row.deadline, row.finished_at, now, grace_seconds):
        return PracticeResult("closed", CLOSED)
    if row.checked_at is not None:
        return PracticeResult("locked", LOCKED)
    keys = list(row.selected) if selected is None else _keys(row.choice_order, selected, row.choose)
    if isinstance(keys, PracticeResult):
        return keys
    if not keys:
        return PracticeResult("invalid", N_("Choose an option before checking."))
    if len(keys) < row.choose:
        return PracticeResult("invalid", N_("Choose %(n)s options before checking; you chose %(chosen)s."),
                              {"n": row.choose, "chosen": len(keys)})
    flagged = row.flagged if flagged is None else flagged
    changes = _changes(row.changes, row.selected, keys, row.started_at, now)
    correct = scoring.is_correct(keys, row.answer)
    lock = {"item_id": row.id, "new_selected": keys, "new_flagged": flagged, "new_changes": changes,
            "now": now, "correct": correct}
    card = card_row(Answer(row.user_id, row.question_id, row.track_id, correct, flagged,
                           answer_changed(changes), stored_state(*row[-len(CARD_COLUMNS):])), now)
    if session.get_bind().dialect.name == "postgresql":
        locked = session.execute(_LOCK_AND_SCHEDULE, {**lock, **card}).first() is not None
    else:
        locked = session.execute(_WRITE_CHECK, lock).rowcount == 1
        if locked:
            session.execute(upsert_statement(session), [card])
    if not locked:
        return PracticeResult("locked", LOCKED)
    shown = labels_for(row.choice_order)
    return PracticeResult("checked", correct=correct, key=sorted(shown[k] for k in row.answer),
                          explanation=in_shown_letters(row.explanation, shown), references=list(row.references))


@dataclass
class SessionSummary:
    """The end of a session: how many checked and right, by domain, and what was missed."""

    checked: int
    correct: int
    length: int
    domains: list[scoring.DomainScore]
    missed: list[int]          # positions answered wrong
    missed_questions: list[int]  # their question ids, for a drill

    @property
    def percent(self) -> float:
        """Right as a percent of the questions checked."""
        return 100.0 * self.correct / self.checked if self.checked else 0.0


def summarise(items: Sequence[tuple[int, int, str, bool | None]], length: int,
              domain_order: Sequence[str]) -> SessionSummary:
    """Summarise (position, question_id, domain, is_correct) rows; unchecked rows have None."""
    per_domain = {slug: scoring.DomainScore(slug) for slug in domain_order}
    checked = correct = 0
    for _, _, domain, is_correct in items:
        if is_correct is None:
            continue
        score = per_domain.setdefault(domain, scoring.DomainScore(domain))
        score.total += 1
        score.correct += is_correct
        checked += 1
        correct += is_correct
    order = {slug: i for i, slug in enumerate(per_domain)}
    # Weakest first, as the mock's result lists them: the order to study in.
    domains = sorted((d for d in per_domain.values() if d.total), key=lambda d: (d.percent, order[d.domain]))
    wrong = [(p, q) for p, q, _, c in items if c is False]
    return SessionSummary(checked=checked, correct=correct, length=length, domains=domains,
                          missed=[p for p, _ in wrong], missed_questions=[q for _, q in wrong])

