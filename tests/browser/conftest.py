"""A live server and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from quizapp import create_app
from quizapp.banks import load_banks
from quizapp.banks.sync import sync_banks
from quizapp.extensions import db

from ..conftest import NOW, TEST_DATABASE_URL, write_bank

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@pytest.fixture
def live_app(tmp_path: Path):
    """The app on a real port, with a file database shared by the server thread and the test."""
    root = write_bank(tmp_path / "banks", per_domain=8, min_q=5, max_q=5)
    url = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else f"sqlite:///{tmp_path}/live.sqlite3"
    app = create_app({"SECRET_KEY": "browser", "SQLALCHEMY_DATABASE_URI": url, "BANKS_DIR": str(root),
                      "CHECK_BANKS_ON_START": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        sync_banks(db.session, load_banks(root).tracks, NOW)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


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
