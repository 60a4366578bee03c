"""Start real gunicorn servers on 127.0.0.1 for multi-server tests and benchmarks."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class HttpClient:
    """A cookie-keeping HTTP client: a browser without JavaScript, for real servers."""

    def __init__(self, base: str = ""):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None,
             timeout: float = 60) -> tuple[int, str, str]:
        """Status, final URL and body; HTTP errors raise urllib's HTTPError."""
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {},
                                         method="POST" if data is not None else "GET")
        with self.opener.open(request, timeout=timeout) as response:
            return response.status, response.geturl(), response.read().decode()

    def get(self, path: str) -> tuple[int, str, str]:
        return self.open(path)

    def post_form(self, path: str, fields: dict) -> tuple[int, str, str]:
        return self.open(path, urllib.parse.urlencode(fields, doseq=True).encode())

    def post_json(self, path: str, body, token: str, timeout: float = 60) -> tuple[int, str, str]:
        headers = {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"}
        return self.open(path, json.dumps(body).encode(), headers, timeout)


def csrf_token_in(html: str) -> str:
    """The CSRF token a page embeds."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            # Say so at once (its own errors are above, on stderr) rather than wait it out.
            raise RuntimeError(f"server on port {port} exited with code {process.returncode} before answering")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers: up (the benchmark's baseline app has no /auth/login)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not answer within {timeout:.0f} s")


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, app: str = "wsgi:app", port: int | None = None,
             extra: tuple[str, ...] = (), threads: int = 1):
    """Run gunicorn until the block ends; the process group is killed afterwards.

    `threads` > 1 runs gthread workers with that many request threads each.
    """
    port = port or free_port()
    if threads > 1:
        # No keep-alive: an idle learner's connection would hold one of the
        # worker's connection slots, and closing it after the timeout races
        # the learner's next save (see the README's deployment notes).
        extra = ("--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "0", *extra)
        # glibc gives each thread a malloc arena of its own; two keep a
        # threaded worker's peak memory near a sync worker's (176 -> 147 MB
        # measured under 2,000 steady learners).
        env = {"MALLOC_ARENA_MAX": "2", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "2", "--log-level", "warning", *extra, app],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
    try:
        wait_until_up(port, process)
        process.port = port
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)
