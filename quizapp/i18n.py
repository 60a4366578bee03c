"""Interface language: the learner's choice, then the browser's, then English.

The choice lives in the signed session (restored from the account at log-in),
so choosing the locale costs no query, even on the autosave path.
"""

from __future__ import annotations

from flask import request, session

# Each language named in itself: a learner looks for their own language's name.
LANGUAGES = {"en": "English", "ja": "日本語"}
DEFAULT = "en"


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT
