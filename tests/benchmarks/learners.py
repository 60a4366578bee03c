"""Simulated learners over plain HTTP: log in, start an exam, save answers."""

from __future__ import annotations

import json
import time
import urllib.error

from ..servers import HttpClient, csrf_token_in

PASSWORD = "bench password 123"
TRACK = "/tracks/associate-architect"


class Learner(HttpClient):
    """One learner of the shipped associate track."""

    def __init__(self, base: str, email: str):
        super().__init__(base)
        self.email = email
        self.token = ""
        self.attempt_id = 0

    def login(self):
        _, _, html = self.get("/auth/login")
        self.post_form("/auth/login", {"csrf_token": csrf_token_in(html), "email": self.email,
                                       "password": PASSWORD})
        _, _, html = self.get(TRACK)
        self.token = csrf_token_in(html)

    def start(self):
        status, where, _ = self.post_form(f"{TRACK}/start", {"csrf_token": self.token})
        self.attempt_id = int(where.split("/attempts/")[1].split("/")[0])
        return status

    def save(self, position, seq, selected):
        try:
            status, _, text = self.post_json(f"/attempts/{self.attempt_id}/questions/{position}/save",
                                             {"seq": seq, "selected": selected}, self.token, timeout=10)
            return status, json.loads(text)
        except urllib.error.HTTPError as error:
            return error.code, {}

    def submit(self):
        return self.post_form(f"/attempts/{self.attempt_id}/submit", {"csrf_token": self.token})[0]


def timed(fn, *args):
    """Milliseconds taken, whether it succeeded, and its result."""
    start = time.perf_counter()
    try:
        result = fn(*args)
        ok = True
    except Exception:  # noqa: BLE001 - a failed request is a measured error
        result, ok = None, False
    return (time.perf_counter() - start) * 1000, ok, result
