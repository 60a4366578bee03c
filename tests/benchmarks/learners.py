"""Simulated learners over plain HTTP: log in, start an exam, save answers."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "bench password 123"


class Learner:
    def __init__(self, base: str, email: str):
        self.base, self.email = base, email
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""
        self.attempt_id = 0
        self.length = 0

    def _open(self, request, timeout=60):
        with self.opener.open(request, timeout=timeout) as r:
            return r.status, r.geturl(), r.read().decode()

    def get(self, path):
        return self._open(self.base + path)

    def post_form(self, path, data):
        body = urllib.parse.urlencode({"csrf_token": self.token, **data}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def login(self):
        _, _, html = self.get("/auth/login")
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        self.post_form("/auth/login", {"email": self.email, "password": PASSWORD})
        _, _, html = self.get("/tracks/associate-architect")
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def start(self):
        status, where, html = self.post_form("/tracks/associate-architect/start", {})
        self.attempt_id = int(re.search(r"/attempts/(\d+)/", where).group(1))
        self.length = int(re.search(r"Question 1 of (\d+)", html).group(1))
        return status

    def save(self, position, seq, selected):
        body = json.dumps({"seq": seq, "selected": selected}).encode()
        request = urllib.request.Request(
            f"{self.base}/attempts/{self.attempt_id}/questions/{position}/save", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token, "Accept": "application/json"})
        try:
            status, _, text = self._open(request, timeout=10)
            return status, json.loads(text)
        except urllib.error.HTTPError as error:
            return error.code, {}

    def submit(self):
        return self.post_form(f"/attempts/{self.attempt_id}/submit", {})[0]


def timed(fn, *args):
    start = time.perf_counter()
    try:
        result = fn(*args)
        ok = True
    except Exception:  # noqa: BLE001 - a failed request is a measured error
        result, ok = None, False
    return (time.perf_counter() - start) * 1000, ok, result
