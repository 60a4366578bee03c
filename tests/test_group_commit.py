"""Autosaves that arrive together are committed together, and each is acknowledged
only once its batch is on disk; a failure stays with the saves it concerns.

Each test holds the first save's commit open until the others have queued
behind it, so the batches are the same on every run.
"""

from __future__ import annotations

import os
import re
import threading
import time

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from quizapp.extensions import db
from quizapp.models import AttemptQuestion

from .conftest import Auth, csrf_from, drop_app, fresh_app, start_exam


@pytest.fixture
def exam(tmp_path, banks_dir):
    """A learner in an exam, on a database that several request threads can share."""
    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/batches.sqlite3"
    app = fresh_app(url, banks_dir, sync=True)
    client = app.test_client()
    Auth(client).register()
    attempt_id = start_exam(client)
    csrf = csrf_from(client.get(f"/attempts/{attempt_id}/questions/1").get_data(as_text=True))
    yield app, client, attempt_id, csrf
    drop_app(app)


class HeldCommit:
    """Hold the first COMMIT until `waiting` more saves have queued; count every COMMIT."""

    def __init__(self, app, waiting: int):
        self.app, self.waiting, self.commits = app, waiting, 0
        self.queued = threading.Event()
        with app.app_context():
            self.engine = db.engine

    def __call__(self, _connection) -> None:
        self.commits += 1
        if self.commits == 1:
            assert self.queued.wait(20), "the other saves never queued"

    def __enter__(self):
        event.listen(self.engine, "commit", self)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "commit", self)


def pending(app) -> int:
    return len(app.extensions["quizapp.save_batches"]._pending)


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def send(app, client, attempt_id: int, csrf: str, position: int, body: dict, out: dict, key,
         url: str | None = None) -> threading.Thread:
    """Send one autosave (or the JSON post at `url`) from a thread of its own with the
    learner's cookies, as a browser tab would."""
    tab = app.test_client()
    for cookie in client._cookies.values():
        tab.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)

    def run():
        response = tab.post(url or f"/attempts/{attempt_id}/questions/{position}/save", json=body,
                            headers={"X-CSRFToken": csrf, "Accept": "application/json"})
        out[key] = (response.status_code, response.get_json(), response.headers.get("Retry-After"))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def stored(app, attempt_id: int) -> dict[int, tuple[list[str], int]]:
    """Position -> (shown letters of the stored answer, save counter)."""
    with app.app_context():
        rows = db.session.execute(select(AttemptQuestion.position, AttemptQuestion.choice_order,
                                         AttemptQuestion.selected, AttemptQuestion.save_seq)
                                  .where(AttemptQuestion.attempt_id == attempt_id)).all()
        db.session.remove()
    return {p: (["ABCDE"[order.index(key)] for key in selected], seq) for p, order, selected, seq in rows}


def test_saves_that_arrive_together_share_one_commit_and_are_all_kept(exam):
    app, client, attempt_id, csrf = exam
    out: dict = {}
    with HeldCommit(app, waiting=4) as held:
        threads = [send(app, client, attempt_id, csrf, 1, {"seq": 1, "selected": ["A"]}, out, 1)]
        wait_for(lambda: held.commits == 1)
        threads += [send(app, client, attempt_id, csrf, p, {"seq": 1, "selected": ["ABCD"[p % 4]]}, out, p)
                    for p in range(2, 6)]
        wait_for(lambda: pending(app) == 4)
        held.queued.set()
        for thread in threads:
            thread.join(30)
    # The first save alone, then the four that queued behind it in one transaction.
    assert held.commits == 2
    assert {p: status for p, (status, _, _) in out.items()} == {p: 200 for p in range(1, 6)}
    assert all(body["saved"] for _, body, _ in out.values())
    answers = stored(app, attempt_id)
    assert answers[1] == (["A"], 1)
    assert {p: answers[p] for p in range(2, 6)} == {p: (["ABCD"[p % 4]], 1) for p in range(2, 6)}


def test_practice_checks_and_saves_commit_with_the_exam_saves_around_them(exam, banks_dir):
    """A practice Check and a practice autosave queued behind an exam save go out in one
    commit; the check still scores, locks and answers with the key only once stored."""
    from quizapp.exams.attempts import labels_for
    from quizapp.models import PracticeItem, QuestionVersion

    from .conftest import load_into, write_bank

    app, client, attempt_id, csrf = exam
    # Practice on another track: on the exam's own it waits for the exam to end.
    load_into(app, write_bank(banks_dir, slug="second-architect"))
    response = client.post("/tracks/second-architect/practice", data={
        "count": "custom", "custom_count": "3", "source": "any", "csrf_token": csrf})
    assert response.status_code == 302, response.get_data(as_text=True)
    session_id = int(re.search(r"/practice/(\d+)/", response.headers["Location"]).group(1))
    with app.app_context():
        rows = db.session.execute(
            select(PracticeItem.position, PracticeItem.choice_order, QuestionVersion.answer)
            .join(QuestionVersion, QuestionVersion.id == PracticeItem.question_version_id)
            .where(PracticeItem.session_id == session_id).order_by(PracticeItem.position)).all()
        db.session.remove()
    (_, order, answer) = rows[0]
    key = sorted(labels_for(order)[k] for k in answer)
    out: dict = {}
    with HeldCommit(app, waiting=2) as held:
        threads = [send(app, client, attempt_id, csrf, 1, {"seq": 1, "selected": ["A"]}, out, "exam")]
        wait_for(lambda: held.commits == 1)
        threads.append(send(app, client, attempt_id, csrf, 1, {"selected": key}, out, "check",
                            url=f"/practice/{session_id}/questions/1/check"))
        threads.append(send(app, client, attempt_id, csrf, 2, {"seq": 1, "selected": ["B"]}, out, "practice save",
                            url=f"/practice/{session_id}/questions/2/save"))
        wait_for(lambda: pending(app) == 2)
        held.queued.set()
        for thread in threads:
            thread.join(30)
    assert held.commits == 2
    assert out["exam"][0] == 200 and out["practice save"][0] == 200 and out["practice save"][1]["saved"]
    status, body, _ = out["check"]
    assert status == 200 and body["correct"] is True and body["key"]
    with app.app_context():
        checked, saved = db.session.execute(
            select(PracticeItem.checked_at, PracticeItem.selected).where(
                PracticeItem.session_id == session_id, PracticeItem.position.in_([1, 2]))
            .order_by(PracticeItem.position)).all()
        db.session.remove()
    assert checked[0] is not None and saved[1] == [rows[1].choice_order[1]]


def test_two_starts_of_one_exam_in_one_batch_give_one_attempt(exam):
    """A double click on Start: both starts queue in one batch. The second INSERT breaks
    the one-exam-in-progress rule, so the batch runs again one by one: one attempt is
    stored, and both clicks land on it."""
    from quizapp.models import Attempt

    from .test_practice import start_practice

    app, client, attempt_id, csrf = exam
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    session_id = start_practice(client, count="custom", custom_count="2")
    page = client.get("/tracks/test-architect").get_data(as_text=True)
    start_token = csrf_from(page)
    out: dict = {}

    def start(key):
        tab = app.test_client()
        for cookie in client._cookies.values():
            tab.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        response = tab.post("/tracks/test-architect/start", data={"csrf_token": start_token})
        out[key] = (response.status_code, response.headers.get("Location"))

    with HeldCommit(app, waiting=2) as held:
        threads = [send(app, client, attempt_id, csrf, 1, {"seq": 1, "selected": ["A"]}, out, "leader",
                        url=f"/practice/{session_id}/questions/1/save")]
        wait_for(lambda: held.commits == 1)
        for key in ("click", "double click"):
            threads.append(threading.Thread(target=start, args=(key,)))
            threads[-1].start()
        wait_for(lambda: pending(app) == 2)
        held.queued.set()
        for thread in threads:
            thread.join(30)
    assert out["leader"][0] == 200
    with app.app_context():
        started = db.session.scalars(select(Attempt.id).where(Attempt.status == "in_progress")).all()
        db.session.remove()
    assert len(started) == 1
    assert out["click"] == out["double click"] == (302, f"/attempts/{started[0]}/questions/1")


def test_inside_a_batch_an_older_save_never_overwrites_a_newer_one(exam):
    """Seq 5 and then a late retry of seq 3 for the same question, committed together."""
    app, client, attempt_id, csrf = exam
    out: dict = {}
    with HeldCommit(app, waiting=3) as held:
        threads = [send(app, client, attempt_id, csrf, 1, {"seq": 1, "selected": ["A"]}, out, "first")]
        wait_for(lambda: held.commits == 1)
        threads.append(send(app, client, attempt_id, csrf, 2, {"seq": 5, "selected": ["C"]}, out, "newer"))
        wait_for(lambda: pending(app) == 1)
        threads.append(send(app, client, attempt_id, csrf, 2, {"seq": 3, "selected": ["B"]}, out, "older"))
        wait_for(lambda: pending(app) == 2)
        # And the other way round on question 3: the older arrives first.
        threads.append(send(app, client, attempt_id, csrf, 3, {"seq": 2, "selected": ["B"]}, out, "older first"))
        wait_for(lambda: pending(app) == 3)
        threads.append(send(app, client, attempt_id, csrf, 3, {"seq": 4, "selected": ["D"]}, out, "newer last"))
        wait_for(lambda: pending(app) == 4)
        held.queued.set()
        for thread in threads:
            thread.join(30)
    assert held.commits == 2
    answers = stored(app, attempt_id)
    assert answers[2] == (["C"], 5)
    assert out["newer"][1]["saved"] is True and out["older"][1]["saved"] is False
    assert out["older"][1]["seq"] == 5
    assert answers[3] == (["D"], 4)
    assert out["older first"][1]["saved"] is True and out["newer last"][1]["saved"] is True


def test_a_failing_save_fails_alone_and_its_retry_is_kept(exam):
    """One save of a batch hits a database error: the others are stored and acknowledged;
    it is answered 503 with Retry-After, nothing of it is stored, and the page's retry works."""
    app, client, attempt_id, csrf = exam
    with app.app_context():
        broken_item = db.session.scalar(select(AttemptQuestion.id).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 3))
        db.session.remove()
        engine = db.engine

    def disk_error(_conn, _cursor, statement, parameters, context, _executemany):
        if statement.lstrip().upper().startswith("UPDATE") and \
                context.compiled_parameters[0].get("item_id") == broken_item:
            raise OperationalError(statement, parameters, OSError("disk I/O error"))

    out: dict = {}
    event.listen(engine, "before_cursor_execute", disk_error)
    try:
        with HeldCommit(app, waiting=3) as held:
            threads = [send(app, client, attempt_id, csrf, 1, {"seq": 1, "selected": ["A"]}, out, 1)]
            wait_for(lambda: held.commits == 1)
            threads += [send(app, client, attempt_id, csrf, p, {"seq": 1, "selected": ["D"]}, out, p)
                        for p in (2, 3, 4)]
            wait_for(lambda: pending(app) == 3)
            held.queued.set()
            for thread in threads:
                thread.join(30)
    finally:
        event.remove(engine, "before_cursor_execute", disk_error)
    assert {p: status for p, (status, _, _) in out.items()} == {1: 200, 2: 200, 3: 503, 4: 200}
    status, body, retry_after = out[3]
    assert retry_after == "1" and "sent again" in body["error"]
    answers = stored(app, attempt_id)
    assert answers[2] == (["D"], 1) and answers[4] == (["D"], 1)
    assert answers[3] == ([], 0)
    # The page sends it again, and this time it is kept.
    retry = client.post(f"/attempts/{attempt_id}/questions/3/save", json={"seq": 1, "selected": ["D"]},
                        headers={"X-CSRFToken": csrf})
    assert retry.status_code == 200 and retry.get_json()["saved"] is True
    assert stored(app, attempt_id)[3] == (["D"], 1)


def test_a_database_that_is_down_fails_every_save_with_a_retry(exam):
    app, client, attempt_id, csrf = exam
    with app.app_context():
        engine = db.engine

    def down(_conn, _cursor, statement, parameters, _context, _executemany):
        raise OperationalError(statement, parameters, OSError("connection refused"))

    event.listen(engine, "before_cursor_execute", down)
    try:
        response = client.post(f"/attempts/{attempt_id}/questions/1/save", json={"seq": 1, "selected": ["B"]},
                               headers={"X-CSRFToken": csrf})
    finally:
        event.remove(engine, "before_cursor_execute", down)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert stored(app, attempt_id)[1] == ([], 0)


def test_saves_through_two_threaded_servers_keep_every_acknowledged_answer(tmp_path, banks_dir):
    """Real gunicorn gthread servers, as deployed: eight lanes save at once through two
    servers, each retrying an older save after a newer one. What each question stores is
    the newest answer acknowledged for it, and no stale retry was acknowledged as saved."""
    import json
    import re
    import urllib.error

    from .conftest import PASSWORD
    from .servers import HttpClient, csrf_token_in, gunicorn

    url = os.environ.get("QUIZAPP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path}/served.sqlite3"
    app = fresh_app(url, banks_dir, sync=True, secret="shared")
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "shared", "QUIZAPP_BANKS_DIR": str(banks_dir)}
    try:
        with gunicorn(env, workers=1, threads=8) as one, gunicorn(env, workers=1, threads=8) as two:
            bases = [f"http://127.0.0.1:{one.port}", f"http://127.0.0.1:{two.port}"]
            client = HttpClient(bases[0])
            _, _, html = client.get("/auth/register")
            client.post_form("/auth/register", {"email": "lanes@example.com", "password": PASSWORD,
                                                "confirm": PASSWORD, "csrf_token": csrf_token_in(html)})
            _, _, html = client.get("/auth/login")
            client.post_form("/auth/login", {"email": "lanes@example.com", "password": PASSWORD,
                                             "csrf_token": csrf_token_in(html)})
            _, _, html = client.get("/tracks/test-architect")
            _, where, html = client.post_form("/tracks/test-architect/start", {"csrf_token": csrf_token_in(html)})
            attempt_id = int(re.search(r"/attempts/(\d+)/questions/1", where).group(1))
            token = csrf_token_in(html)
            newest: dict[int, tuple[int, str]] = {}
            wrong: list[str] = []
            lock = threading.Lock()

            def lane(number: int) -> None:
                tab = HttpClient()
                tab.jar = client.jar
                tab.opener = client.opener
                position = 1 + number % 5
                for seq in range(2 + number * 1000, 22 + number * 1000):
                    letter = "ABCD"[seq % 4]
                    status, _, body = tab.post_json(
                        f"{bases[seq % 2]}/attempts/{attempt_id}/questions/{position}/save",
                        {"seq": seq, "selected": [letter]}, token)
                    if status == 200 and json.loads(body)["saved"]:
                        with lock:
                            if newest.get(position, (0, ""))[0] < seq:
                                newest[position] = (seq, letter)
                    # The retry of an older save, sent after the newer one was acknowledged.
                    try:
                        _, _, body = tab.post_json(
                            f"{bases[(seq + 1) % 2]}/attempts/{attempt_id}/questions/{position}/save",
                            {"seq": seq - 1, "selected": ["D"]}, token)
                        if json.loads(body)["saved"]:
                            wrong.append(f"stale seq {seq - 1} acknowledged as saved")
                    except urllib.error.HTTPError as error:
                        wrong.append(f"stale retry answered {error.code}")

            threads = [threading.Thread(target=lane, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        assert not wrong
        answers = stored(app, attempt_id)
        assert {p: answers[p] for p in newest} == {p: ([letter], seq) for p, (seq, letter) in newest.items()}
        assert len(newest) == 5
    finally:
        drop_app(app)


def test_a_start_the_database_refuses_is_503_and_stores_nothing(exam):
    """Not a 500: the learner is told to try again, and no half-made attempt is left."""
    from quizapp.models import Attempt

    app, client, attempt_id, csrf = exam
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf})
    start_token = csrf_from(client.get("/tracks/test-architect").get_data(as_text=True))
    with app.app_context():
        engine = db.engine

    def refused(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ATTEMPTS"):
            raise OperationalError(statement, parameters, OSError("disk I/O error"))

    event.listen(engine, "before_cursor_execute", refused)
    try:
        response = client.post("/tracks/test-architect/start", data={"csrf_token": start_token})
    finally:
        event.remove(engine, "before_cursor_execute", refused)
    assert response.status_code == 503
    assert "could not be started just now" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Attempt.id).where(Attempt.status == "in_progress")).all() == []
        db.session.remove()
    # Trying again works.
    again = client.post("/tracks/test-architect/start", data={"csrf_token": start_token})
    assert again.status_code == 302 and "/questions/1" in again.headers["Location"]
