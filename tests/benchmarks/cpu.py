"""CPU per request, in one process: what a start, a question page and a save cost the server.

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
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from quizapp import create_app
from quizapp.banks import load_banks
from quizapp.banks.sync import sync_banks
from quizapp.extensions import db
from quizapp.models import User, now_utc

from ..servers import csrf_token_in
from .learners import PASSWORD, TRACK

LEARNERS = int(os.environ.get("BENCH_CPU_LEARNERS", "200"))
ROUNDS = 5


def cpu_ms(action) -> float:
    """Process CPU milliseconds that `action()` took."""
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1000


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
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    best = {name: min(values) for name, values in figures.items()}
    print(f"cpu per request, {LEARNERS} learners, best of {ROUNDS} rounds (Python {sys.version.split()[0]}):")
    for name, ms in best.items():
        print(f"cpu {name} ms {ms:.2f}" + ("" if name == "hello" else f"  (ratio {name}/hello {ms / best['hello']:.1f})"))


if __name__ == "__main__":
    main()
