"""quizapp: a practice-exam engine for the Stripe architect certifications."""

from __future__ import annotations

import os
import pickle
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, Request
from flask.cli import ScriptInfo
from sqlalchemy.engine import make_url
from werkzeug.routing import BaseConverter

from . import config as config_module
from .extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


class QuizRequest(Request):
    """Flask's request, with JSON nested past Python's recursion limit refused as bad JSON.

    The json module raises RecursionError on a body nested a thousand levels
    deep, which Flask would turn into a 500.
    """

    def get_json(self, force=False, silent=False, cache=True):
        """Parse the body as JSON; too deep a nesting counts as malformed."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as error:
            if silent:
                return None
            return self.on_json_loading_failed(ValueError(str(error)))


class SlugConverter(BaseConverter):
    """A track slug as the banks allow it (lowercase letters, digits, hyphens).

    Anything else is a 404 before it reaches a query: PostgreSQL refuses a
    NUL byte in text with an error, which was a 500 on /tracks/%00.
    """

    regex = r"[a-z0-9][a-z0-9-]{0,99}"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints and CLI."""
    app = Flask(__name__, instance_relative_config=False)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.DEFAULTS)
    given = config or {}
    app.config.update(config_module.from_environment(
        app.instance_path,
        with_secrets="SQLALCHEMY_DATABASE_URI" not in given or "SECRET_KEY" not in given))
    if config:
        app.config.update(config)
    _size_the_pool(app.config)
    app.permanent_session_lifetime = timedelta(days=app.config["SESSION_LIFETIME_DAYS"])
    app.request_class = QuizRequest
    app.url_map.converters["slug"] = SlugConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    from .i18n import install_in_templates, select_locale

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    install_in_templates(app.jinja_env)

    from .database import configure_engine

    from .exams.group_commit import SaveBatches

    with app.app_context():
        configure_engine(db.engine)
        # One per process: the autosaves that arrive together commit together.
        app.extensions["quizapp.save_batches"] = SaveBatches(db.engine, app.config["SAVE_BATCH_MAX"])

    from . import account, admin, auth, errors, exams, history, main, practice, security

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(exams.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(practice.bp)
    errors.register(app)
    security.register(app)

    from .rendering import inline, paragraphs

    app.add_template_filter(paragraphs)
    app.add_template_filter(inline)

    from flask_babel import get_locale

    from .i18n import LANGUAGES

    @app.context_processor
    def _i18n_context():
        return {"current_locale": lambda: str(get_locale()), "interface_languages": LANGUAGES,
                "track_text": lambda track, field: track.text(field, str(get_locale())),
                "domain_title": lambda track, slug: track.domain_title(slug, str(get_locale()))}

    from .cli import register_cli

    register_cli(app)

    if app.config["CHECK_BANKS_ON_START"]:
        _check_banks(app)
    return app


def _size_the_pool(config) -> None:
    """Keep DB_POOL_SIZE connections per process (see config.py), except in an
    in-memory SQLite database, which is one connection by nature."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_size": config["DB_POOL_SIZE"], "max_overflow": config["DB_POOL_SIZE"],
        **config["SQLALCHEMY_ENGINE_OPTIONS"]}


def _check_banks(app: Flask) -> None:
    """Refuse to start on banks with problems, printed in the same form as `banks check`.

    A `flask` command (`banks sync`, `flask run`) reads the banks here and keeps what it read,
    so `banks sync` does not parse every file again. A server reads them in a forked
    child instead: the parsed files (about 20 MB and most of start-up) would otherwise
    stay in each worker's peak memory, and a worker serves from the database alone.
    """
    from .banks import InvalidBanks, load_banks

    directory = app.config["BANKS_DIR"]
    command = click.get_current_context(silent=True)
    problems = None
    if command is None or command.find_object(ScriptInfo) is None:
        problems = _problems_read_apart(directory)
    if problems is None:
        result = load_banks(directory)
        problems = result.problems
        app.extensions["quizapp.banks"] = result
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise InvalidBanks(problems)


def _problems_read_apart(directory: str) -> list | None:
    """The banks' problems, read in a forked child; None where that cannot be done.

    A plain fork and a pipe: if the worker is killed meanwhile, the child's write fails
    and it exits quietly (multiprocessing's pool printed a traceback per killed worker).
    """
    if not hasattr(os, "fork"):
        return None
    # Imported before the fork: the child takes no import lock another thread might hold.
    from .banks import load_banks

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(load_banks(directory).problems))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    # Whatever went wrong in the child happens again in-process, where it can be seen.
    return pickle.loads(data) if data else None
