"""Steady load: each learner answers a question every 10 seconds on average.

Between two saves a learner waits 10 s give or take BENCH_STEADY_JITTER
(default 5: anywhere from 5 to 15 s, as people take more or less time over a
question). With no jitter (0) every learner waits exactly 10 s after each
answer comes back. That closed loop gathers learners into waves: those a busy
moment delayed all get their answers together and all come back together 10 s
later, so a wave returns every 10 s and grows with each busy moment (at 5,000
learners, seconds of 360 saves alternated with seconds of 790, where the
learners alone ask for 500).

The run measures the steady state, not the ramp: save latencies count from
10 seconds after the last learner has logged in and started its exam (by
then every learner is in its 10-second cycle), for BENCH_STEADY_SECONDS,
and then the run stops itself. Any failed request, at any time, counts as a
failure. The summary goes to BENCH_RESULT as JSON.
"""

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import FastHttpUser, between, constant, events, task

# Locust runs this file by path, from the project root (run.py sets the cwd).
from tests.benchmarks.learners import PASSWORD, TRACK
from tests.servers import csrf_token_in

NEXT = itertools.count()
MEASURE_SECONDS = float(os.environ.get("BENCH_STEADY_SECONDS", "30"))
SETTLE_SECONDS = 10
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "1"))
JITTER = float(os.environ.get("BENCH_STEADY_JITTER", "5"))
state = {"started": 0, "measure_from": None, "measure_until": None}
save_ms: list[float] = []
# Each measured save's second in the window: the rate per second shows waves.
save_second: list[int] = []
failures: list[str] = []


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs):
    if exception is not None:
        failures.append(f"{name}: {exception}")
    elif name == "save" and state["measure_from"] and state["measure_from"] <= time.time() < state["measure_until"]:
        save_ms.append(response_time)
        save_second.append(int(time.time() - state["measure_from"]))


@events.user_error.add_listener
def _user_error(user_instance, exception, tb, **_kwargs):
    failures.append(f"learner error: {exception!r}")


def _measure(environment):
    """Open the window once every learner has started; stop when it closes."""
    while state["started"] < LEARNERS:
        gevent.sleep(0.5)
    state["measure_from"] = time.time() + SETTLE_SECONDS
    state["measure_until"] = state["measure_from"] + MEASURE_SECONDS
    gevent.sleep(SETTLE_SECONDS + MEASURE_SECONDS)
    environment.runner.quit()


@events.test_start.add_listener
def _start_window(environment, **_kwargs):
    gevent.spawn(_measure, environment)


@events.quitting.add_listener
def _report(environment, **_kwargs):
    ordered = sorted(save_ms)
    def at(share):
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None

    per_second = [save_second.count(second) for second in range(int(MEASURE_SECONDS))]
    with open(os.environ["BENCH_RESULT"], "w") as out:
        json.dump({"saves": len(ordered), "p50_ms": at(0.50), "p99_ms": at(0.99),
                   "max_ms": ordered[-1] if ordered else None,
                   "per_second": [min(per_second), max(per_second)], "failures": len(failures),
                   "first_failures": failures[:5], "learners_started": state["started"],
                   "measured": state["measure_until"] is not None and time.time() >= state["measure_until"]},
                  out)


class LearnerUser(FastHttpUser):
    wait_time = between(10 - JITTER, 10 + JITTER) if JITTER else constant(10)

    def on_start(self):
        self.email = f"bench{next(NEXT) + int(os.environ.get('BENCH_USER_OFFSET', '0'))}@example.com"
        html = self.client.get("/auth/login", name="login page").text
        token = csrf_token_in(html)
        self.client.post("/auth/login", data={"csrf_token": token, "email": self.email, "password": PASSWORD},
                         name="login")
        html = self.client.get(TRACK, name="track").text
        self.token = csrf_token_in(html)
        response = self.client.post(f"{TRACK}/start", data={"csrf_token": self.token}, name="start")
        self.attempt = int(re.search(r"/attempts/(\d+)/", response.url).group(1))
        self.seq = 0
        state["started"] += 1
        # Spread the learners over the 10-second cycle, as real ones are.
        gevent.sleep(random.uniform(0, 10))

    @task
    def save(self):
        self.seq += 1
        self.client.post(f"/attempts/{self.attempt}/questions/{random.randint(1, 45)}/save",
                         data=json.dumps({"seq": self.seq, "selected": [random.choice("ABCD")]}),
                         headers={"Content-Type": "application/json", "X-CSRFToken": self.token,
                                  "Accept": "application/json"}, name="save")
