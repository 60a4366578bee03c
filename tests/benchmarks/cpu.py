"""CPU per request, in one process: what a start, a question page and a save cost the server.

The track page is measured too: for a learner with no answers yet, and for one
with five exams before and after other learners finish 5,000 more: what it
costs must not grow with the site's history.

`make bench` measures the deployment end to end and takes about 25 minutes on
both cores. This takes a minute on one: the app on a SQLite file with the
shipped banks, driven through Flask's test client (no HTTP server, no load
tool), timing each request's process CPU. Ratios to a plain Flask hello in the
same run carry from machine to machine; the milliseconds do not. Run it with
`.venv/bin/python -m tests.benchmarks.cpu` before and after a change to the
exam's hot paths.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select, update
from werkzeug.security import generate_password_hash

from quizapp import create_app
from quizapp.banks import load_banks
from quizapp.banks.sync import sync_banks
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, Question, QuestionVersion, Track, User, now_utc

from ..servers import csrf_token_in
from .learners import PASSWORD, TRACK

LEARNERS = int(os.environ.get("BENCH_CPU_LEARNERS", "200"))
ROUNDS = 5


def cpu_ms(action) -> float:
    """Process CPU milliseconds that `action()` took."""
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1000


FINISHED_BY_OTHERS = 5000


def finished_by_others(app, count: int) -> None:
    """`count` finished 50-question exams of learners other than the measured ones, written directly."""
    with app.app_context():
        track = db.session.scalar(select(Track).where(Track.slug == TRACK.rsplit("/", 1)[1]))
        versions = db.session.scalars(select(QuestionVersion.id).join(Question).where(
            Question.track_id == track.id)).all()
        db.session.execute(insert(User), [{"email": f"other{i}@example.com", "password_hash": "x",
                                            "created_at": now_utc()} for i in range(100)])
        others = db.session.scalars(select(User.id).where(User.email.like("other%"))).all()
        now, draw = now_utc(), random.Random(1)
        for first in range(0, count, 500):
            ids = db.session.scalars(insert(Attempt).returning(Attempt.id), [dict(
                user_id=others[n % len(others)], track_id=track.id, seed=n, status="submitted", started_at=now,
                deadline=now, finished_at=now, length=50, pass_percent=track.pass_percent, language="en",
                minutes_allowed=90, correct_count=30, passed=False) for n in range(first, min(count, first + 500))]).all()
            db.session.execute(insert(AttemptQuestion), [dict(
                attempt_id=a, position=p, question_version_id=draw.choice(versions), choice_order=["a", "b", "c", "d"],
                choose=1, selected=["a"], is_correct=draw.random() < 0.6) for a in ids for p in range(1, 51)])
        db.session.commit()


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-cpu-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/cpu.sqlite3",
                      "CHECK_BANKS_ON_START": False})
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        sync_banks(db.session, load_banks(app.config["BANKS_DIR"]).tracks, now_utc())
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.execute(insert(User), [{"email": f"cpu{i}@example.com", "password_hash": hashed,
                                            "created_at": now_utc()} for i in range(LEARNERS)])
        db.session.commit()
    learners = []
    for i in range(LEARNERS):
        client = app.test_client()
        token = csrf_token_in(client.get("/auth/login").get_data(as_text=True))
        client.post("/auth/login", data={"csrf_token": token, "email": f"cpu{i}@example.com",
                                         "password": PASSWORD})
        learners.append((client, csrf_token_in(client.get(TRACK).get_data(as_text=True))))

    hello = Flask("hello")
    hello.get("/hello")(lambda: "hello")
    plain = hello.test_client()

    # Each figure is the median over the learners of one round; the best of
    # ROUNDS rounds is printed, so another process's burst does not count.
    figures: dict[str, list[float]] = {"hello": [], "start": [], "question page": [], "save": []}

    def track_page_rounds(client) -> list[float]:
        return [statistics.median(cpu_ms(lambda: client.get(TRACK)) for _ in range(30)) for _ in range(ROUNDS)]

    # Before any exam: what every learner of a class arriving at once opens (no forecast yet).
    figures["track page, new learner"] = track_page_rounds(learners[0][0])
    for round_ in range(ROUNDS):
        figures["hello"].append(statistics.median(cpu_ms(lambda: plain.get("/hello")) for _ in learners))
        starts, pages, saves = [], [], []
        for client, token in learners:
            where = []
            starts.append(cpu_ms(lambda: where.append(
                client.post(f"{TRACK}/start", data={"csrf_token": token}).headers["Location"])))
            page = where[0]
            pages.append(cpu_ms(lambda: client.get(page)))
            save_url = page.replace("/questions/1", f"/questions/{1 + round_}/save")
            saves.append(cpu_ms(lambda: client.post(
                save_url, data=json.dumps({"seq": 1, "selected": ["A"]}),
                headers={"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"})))
            client.post(page.replace("/questions/1", "/submit"), data={"csrf_token": token})
        figures["start"].append(statistics.median(starts))
        figures["question page"].append(statistics.median(pages))
        figures["save"].append(statistics.median(saves))
    # The track page (the pass forecast, practice and mastery) must not cost
    # more as the whole site's finished exams pile up: measured before and
    # after other learners finish FINISHED_BY_OTHERS more.
    client, _ = learners[0]
    # The measured learner's five exams, every question answered (the rounds
    # save one apiece): a question left blank is no answer to the forecast,
    # and the track page must be measured with the forecast it shows.
    with app.app_context():
        mine = select(Attempt.id).join(User, User.id == Attempt.user_id).where(User.email == "cpu0@example.com")
        db.session.execute(update(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(mine))
                           .values(selected=["a"]))
        db.session.commit()
    figures["track page"] = track_page_rounds(client)
    finished_by_others(app, FINISHED_BY_OTHERS)
    figures[f"track page, {FINISHED_BY_OTHERS:,} more finished exams"] = track_page_rounds(client)
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    best = {name: min(values) for name, values in figures.items()}
    print(f"cpu per request, {LEARNERS} learners, best of {ROUNDS} rounds (Python {sys.version.split()[0]}):")
    for name, ms in best.items():
        print(f"cpu {name} ms {ms:.2f}" + ("" if name == "hello" else f"  (ratio {name}/hello {ms / best['hello']:.1f})"))


if __name__ == "__main__":
    main()
