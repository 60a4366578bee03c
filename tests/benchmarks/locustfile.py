"""Steady load: each learner answers a question every 10 seconds."""

import itertools

import gevent
import json
import os
import random
import re

from locust import FastHttpUser, constant, task

NEXT = itertools.count()
PASSWORD = "bench password 123"


class LearnerUser(FastHttpUser):
    wait_time = constant(10)

    def on_start(self):
        self.email = f"bench{next(NEXT) + int(os.environ.get('BENCH_USER_OFFSET', '0'))}@example.com"
        html = self.client.get("/auth/login", name="login page").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        self.client.post("/auth/login", data={"csrf_token": token, "email": self.email, "password": PASSWORD},
                         name="login")
        html = self.client.get("/tracks/associate-architect", name="track").text
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        response = self.client.post("/tracks/associate-architect/start", data={"csrf_token": self.token},
                                    name="start")
        self.attempt = int(re.search(r"/attempts/(\d+)/", response.url).group(1))
        self.seq = 0
        # Spread the learners over the 10-second cycle, as real ones are.
        gevent.sleep(random.uniform(0, 10))

    @task
    def save(self):
        self.seq += 1
        self.client.post(f"/attempts/{self.attempt}/questions/{random.randint(1, 45)}/save",
                         data=json.dumps({"seq": self.seq, "selected": [random.choice("ABCD")]}),
                         headers={"Content-Type": "application/json", "X-CSRFToken": self.token,
                                  "Accept": "application/json"}, name="save")
