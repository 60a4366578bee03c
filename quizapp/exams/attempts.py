"""Attempt operations: start, save, finish. They flush; the caller commits.

No Flask here: routes and CLI commands pass the session, the user and `now`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import JSON, BigInteger, Integer, bindparam, func, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..exam import clock, scoring
from ..translatable import N_
from ..exam.assembly import Candidate, assemble
from ..models import (Attempt, AttemptEvent, AttemptQuestion, AttemptStatus, ItemTally, Question,
                      QuestionVersion, ReviewCard, Track, UserSession)
from ..reviews import CARD_COLUMNS, Answer, answer_changed, record_answers, stored_state

LABELS = "ABCDEF"
IN_PROGRESS = AttemptStatus.IN_PROGRESS.value


def labels_for(choice_order: list[str]) -> dict[str, str]:
    """Map each bank key to the letter this attempt shows it under.

    The page and its JSON speak in shown letters only, so nothing on the
    page ties an option to the bank's own keys.
    """
    return {key: LABELS[i] for i, key in enumerate(choice_order)}


def keys_for(choice_order: list[str], labels: list[str]) -> list[str] | None:
    """Turn shown letters back into bank keys; None if a letter is not shown."""
    keys = []
    for label in labels:
        index = LABELS.find(label) if isinstance(label, str) and len(label) == 1 else -1
        if index < 0 or index >= len(choice_order):
            return None
        keys.append(choice_order[index])
    return keys


# A start's reads, built once (a fresh select() is built and keyed on every call).
_IN_PROGRESS = select(Attempt).where(Attempt.user_id == bindparam("user_id"),
                                     Attempt.track_id == bindparam("track_id"), Attempt.status == IN_PROGRESS)
_TIMES_SEEN = (
    select(QuestionVersion.question_id, func.count())
    .select_from(AttemptQuestion)
    .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
    .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
    .where(Attempt.user_id == bindparam("user_id"), Attempt.track_id == bindparam("track_id"))
    .group_by(QuestionVersion.question_id)
)


def in_progress_attempt(session: Session, user_id: int, track_id: int) -> Attempt | None:
    """The user's attempt in progress on a track, if any."""
    return session.scalar(_IN_PROGRESS, {"user_id": user_id, "track_id": track_id})


def times_seen(session: Session, user_id: int, track_id: int) -> dict[int, int]:
    """How often the user has been given each question of a track."""
    rows = session.execute(_TIMES_SEEN, {"user_id": user_id, "track_id": track_id})
    return {question_id: count for question_id, count in rows}


@dataclass(frozen=True)
class TrackCandidates:
    """A track's drawable questions as assembly needs them, with each one's version."""

    bank_version: str
    candidates: tuple[Candidate, ...]
    # question id -> (current version id, how many options to choose)
    versions: dict[int, tuple[int, int]]


# Per process: the candidates of each track, reloaded when `banks sync` moves the
# track's bank_version. Loading ~520 rows with their options was most of a
# start's reading time.
_candidates_cache: dict[int, TrackCandidates] = {}


def track_candidates(session: Session, track: Track) -> TrackCandidates:
    """The track's current, unretired questions, from the cache while the bank is unchanged."""
    cached = _candidates_cache.get(track.id)
    if cached is not None and track.bank_version and cached.bank_version == track.bank_version:
        return cached
    rows = session.execute(
        select(Question.id, Question.domain, QuestionVersion.id, QuestionVersion.choices,
               QuestionVersion.shuffle, QuestionVersion.answer, QuestionVersion.enemy_groups)
        .join(QuestionVersion, (QuestionVersion.question_id == Question.id)
              & (QuestionVersion.content_hash == Question.current_hash))
        .where(Question.track_id == track.id, Question.retired_at.is_(None))
    ).all()
    versions = {}
    candidates = []
    for question_id, domain, version_id, choices, shuffle, answer, enemies in rows:
        versions[question_id] = (version_id, len(answer))
        candidates.append(Candidate(question_id, domain, tuple(c["key"] for c in choices), shuffle,
                                    tuple(enemies or ())))
    loaded = TrackCandidates(track.bank_version, tuple(candidates), versions)
    _candidates_cache[track.id] = loaded
    return loaded


@dataclass(frozen=True)
class AttemptPlan:
    """An exam assembled for a learner, not yet stored."""

    user_id: int
    track_id: int
    pass_percent: int
    seed: int
    minutes: int
    language: str
    length: int
    # (version id, choice order, how many to choose) in exam order
    questions: tuple[tuple[int, tuple[str, ...], int], ...]


def plan_attempt(session: Session, user_id: int, track: Track, seed: int | None = None, *,
                 language: str, minutes: int | None = None) -> AttemptPlan:
    """Assemble an exam for the user: reads only, so it runs outside any write transaction.

    `language` only chooses the text shown; assembly and scoring ignore it.
    `minutes` is the time allowed when an accommodation gives more than the
    track's duration.
    """
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    pool = track_candidates(session, track)
    exam = assemble(
        seed=seed, min_questions=track.min_questions, max_questions=track.max_questions,
        weights={d["slug"]: d["weight"] for d in track.domains}, candidates=pool.candidates,
        times_seen=times_seen(session, user_id, track.id),
    )
    return AttemptPlan(user_id, track.id, track.pass_percent, seed, minutes or track.duration_minutes,
                       language, exam.length,
                       tuple((pool.versions[q.ref][0], q.choice_order, pool.versions[q.ref][1])
                             for q in exam.questions))


def store_attempt(session: Session, plan: AttemptPlan, now: datetime) -> int:
    """Store a planned exam as an attempt in progress: three INSERTs, nothing else; its id.

    The clock starts here (`now`), so planning time never counts against the learner.
    """
    # Core INSERTs, not ORM objects: a start holds SQLite's write lock while
    # it runs, and the ORM's unit of work for the attempt and its event, and
    # fifty bulk rows, cost more than the statements themselves.
    attempt_id = session.execute(_INSERT_ATTEMPT, {
        "user_id": plan.user_id, "track_id": plan.track_id, "seed": plan.seed, "status": IN_PROGRESS,
        "started_at": now, "deadline": clock.deadline_for(now, plan.minutes), "length": plan.length,
        "pass_percent": plan.pass_percent, "language": plan.language, "minutes_allowed": plan.minutes,
    }).scalar_one()
    session.execute(insert(_events), {"attempt_id": attempt_id, "at": now, "kind": "started",
                                      "detail": {"minutes": plan.minutes}})
    session.execute(_INSERT_ITEMS, [
        {"attempt_id": attempt_id, "position": position, "question_version_id": version_id,
         "choice_order": list(order), "choose": choose}
        for position, (version_id, order, choose) in enumerate(plan.questions, start=1)
    ])
    return attempt_id


# Called only while modules are imported (the statements are built once), so no
# mutant of it can run under mutmut; tests/measure/test_evidence.py runs it itself.
def upsert_tallies(dialect_insert):
    """INSERT one response into a version's item tally, or add it to the tally there."""
    tallies = ItemTally.__table__
    statement = dialect_insert(tallies).values(
        question_version_id=bindparam("version_id"), responses=1, correct=bindparam("right"))
    return statement.on_conflict_do_update(
        index_elements=[tallies.c.question_version_id],
        set_={"responses": tallies.c.responses + 1, "correct": tallies.c.correct + statement.excluded.correct})


_TALLY = {"sqlite": upsert_tallies(sqlite.insert), "postgresql": upsert_tallies(postgresql.insert)}


def finish_attempt(session: Session, attempt: Attempt, now: datetime, by: str) -> bool:
    """Close and score an attempt once, however many requests race to do it.

    The conditional UPDATE is the guard: only the request that moves the
    attempt out of `in_progress` scores it; the others see 0 rows. On
    PostgreSQL the UPDATE also waits for saves holding the attempt row, so
    every save acknowledged before submission is scored. `by` says who ended
    it (learner, page, close-overdue, late-save), for the timeline.
    """
    finished_at, timed_out = clock.finish_time(attempt.deadline, now)
    status = AttemptStatus.TIMED_OUT if timed_out else AttemptStatus.SUBMITTED
    claimed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == IN_PROGRESS)
        .values(status=status.value, finished_at=finished_at, finished_by=by)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(attempt)
        return False
    # Each question's review card comes with it: the schedule adds one
    # statement (the upsert below), not a read per question.
    rows = session.execute(
        select(AttemptQuestion.id, AttemptQuestion.selected, QuestionVersion.answer,
               QuestionVersion.question_id, AttemptQuestion.flagged, AttemptQuestion.changes,
               AttemptQuestion.question_version_id, *CARD_COLUMNS)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .outerjoin(ReviewCard, (ReviewCard.user_id == attempt.user_id)
                   & (ReviewCard.question_id == QuestionVersion.question_id))
        .where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    marks = [{"id": row.id, "is_correct": scoring.is_correct(row.selected, row.answer)} for row in rows]
    # Only the totals are stored; the result page scores each domain itself.
    result = scoring.Score(correct=sum(mark["is_correct"] for mark in marks), length=len(marks),
                           pass_percent=attempt.pass_percent)
    session.execute(update(AttemptQuestion), marks)
    # Every answer given updates the learner's review schedule, as of when the
    # attempt ended (its deadline, for one closed late); a question left blank
    # was not answered and keeps its schedule.
    record_answers(session, [
        Answer(attempt.user_id, row.question_id, attempt.track_id,
               scoring.is_correct(row.selected, row.answer), row.flagged, answer_changed(row.changes),
               stored_state(*row[-len(CARD_COLUMNS):]))
        for row in rows if row.selected], finished_at)
    session.execute(
        update(Attempt).where(Attempt.id == attempt.id)
        .values(correct_count=result.correct, passed=result.passed)
        .execution_options(synchronize_session=False)
    )
    # Each question answered counts in its version's tally (the forecast's item
    # difficulty); one left blank says nothing of how hard it is (an exam left
    # after one question would make 46 look harder). Only a learner's first
    # answer to a question counts, one with no review card yet: after that they
    # have seen its answer, and an account sitting mock after mock (four accounts,
    # 385 mocks answered all wrong) made every item look impossible to everyone.
    # Taken in version order: two attempts finishing together on PostgreSQL lock
    # the rows they share in the same order, so neither waits for the other in a cycle.
    tallies = sorted(({"version_id": row.question_version_id, "right": 1 if mark["is_correct"] else 0}
                      for row, mark in zip(rows, marks)
                      if row.selected and stored_state(*row[-len(CARD_COLUMNS):]) is None),
                     key=lambda tally: tally["version_id"])
    if tallies:
        session.execute(_TALLY[session.get_bind().dialect.name], tallies)
    # The attempt row holds when it finished; the event says who ended it.
    session.add(AttemptEvent(attempt_id=attempt.id, at=now, kind=status.value, detail={"by": by}))
    session.flush()
    session.refresh(attempt)
    return True


# What the page may report for the timeline, and how many events one attempt may hold.
PAGE_EVENTS = ("resync", "offline", "online")
MAX_EVENTS = 500
# How far back a page may date an event it could not send at once: a day.
MAX_EVENT_AGE_SECONDS = 86_400


def event_time(attempt: Attempt, now: datetime, seconds_ago: int) -> datetime:
    """When a page-reported event happened: `seconds_ago` before `now`, never before the start."""
    return max(attempt.started_at, now - timedelta(seconds=seconds_ago))


def record_page_event(session: Session, attempt_id: int, kind: str, now: datetime) -> bool:
    """Append a page-reported event; False once the attempt holds MAX_EVENTS (a runaway page)."""
    held = session.scalar(select(func.count()).select_from(AttemptEvent)
                          .where(AttemptEvent.attempt_id == attempt_id)) or 0
    if held >= MAX_EVENTS:
        return False
    session.add(AttemptEvent(attempt_id=attempt_id, at=now, kind=kind, detail={}))
    session.flush()
    return True


def overdue(attempt: Attempt, now: datetime, grace_seconds: int) -> bool:
    """In progress, with its deadline and grace passed: no save can reach it any more."""
    return attempt.in_progress and clock.is_overdue(attempt.deadline, now, grace_seconds)


def close_if_overdue(session: Session, attempt: Attempt, now: datetime, grace_seconds: int) -> bool:
    """Finish an abandoned attempt once no more saves can arrive."""
    if overdue(attempt, now, grace_seconds):
        return finish_attempt(session, attempt, now, by="close-overdue")
    return False


def close_overdue_attempts(session: Session, now: datetime, grace_seconds: int) -> int:
    """Finish every abandoned attempt (the cron command); returns how many."""
    closed = 0
    for attempt in session.scalars(select(Attempt).where(Attempt.status == IN_PROGRESS)):
        closed += close_if_overdue(session, attempt, now, grace_seconds)
    return closed


@dataclass
class SaveResult:
    """What happened to one save."""

    status: str  # "saved", "stale", "not_found", "closed", "invalid"
    # English, marked for translation; the route shows it in the learner's language.
    message: str = ""
    values: dict = field(default_factory=dict)
    seq: int = 0
    deadline: datetime | None = None


# The autosave statements are built once: saves are the hottest path, and
# building a select() per call cost about a fifth of a save's time. They use
# the tables' columns, so they skip the ORM's compile step as well.
_items = AttemptQuestion.__table__
_attempts = Attempt.__table__
_sessions = UserSession.__table__
_events = AttemptEvent.__table__
_INSERT_ATTEMPT = insert(_attempts).returning(_attempts.c.id)
# A new question is unanswered: its answer, strike-outs and timeline are the
# same empty list for every row, written as SQL rather than serialized to JSON
# fifty times per start (three quarters of the rows' encoding).
_EMPTY_LIST = literal_column("'[]'", JSON)
_INSERT_ITEMS = insert(_items).values(selected=_EMPTY_LIST, struck=_EMPTY_LIST, changes=_EMPTY_LIST,
                                      flagged=False, save_seq=0, seconds_spent=0)
_READ_ITEM = (
    select(_items.c.id, _items.c.choice_order, _items.c.choose, _items.c.selected, _items.c.flagged,
           _items.c.save_seq, _items.c.changes, _attempts.c.status, _attempts.c.deadline, _attempts.c.started_at)
    .join(_attempts, _attempts.c.id == _items.c.attempt_id)
    .where(_attempts.c.id == bindparam("attempt_id"), _items.c.position == bindparam("position"))
)
# Owner known (a page whose user was loaded), or proven by a live log-in
# session inside the same query: the autosave checks the cookie's session
# without a statement of its own.
_READ_FOR_SAVE = {
    "user": _READ_ITEM.where(_attempts.c.user_id == bindparam("user_id")),
    "login": _READ_ITEM.join(_sessions, _sessions.c.user_id == _attempts.c.user_id).where(
        _sessions.c.token_hash == bindparam("token_hash"),
        _sessions.c.created_at > bindparam("born_after"), _sessions.c.last_seen_at > bindparam("seen_after")),
}
# On PostgreSQL the save holds the attempt row: a submission waits for the
# save to commit, so it scores the answer we are about to acknowledge.
# (SQLite has no row locks; SQLAlchemy leaves the clause out there, and its
# writers queue on a lock of their own.)
_READ_FOR_SAVE_LOCKED = {how: statement.with_for_update(read=True, of=_attempts)
                         for how, statement in _READ_FOR_SAVE.items()}


@dataclass(frozen=True)
class LoginProof:
    """A save's claim to its owner: the cookie's session token hash, and the times
    after which that session must have been created and last seen to be live."""

    token_hash: str
    born_after: datetime
    seen_after: datetime
_WRITE_SAVE = (
    update(_items)
    .where(_items.c.id == bindparam("item_id"), _items.c.save_seq < bindparam("newer_than"))
    .values(selected=bindparam("new_selected"), flagged=bindparam("new_flagged"),
            struck=bindparam("new_struck"), changes=bindparam("new_changes"),
            # No figure sent (a form post without JavaScript): keep the stored one.
            seconds_spent=func.coalesce(bindparam("new_seconds_spent", type_=Integer), _items.c.seconds_spent),
            # An autosave stores its own seq (the WHERE made sure it is newer).
            # A form post (no seq) moves the counter one past what is stored
            # when it writes, not when it read: were an autosave committed in
            # between left above it, a retry of an older one would win.
            save_seq=func.coalesce(bindparam("seq", type_=BigInteger), _items.c.save_seq + 1))
    .returning(_items.c.save_seq)
)
# A plain form post (seq None) from a page that says nothing of what it saw always applies.
_ALWAYS = 2**62


# What a form post from an overtaken page is told (its answer was not stored).
OVERTAKEN = N_("Question %(n)s was answered in another window after this page opened: "
               "the newer answer is kept.")


def newer_than(seq: int | None, seen_seq: int | None) -> int:
    """The stored seq must be below this for a save to apply: an autosave's own
    seq; a form post's page's newest seen, plus one (what it saw it may replace)."""
    if seq is not None:
        return seq
    return _ALWAYS if seen_seq is None else seen_seq + 1


def save_answer(
    session: Session, *, attempt_id: int, position: int, seq: int | None,
    selected: list[str], flagged: bool, struck: list[str], seconds_spent: int | None,
    now: datetime, grace_seconds: int, user_id: int | None = None, login: LoginProof | None = None,
    seen_seq: int | None = None,
) -> SaveResult:
    """Store one question's answer, flag and strike-outs.

    The owner is `user_id`, or whoever holds the live session in `login`.
    `selected` and `struck` are shown letters. A save whose `seq` is not newer
    than the stored one is acknowledged but not applied, so a retried or
    reordered request never overwrites a newer answer. `seq=None` (a plain
    form post) applies unless a save newer than `seen_seq`, the newest its page
    had seen, is stored: a page another window overtook does not undo its
    answer. The time figure is capped at the time the attempt has run: the
    page's clock is the learner's, not ours.
    """
    params = {"attempt_id": attempt_id, "position": position}
    if login is not None:
        how = "login"
        params.update(token_hash=login.token_hash, born_after=login.born_after,
                      seen_after=login.seen_after)
    elif user_id is not None:
        how = "user"
        params["user_id"] = user_id
    else:
        raise ValueError("save_answer needs a user_id or a login")
    # The two statements run on the session's connection: Session.execute's own
    # bookkeeping was a sixth of the statements' cost.
    connection = session.connection()
    row = connection.execute(_READ_FOR_SAVE_LOCKED[how], params).one_or_none()
    if row is None:
        return SaveResult("not_found", N_("No such question in your attempts."))
    item_id, choice_order, choose, stored, stored_flag, stored_seq, changes, status, deadline, started_at = row
    if status != IN_PROGRESS:
        return SaveResult("closed", N_("This exam has ended; answers can no longer change."))
    if not clock.accepts_saves(deadline, now, grace_seconds):
        attempt = session.get(Attempt, attempt_id)
        finish_attempt(session, attempt, now, by="late-save")
        return SaveResult("closed", N_("Time is up: this answer arrived after the deadline."))
    keys = keys_for(choice_order, selected)
    struck_keys = keys_for(choice_order, struck)
    if keys is None or struck_keys is None:
        return SaveResult("invalid", N_("That option is not part of this question."))
    if len(set(keys)) > choose:
        return SaveResult("invalid", N_("Choose no more than %(n)s options."), values={"n": choose})
    keys = sorted(set(keys), key=choice_order.index)
    if keys != stored or flagged != stored_flag:
        # The question's own timeline, written by the UPDATE below at no extra
        # statement: [seconds since start, keys, flagged, 1 when in the grace].
        elapsed = max(0, int((now - started_at).total_seconds()))
        changes = [*changes, [elapsed, keys, int(flagged), int(now > deadline)]]
    if seconds_spent is not None:
        seconds_spent = min(seconds_spent, clock.seconds_run(started_at, deadline, now))
    new_seq = connection.execute(_WRITE_SAVE, {
        "item_id": item_id, "newer_than": newer_than(seq, seen_seq), "seq": seq,
        "new_selected": keys, "new_flagged": flagged,
        "new_struck": sorted(set(struck_keys), key=choice_order.index), "new_changes": changes,
        "new_seconds_spent": seconds_spent,
    }).scalar()
    if new_seq is None:
        return SaveResult("stale", N_("A newer answer is already saved."), seq=stored_seq, deadline=deadline)
    return SaveResult("saved", seq=new_seq, deadline=deadline)
