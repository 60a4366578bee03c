"""Configuration read from the environment, with safe local defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def secret_key_from_instance(instance_path: str) -> str:
    """Return the instance folder's secret key, creating it once.

    Every worker and every restart must sign sessions and CSRF tokens with the
    same key, so a generated key is kept on disk rather than made per process.
    The file is created with O_EXCL so two workers starting together agree.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def trusted_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Parse QUIZAPP_TRUSTED_PROXIES: addresses or networks, separated by commas or spaces."""
    return [ipaddress.ip_network(part, strict=False) for part in setting.replace(",", " ").split()]


# Environment variable -> (config key, type). Unset variables keep DEFAULTS.
ENVIRONMENT = {
    "QUIZAPP_BANKS_DIR": ("BANKS_DIR", str),
    "QUIZAPP_GRACE_SECONDS": ("GRACE_SECONDS", int),
    "QUIZAPP_SECURE_COOKIES": ("SESSION_COOKIE_SECURE", lambda v: v == "1"),
    "QUIZAPP_LOGIN_FAILURE_LIMIT": ("LOGIN_FAILURE_LIMIT", int),
    "QUIZAPP_LOGIN_ADDRESS_LIMIT": ("LOGIN_ADDRESS_LIMIT", int),
    "QUIZAPP_LOGIN_FAILURE_WINDOW": ("LOGIN_FAILURE_WINDOW_SECONDS", int),
    "QUIZAPP_REGISTER_LIMIT": ("REGISTER_LIMIT", int),
    "QUIZAPP_REGISTER_WINDOW": ("REGISTER_WINDOW_SECONDS", int),
    "QUIZAPP_TRUSTED_PROXIES": ("TRUSTED_PROXIES", trusted_networks),
    "QUIZAPP_SESSION_LIFETIME_DAYS": ("SESSION_LIFETIME_DAYS", int),
    "QUIZAPP_SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", int),
    "QUIZAPP_HISTORY_PAGE_SIZE": ("HISTORY_PAGE_SIZE", int),
    "QUIZAPP_DB_POOL_SIZE": ("DB_POOL_SIZE", int),
}


def from_environment(instance_path: str, *, with_secrets: bool = True) -> dict:
    """Build the configuration mapping from QUIZAPP_* environment variables.

    `with_secrets=False` skips the database URL and secret key (a test or a
    tool that passes its own).
    """
    env = os.environ
    config: dict = {}
    for name, (key, kind) in ENVIRONMENT.items():
        if env.get(name):
            config[key] = kind(env[name])
    if with_secrets:
        config["SQLALCHEMY_DATABASE_URI"] = env.get("QUIZAPP_DATABASE_URL") or (
            "sqlite:///" + str(Path(instance_path) / "quizapp.sqlite3")
        )
        config["SECRET_KEY"] = env.get("QUIZAPP_SECRET_KEY") or secret_key_from_instance(instance_path)
    if config.get("SESSION_COOKIE_SECURE"):
        config["REMEMBER_COOKIE_SECURE"] = True
    return config


DEFAULTS = {
    "BANKS_DIR": str(PROJECT_ROOT / "question_banks"),
    # Saves that reach the server this long after the deadline are still
    # accepted: a learner's last click must not be lost to network latency.
    "GRACE_SECONDS": 30,
    "SESSION_COOKIE_SECURE": False,
    # Failed log-ins for one account from one address before delays start
    # (a stranger elsewhere cannot lock the owner out), and from one address
    # across all accounts (password spraying). Then each try waits 2, 4, 8 s...
    "LOGIN_FAILURE_LIMIT": 5,
    "LOGIN_ADDRESS_LIMIT": 20,
    "LOGIN_FAILURE_WINDOW_SECONDS": 900,
    "REGISTER_LIMIT": 10,
    # Problem reports per learner per hour before 429.
    "REPORT_LIMIT": 20,
    "REGISTER_WINDOW_SECONDS": 3600,
    # Proxies whose X-Forwarded-For is believed; nobody else's is.
    "TRUSTED_PROXIES": [],
    # A log-in lasts at most this long, and ends after this long unused; the
    # idle timeout outlasts an exam (the exam page re-syncs its clock every 30 s).
    "SESSION_LIFETIME_DAYS": 14,
    "SESSION_IDLE_MINUTES": 120,
    # The cookie is set at log-in to expire with the log-in's absolute lifetime,
    # and the server checks both limits on every request, so sliding the cookie's
    # expiry forward on every response (Flask's default: a fresh signature and a
    # Set-Cookie on each autosave) buys nothing. A changed session is still sent.
    "SESSION_REFRESH_EACH_REQUEST": False,
    # werkzeug's default, scrypt at its default cost (about 0.1 s a hash). The
    # tests lower the cost: they register hundreds of learners, and a stored
    # hash names its own cost, so checking needs no setting.
    "PASSWORD_HASH_METHOD": "scrypt",
    "HISTORY_PAGE_SIZE": 20,
    # Autosaves committed together at most (see exams/group_commit.py): enough
    # for every thread of a worker, few enough that one fsync is never long.
    "SAVE_BATCH_MAX": 64,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A CSRF token must outlive the longest exam plus its grace; a token that
    # expired mid-exam would turn the final save into a 400. Tokens are still
    # tied to the session, which ends at logout.
    "WTF_CSRF_TIME_LIMIT": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Database connections each process keeps open: one per request thread
    # (gunicorn's --threads, 8 in the README's deployment) plus one for the
    # batch committing saves. SQLAlchemy's default is 5, and a connection
    # opened past the pool is closed as soon as it is returned: with 8 threads
    # under load, every few requests paid for a new connection (on PostgreSQL
    # a new server process, and psycopg's prepared statements lost with it).
    "DB_POOL_SIZE": 10,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Banks are validated at start-up; tests and tools that build their own
    # banks turn this off.
    "CHECK_BANKS_ON_START": True,
}
