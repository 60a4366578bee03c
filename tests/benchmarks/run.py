"""`make bench`: throughput ratios, steady learners, bursts and durability, on SQLite and PostgreSQL.

Everything runs on 127.0.0.1 and every phase is bounded in time. Figures are
measured side by side in one run; they vary by machine, the ratios much less.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text, update
from werkzeug.security import generate_password_hash

from quizapp import create_app
from quizapp.banks import load_banks
from quizapp.banks.sync import sync_banks
from quizapp.extensions import db
from quizapp.models import Attempt, AttemptQuestion, PracticeItem, PracticeSession, Track, User, now_utc
from quizapp.practice.sessions import start_session
from quizapp.study.selection import Scope

from ..servers import HttpClient, csrf_token_in, free_port, gunicorn
from .learners import PASSWORD, Learner, timed

USERS = 17000
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
STEADY_SECONDS = int(os.environ.get("BENCH_STEADY_SECONDS", "30"))
STEADY_SPAWN_RATE = int(os.environ.get("BENCH_STEADY_SPAWN_RATE", "50"))
STEADY_STEPS = [int(n) for n in os.environ.get("BENCH_STEADY_STEPS", "2000,3500,5000").split(",")]
# The deployment the README recommends (gthread workers, so that saves arriving
# together commit together); BENCH_WORKERS and BENCH_THREADS try others.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HERE = Path(__file__).parent


def prepare(url: str) -> None:
    """Schema by migration, shipped banks, and bench users with a cheap hash."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "CHECK_BANKS_ON_START": False})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        sync_banks(db.session, load_banks(app.config["BANKS_DIR"]).tracks, now_utc())
        # Cheap hashes: the benchmark measures exams, not scrypt at log-in.
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.execute(insert(User), [{"email": f"bench{i}@example.com", "password_hash": hashed,
                                            "created_at": now_utc()} for i in range(USERS)])
        db.session.commit()
        # The baseline app's table (see baseline.py); the app already set WAL on SQLite.
        db.session.execute(text("CREATE TABLE bench_saves (k INTEGER PRIMARY KEY, selected TEXT, seq BIGINT)"))
        db.session.commit()
        db.engine.dispose()


def wrk(url: str, script: Path | None = None, connections: int = 16) -> dict:
    """Run wrk; return requests/s and p50/p95/p99 in ms."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{WRK_SECONDS}s", "--latency"]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=WRK_SECONDS + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"P(\d+) ([\d.]+)", out))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": float(pct.get("50", 0)), "p95": float(pct.get("95", 0)),
            "p99": float(pct.get("99", 0)), "errors": int(errors.group(1)) if errors else 0}


LUA_PERCENTILES = """
done = function(summary, latency, requests)
  for _, p in pairs({50, 95, 99}) do
    io.write(string.format("P%d %.2f\\n", p, latency:percentile(p) / 1000))
  end
end
"""


def lua_post(path_expr: str, body_expr: str, headers: dict[str, str]) -> str:
    header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    return f"""
wrk.method = "POST"
{header_lines}
local counter = 0
local threads_started = 0
-- Each wrk thread works on its own questions, so its seqs never race another's.
setup = function(thread) thread:set("tid", threads_started); threads_started = threads_started + 1 end
request = function()
  counter = counter + 1
  local seq = string.format("%d", counter)
  return wrk.format("POST", {path_expr}, nil, {body_expr})
end
{LUA_PERCENTILES}
"""


def failed_logins(base: str, stop: threading.Event, counter: list[int]) -> None:
    """One client sending failed log-ins back to back, each for an unknown email.

    An unknown email costs the server a full scrypt of the dummy hash, so every
    request is the most expensive failure there is.
    """
    attacker = HttpClient(base)
    _, _, html = attacker.get("/auth/login")
    token = csrf_token_in(html)
    n = 0
    while not stop.is_set():
        n += 1
        try:
            attacker.post_form("/auth/login", {"csrf_token": token, "email": f"nobody{n}@example.com",
                                               "password": "not the password 1"})
        except urllib.error.HTTPError as error:
            if error.code != 401:
                raise
        counter[0] += 1


# Practice questions ready to check: a check locks its question, so every
# request of the check run needs a question of its own.
CHECKS_PER_SECOND = 3000
PRACTICE_LENGTH = 100


def prepare_checks(url: str, email: str) -> list[int]:
    """Practice sessions for `email`, each question answered (unchecked); returns the session ids."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "CHECK_BANKS_ON_START": False})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        track = db.session.scalar(select(Track).where(Track.slug == "associate-architect"))
        ids = [start_session(db.session, user_id, track, Scope(count=PRACTICE_LENGTH), now_utc(), seed=n).id
               for n in range(CHECKS_PER_SECOND * WRK_SECONDS // PRACTICE_LENGTH + 1)]
        # Answered as a learner would before pressing Check: as many options as asked.
        for item_id, order, choose in db.session.execute(select(
                PracticeItem.id, PracticeItem.choice_order, PracticeItem.choose)
                .where(PracticeItem.session_id.in_(ids))).all():
            db.session.execute(PracticeItem.__table__.update().where(PracticeItem.id == item_id)
                               .values(selected=order[:choose], save_seq=1))
        db.session.commit()
        db.engine.dispose()
    return ids


def save_script(port: int, email: str, workdir: Path) -> tuple[Learner, Path]:
    """Log `email` in, start an exam, and write the wrk script that autosaves its questions."""
    learner = Learner(f"http://127.0.0.1:{port}", email)
    learner.login()
    learner.start()
    cookie = "; ".join(f"{c.name}={c.value}" for c in learner.jar)
    save = workdir / "save.lua"
    # Each wrk thread gets its own questions so seqs from threads do not collide.
    save.write_text(lua_post(
        f'"/attempts/{learner.attempt_id}/questions/" .. string.format("%d", 1 + tid * 20 + (counter % 20)) .. "/save"',
        '\'{"seq": \' .. seq .. \', "selected": ["\' .. string.sub("ABCD", counter % 4 + 1, counter % 4 + 1) .. \'"]}\'',
        {"Content-Type": "application/json", "X-CSRFToken": learner.token, "Cookie": cookie,
         "Accept": "application/json"}))
    return learner, save


def measure_ratios(label: str, url: str, workdir: Path) -> dict:
    # Throttles off for this phase: a throttled attacker costs the server
    # almost nothing, and the phase measures the worst case, a hash per try.
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "bench",
           "QUIZAPP_LOGIN_FAILURE_LIMIT": "1000000000", "QUIZAPP_LOGIN_ADDRESS_LIMIT": "1000000000"}
    results = {}
    plain = workdir / "plain.lua"
    plain.write_text(LUA_PERCENTILES)
    with gunicorn(env, workers=2, app="tests.benchmarks.baseline:app") as base:
        results["hello"] = wrk(f"http://127.0.0.1:{base.port}/hello", plain)
        minimal = workdir / "minimal.lua"
        minimal.write_text(lua_post('"/minimal-save"', '\'{"k": \' .. string.format("%d", tid * 20 + counter % 20) .. \', "seq": \' .. seq .. \', "selected": ["A"]}\'',
                                    {"Content-Type": "application/json"}))
        results["minimal"] = wrk(f"http://127.0.0.1:{base.port}/minimal-save", minimal)
    # Before the server starts: SQLite would have its writers and ours queue.
    # Another learner's: bench0 starts a mock below, and practice on a track with
    # a mock in progress is refused (409), which is no check at all.
    sessions = prepare_checks(url, "bench2@example.com")
    # The alternative to group commit, side by side: sync workers, one request
    # (and so one commit) at a time per worker.
    with gunicorn(env, workers=WORKERS) as server:
        _, save = save_script(server.port, "bench1@example.com", workdir)
        results["save one at a time"] = wrk(f"http://127.0.0.1:{server.port}/", save)
    with gunicorn(env, workers=WORKERS, threads=THREADS) as server:
        learner, save = save_script(server.port, "bench0@example.com", workdir)
        results["save"] = wrk(f"http://127.0.0.1:{server.port}/", save)
        practiser = Learner(f"http://127.0.0.1:{server.port}", "bench2@example.com")
        practiser.login()
        cookie = "; ".join(f"{c.name}={c.value}" for c in practiser.jar)
        check = workdir / "check.lua"
        # Each request checks a question no other request checks: thread `tid`
        # walks its own half of the sessions, one question after another.
        half = len(sessions) // 2 * PRACTICE_LENGTH
        check.write_text(f"local ids = {{{', '.join(map(str, sessions))}}}\n" + lua_post(
            f'"/practice/" .. string.format("%d", ids[1 + math.floor((tid * {half} + counter - 1) / {PRACTICE_LENGTH})])'
            f' .. "/questions/" .. string.format("%d", 1 + (tid * {half} + counter - 1) % {PRACTICE_LENGTH}) .. "/check"',
            "'{}'", {"Content-Type": "application/json", "X-CSRFToken": practiser.token, "Cookie": cookie,
                     "Accept": "application/json"}))
        results["check"] = wrk(f"http://127.0.0.1:{server.port}/", check)
        stop, tries = threading.Event(), [0]
        attack = threading.Thread(target=failed_logins, args=(f"http://127.0.0.1:{server.port}", stop, tries))
        attack.start()
        time.sleep(1)
        before = tries[0]
        results["save under login attack"] = wrk(f"http://127.0.0.1:{server.port}/", save)
        attacked = (tries[0] - before) / WRK_SECONDS
        stop.set()
        attack.join(30)
    for name, r in results.items():
        print(f"{name} {label}: {r['rps']:.0f} req/s  p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  "
              f"p99 {r['p99']:.1f} ms  non-2xx {r['errors']}", flush=True)
        if r["errors"]:
            # A refused request costs less than a served one: its ratio would flatter.
            print(f"WARNING {name} {label}: {r['errors']} responses were not 2xx; its ratios measure "
                  "refusals, not the request", flush=True)
    print(f"ratio save/hello {label} {results['save']['rps'] / results['hello']['rps']:.2f}")
    print(f"ratio save/minimal {label} {results['save']['rps'] / results['minimal']['rps']:.2f}", flush=True)
    print(f"ratio group commit/one at a time {label} "
          f"{results['save']['rps'] / results['save one at a time']['rps']:.2f}", flush=True)
    print(f"ratio check/save {label} {results['check']['rps'] / results['save']['rps']:.2f}", flush=True)
    print(f"login attack {label}: {attacked:.1f} failed log-ins/s from one client during the save run")
    print(f"ratio save under login attack {label} "
          f"{results['save under login attack']['rps'] / results['save']['rps']:.2f}", flush=True)
    # The attacker's failures are counted per address in the database, and every
    # later learner logs in from the same 127.0.0.1: forget them, or the next
    # phases would measure the throttle (429) instead of the learners.
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM throttle_events"))
    engine.dispose()
    return results


def steady(label: str, url: str, workdir: Path) -> int:
    """Largest number of learners held with p99 < 150 ms and no failure.

    Each step spawns its learners (log in, start an exam); once all have
    started and settled into their 10-second cycle, saves are measured for
    STEADY_SECONDS. Learners wait 5 to 15 s between saves (see locustfile.py);
    the largest step, when it measured, then runs once more with every learner
    waiting exactly 10 s, printed beside it and not counted in the figure held.
    """
    held = 0
    offset = 100
    measured_largest = False
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "bench"}
    with gunicorn(env, workers=WORKERS, threads=THREADS) as server:
        for learners in STEADY_STEPS:
            if offset + learners > USERS - 400:
                break
            summary = locust_step(label, server.port, learners, offset, workdir)
            offset += learners
            if summary is None:
                break
            if not summary["measured"]:
                print(f"steady {label} {learners} learners: only {summary['learners_started']} had started "
                      f"when the {summary['cap_seconds']} s cap ran out", flush=True)
                break
            measured_largest = learners == STEADY_STEPS[-1]
            if summary["p99_ms"] is None or summary["p99_ms"] >= 150 or summary["failures"]:
                break
            held = learners
        peaks = worker_peak_rss(server.pid)
        learners = STEADY_STEPS[-1]
        if not measured_largest:
            # Nothing to compare it with, and an overloaded step runs to its cap.
            print(f"steady {label} {learners} learners, saves exactly 10 s apart: not run "
                  f"(the {learners}-learner step did not measure)", flush=True)
        elif offset + learners <= USERS - 400:
            locust_step(label, server.port, learners, offset, workdir, jitter=0)
    print(f"steady learners {label} {held}", flush=True)
    print(f"rss worker {label} MB {max(peaks) if peaks else 0:.0f} "
          f"(each worker's peak: {', '.join(f'{p:.0f}' for p in peaks)})", flush=True)
    return held


def locust_step(label: str, port: int, learners: int, offset: int, workdir: Path,
                jitter: float | None = None) -> dict | None:
    """One step of `learners` locust learners (users from bench`offset` on); prints and returns its summary.

    `jitter` None keeps locustfile.py's default wait between saves (10 s give or take 5).
    """
    # A cap only: the run stops itself once every learner has started
    # and the measuring window has closed (see locustfile.py).
    cap = 4 * (learners // STEADY_SPAWN_RATE) + STEADY_SECONDS + 120
    result = workdir / f"steady-{learners}-{offset}.json"
    extra = {} if jitter is None else {"BENCH_STEADY_JITTER": str(jitter)}
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
         "-u", str(learners), "-r", str(STEADY_SPAWN_RATE), "--run-time", f"{cap}s",
         "--host", f"http://127.0.0.1:{port}", "--only-summary", "--stop-timeout", "5",
         "--loglevel", "ERROR"],
        env={**os.environ, "BENCH_USER_OFFSET": str(offset), "BENCH_RESULT": str(result),
             "BENCH_LEARNERS": str(learners), "BENCH_STEADY_SECONDS": str(STEADY_SECONDS), **extra},
        cwd=HERE.parent.parent, capture_output=True, timeout=cap + 60, check=False)
    how = "" if jitter is None else (f", saves {10 - jitter:g} to {10 + jitter:g} s apart" if jitter
                                     else ", saves exactly 10 s apart")
    if not result.exists():
        print(f"steady {label} {learners} learners{how}: locust wrote no result", flush=True)
        return None
    summary = {**json.loads(result.read_text()), "cap_seconds": cap}
    failures = summary["failures"]
    ms = {k: None if summary[k] is None else round(summary[k]) for k in ("p50_ms", "p99_ms", "max_ms")}
    print(f"steady {label} {learners} learners{how}: {summary['saves']} saves measured "
          f"({summary['per_second'][0]} to {summary['per_second'][1]} a second), "
          f"p50 {ms['p50_ms']} ms, p99 {ms['p99_ms']} ms, max {ms['max_ms']} ms, failures {failures}"
          + (f" (first: {summary['first_failures'][0]})" if failures else ""), flush=True)
    return summary


def worker_peak_rss(master_pid: int) -> list[float]:
    """Each gunicorn worker's peak resident memory (VmHWM) in MB, read from /proc."""
    peaks = []
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return peaks


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def bursts(label: str, url: str) -> None:
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "bench"}
    with gunicorn(env, workers=WORKERS, threads=THREADS) as server:
        base = f"http://127.0.0.1:{server.port}"
        learners = [Learner(base, f"bench{USERS - 300 + i}@example.com") for i in range(300)]
        for learner in learners:
            learner.login()
        for phase, action in (("start", Learner.start), ("submit", Learner.submit)):
            if phase == "submit":
                # A class submitting at the end has answered its questions: every
                # result page then forecasts (a blank question is no answer, and
                # with none the page would only ask for more).
                answered = create_engine(url)
                with answered.begin() as conn:
                    conn.execute(update(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(
                        [l.attempt_id for l in learners if l.attempt_id])).values(selected=["a"]))
                answered.dispose()
            barrier = threading.Barrier(len(learners))
            timings = []

            def run(learner, barrier=barrier, timings=timings, action=action):
                barrier.wait()
                timings.append(timed(action, learner))

            threads = [threading.Thread(target=run, args=(l,)) for l in learners]
            for t in threads:
                t.start()
            for t in threads:
                t.join(180)
            errors = sum(1 for _, ok, _ in timings if not ok)
            ms = [t for t, _, _ in timings]
            print(f"burst {phase} {label}: 300 learners in the same second, p50 {percentile(ms, 50):.0f} ms, "
                  f"p99 {percentile(ms, 99):.0f} ms, errors {errors}", flush=True)
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = [l.attempt_id for l in learners if l.attempt_id]
        scored = conn.execute(select(Attempt.id).where(Attempt.id.in_(ids), Attempt.correct_count.is_not(None))).all()
    engine.dispose()
    print(f"burst scored {label} {len(scored)}/{len(learners)}", flush=True)


def durability(label: str, url: str) -> None:
    """Kill -9 workers 10 times and the master once while learners save; count lost acks."""
    env = {"QUIZAPP_DATABASE_URL": url, "QUIZAPP_SECRET_KEY": "bench"}
    port = free_port()
    acked: dict[tuple[int, int], tuple[int, list[str]]] = {}
    acknowledged = 0   # saves answered 200 "saved", over all questions
    lock = threading.Lock()
    stop = threading.Event()
    attempts = []

    def learner_loop(learner):
        nonlocal acknowledged
        seq = 0
        while not stop.is_set():
            seq += 1
            position = random.randint(1, 45)
            choice = [random.choice("ABCD")]
            try:
                status, body = learner.save(position, seq, choice)
            except Exception:  # noqa: BLE001 - the server was killed mid-request: not acknowledged
                time.sleep(0.05)
                continue
            if status == 200 and body.get("saved"):
                with lock:
                    acknowledged += 1
                    key = (learner.attempt_id, position)
                    if key not in acked or acked[key][0] < seq:
                        acked[key] = (seq, choice)

    server_cm = gunicorn(env, workers=WORKERS, threads=THREADS, port=port)
    server = server_cm.__enter__()
    learners = [Learner(f"http://127.0.0.1:{port}", f"bench{50 + i}@example.com") for i in range(8)]
    for learner in learners:
        learner.login()
        learner.start()
        attempts.append(learner.attempt_id)
    threads = [threading.Thread(target=learner_loop, args=(l,), daemon=True) for l in learners]
    for t in threads:
        t.start()
    kills = 0
    for _ in range(10):
        time.sleep(0.7)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        if children:
            os.kill(int(random.choice(children)), signal.SIGKILL)
            kills += 1
    time.sleep(0.7)
    os.killpg(server.pid, signal.SIGKILL)   # the master and its workers at once
    server.wait(10)
    with gunicorn(env, workers=WORKERS, threads=THREADS, port=port):
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(15)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(AttemptQuestion.attempt_id, AttemptQuestion.position, AttemptQuestion.save_seq,
                                   AttemptQuestion.choice_order, AttemptQuestion.selected)
                            .where(AttemptQuestion.attempt_id.in_(attempts))).all()
    engine.dispose()
    stored = {(a, p): (seq, order, sel) for a, p, seq, order, sel in rows}
    lost = 0
    for key, (seq, choice) in acked.items():
        saved_seq, order, selected = stored[key]
        if saved_seq < seq or (saved_seq == seq and selected != [order["ABCDEF".index(choice[0])]]):
            lost += 1
    # A later save of a question replaces the earlier one, so each question's
    # last acknowledged answer is what must be stored.
    print(f"durability {label}: {kills} worker kills and 1 master kill; {acknowledged} saves acknowledged, "
          f"the last one of each of {len(acked)} questions checked against the database")
    print(f"lost acknowledged saves {label} {lost} ({acknowledged} acknowledged)", flush=True)


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk: apt-get install wrk")
    print(f"machine: {os.cpu_count()} cores, {sys.platform}, Python {sys.version.split()[0]}", flush=True)
    databases = []
    workdir = Path(tempfile.mkdtemp(prefix="quizapp-bench-"))
    databases.append(("sqlite", f"sqlite:///{workdir}/bench.sqlite3"))
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    pg_name = f"quizapp_bench_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {pg_name}"))
        databases.append(("postgresql", PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"))
    except Exception as error:  # noqa: BLE001
        print(f"PostgreSQL not reachable ({error}); measuring SQLite only")
    try:
        for label, url in databases:
            print(f"=== {label} ===", flush=True)
            prepare(url)
            measure_ratios(label, url, workdir)
            bursts(label, url)
            durability(label, url)
            steady(label, url, workdir)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
