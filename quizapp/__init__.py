"""quizapp: a practice-exam engine for the Stripe architect certifications."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as config_module
from .extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


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

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)

    from .database import configure_engine

    with app.app_context():
        configure_engine(db.engine)

    from . import auth, errors, exams, history, main, security

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(exams.bp)
    app.register_blueprint(history.bp)
    errors.register(app)
    security.register(app)

    from .rendering import inline, paragraphs

    app.add_template_filter(paragraphs)
    app.add_template_filter(inline)

    from .cli import register_cli

    register_cli(app)

    if app.config["CHECK_BANKS_ON_START"]:
        from .banks import InvalidBanks, require_valid_banks

        try:
            # Kept for `banks sync`, which would otherwise parse every file again
            # (YAML parsing is most of the start-up time).
            app.extensions["quizapp.banks"] = require_valid_banks(app.config["BANKS_DIR"])
        except InvalidBanks as error:
            # Say why in the same form as `banks check`, then refuse to start.
            for problem in error.problems:
                print(problem, file=sys.stderr)
            raise
    return app
