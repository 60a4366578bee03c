"""A live server and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ..conftest import TEST_DATABASE_URL, drop_app, fresh_app, write_bank

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@pytest.fixture
def live_app(tmp_path: Path):
    """The app on a real port, with a file database shared by the server thread and the test."""
    root = write_bank(tmp_path / "banks", per_domain=8, min_q=5, max_q=5)
    url = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else f"sqlite:///{tmp_path}/live.sqlite3"
    app = fresh_app(url, root, sync=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(10)
    drop_app(app)


@pytest.fixture
def browser():
    """Debian's chromium; skipped where it is missing (CI makes that a failure)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_app):
    context = browser.new_context(base_url=live_app.base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
