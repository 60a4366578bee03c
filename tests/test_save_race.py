"""Saves racing a submission: every answer acknowledged as saved is the one scored."""

from __future__ import annotations

import os
import re
import threading
import time

import pytest

from sqlalchemy import select

from quizapp.database import write_intent
from quizapp.exam import scoring
from quizapp.exams.attempts import LABELS, finish_attempt, save_answer
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, QuestionVersion, Track, User, now_utc

from .conftest import app_on, drop_app, fresh_app, start_attempt


def test_every_save_acknowledged_before_submission_is_scored(tmp_path, banks_dir):
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/race.sqlite3"
    saver_app = fresh_app(url, banks_dir, sync=True)
    # The submission comes through another server.
    submit_app = app_on(url, banks_dir)
    with saver_app.app_context():
        user = User(email="race@example.com", password_hash="x")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    for _round in range(4):
        with saver_app.app_context():
            track = db.session.scalar(select(Track))
            attempt = start_attempt(db.session, user_id, track, now_utc())
            attempt_id, length = attempt.id, attempt.length
            db.session.commit()
        acked: dict[int, str] = {}

        def saver(lane: int, attempt_id=attempt_id, length=length, acked=acked):
            write_intent.set(True)   # as in a POST request
            seq = 0
            with saver_app.app_context():
                while True:
                    seq += 1
                    position = lane + 1 + 2 * (seq % ((length - lane + 1) // 2))
                    letter = LABELS[seq % 4]
                    result = save_answer(
                        db.session, user_id=user_id, attempt_id=attempt_id, position=position, seq=seq,
                        selected=[letter], flagged=False, struck=[], seconds_spent=None, now=now_utc(),
                        grace_seconds=30)
                    db.session.commit()
                    if result.status == "closed":
                        return
                    if result.status == "saved":
                        acked[position] = letter

        def submitter(attempt_id=attempt_id):
            write_intent.set(True)
            time.sleep(0.3)
            with submit_app.app_context():
                assert finish_attempt(db.session, db.session.get(Attempt, attempt_id), now_utc(), by="learner")
                db.session.commit()

        threads = [threading.Thread(target=saver, args=(lane,)) for lane in (0, 1)]
        threads.append(threading.Thread(target=submitter))
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        with saver_app.app_context():
            rows = db.session.execute(
                select(AttemptQuestion, QuestionVersion.answer)
                .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
                .where(AttemptQuestion.attempt_id == attempt_id)).all()
            assert acked, "no save was acknowledged before the submission"
            for item, answer in rows:
                if item.position in acked:
                    shown = acked[item.position]
                    assert item.selected == [item.choice_order[LABELS.index(shown)]], item.position
                # What was scored is what is stored: no save landed after scoring.
                assert item.is_correct == scoring.is_correct(item.selected, answer), item.position
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.correct_count == sum(item.is_correct for item, _ in rows)
    write_intent.set(False)
    with submit_app.app_context():
        db.engine.dispose()
    drop_app(saver_app)


def test_a_form_post_racing_an_autosave_ends_above_it(synced, learner):
    """An autosave (seq 7, from the learner's other tab) commits between a form post's
    read and its write. The form post's answer is the newer one: it must leave the
    counter above 7, so a late retry of seq 6 (sent before the form post) changes nothing."""
    from sqlalchemy import event

    from .conftest import csrf_from, start_exam

    attempt_id = start_exam(learner)
    csrf = csrf_from(learner.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    with synced.app_context():
        item = db.session.scalar(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 1))
        item_id, order = item.id, item.choice_order
        engine = db.engine
    raced = []

    def autosave_in_between(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE ATTEMPT_QUESTIONS") and not raced:
            raced.append(statement)
            cursor.execute(f"UPDATE attempt_questions SET save_seq = 7 WHERE id = {item_id}")

    event.listen(engine, "before_cursor_execute", autosave_in_between)
    try:
        response = learner.post(f"/attempts/{attempt_id}/questions/1", data={
            "csrf_token": csrf, "choice": ["C"], "go": "stay"})
    finally:
        event.remove(engine, "before_cursor_execute", autosave_in_between)
    assert response.status_code == 302 and raced
    late = learner.post(f"/attempts/{attempt_id}/questions/1/save", json={"seq": 6, "selected": ["A"]},
                        headers={"X-CSRFToken": csrf})
    assert late.status_code == 200 and late.get_json()["saved"] is False
    with synced.app_context():
        item = db.session.get(AttemptQuestion, item_id)
        assert item.selected == [order[2]] and item.save_seq == 8


def overtaken(client, app, page_url, save_url, table, where):
    """Two windows on one question: the second saves D; the first, opened before it,
    posts its A and moves on. Returns the stored (selected, save_seq) after each step."""
    from .conftest import csrf_from

    page = client.get(page_url).get_data(as_text=True)
    csrf = csrf_from(page)
    seen = int(re.search(r'name="seq" id="page-seq" value="(\d+)"', page).group(1))
    with app.app_context():
        order = db.session.scalar(select(table.choice_order).where(*where))

    def stored():
        with app.app_context():
            row = db.session.execute(select(table.selected, table.save_seq).where(*where)).one()
            return [order.index(k) for k in row.selected], row.save_seq

    other = client.post(save_url, json={"seq": seen + 1, "selected": ["D"]}, headers={"X-CSRFToken": csrf})
    assert other.status_code == 200 and other.get_json()["saved"] is True
    # The first window's page still says what it saw: its post does not undo D.
    stale = client.post(page_url, data={"csrf_token": csrf, "choice": ["A"], "go": "next", "seq": str(seen)})
    after_stale = stored()
    told = client.get(stale.headers["Location"]).get_data(as_text=True)
    # Reloaded, it has seen D's save: now its answer is the newer one.
    fresh = client.post(page_url, data={"csrf_token": csrf, "choice": ["A"], "go": "stay", "seq": str(seen + 1)})
    return stale, after_stale, told, fresh, stored()


def exam_question_one(client):
    from .conftest import start_exam

    attempt_id = start_exam(client)
    return f"/attempts/{attempt_id}", AttemptQuestion, (AttemptQuestion.attempt_id == attempt_id,
                                                       AttemptQuestion.position == 1)


def practice_question_one(client):
    from quizapp.models import PracticeItem

    from .test_practice import start_practice

    session_id = start_practice(client, count="custom", custom_count="2")
    return f"/practice/{session_id}", PracticeItem, (PracticeItem.session_id == session_id,
                                                     PracticeItem.position == 1)


@pytest.mark.parametrize("open_question", [exam_question_one, practice_question_one], ids=["exam", "practice"])
def test_a_page_another_window_overtook_does_not_undo_its_answer(synced, learner, open_question):
    base, table, where = open_question(learner)
    stale, after_stale, told, fresh, final = overtaken(
        learner, synced, f"{base}/questions/1", f"{base}/questions/1/save", table, where)
    assert stale.status_code == 302 and stale.headers["Location"].endswith("/questions/2")
    assert after_stale == ([3], 1)
    assert "Question 1 was answered in another window after this page opened" in told
    assert fresh.status_code == 302 and final == ([0], 2)
