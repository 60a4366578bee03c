"""Interface language: the learner's choice, then the browser's, then English.

The choice lives in the signed session (restored from the account at log-in),
so choosing the locale costs no query, even on the autosave path.
"""

from __future__ import annotations

from babel import negotiate_locale
from babel.support import NullTranslations, Translations
from flask import g, request, session
from flask_babel import get_translations

# Each language named in itself: a learner looks for their own language's name.
LANGUAGES = {"en": "English", "ja": "日本語"}
DEFAULT = "en"


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    # In the browser's order of preference, a regional tag matching its language:
    # "ja-JP,en;q=0.5" is Japanese. (Werkzeug's best_match took the exact "en" at
    # q=0.5 over the "ja" that "ja-JP" asks for first.)
    best = negotiate_locale(list(request.accept_languages.values()), list(LANGUAGES), sep="-")
    return best.lower() if best else DEFAULT


def translations() -> Translations | NullTranslations:
    """This request's catalog, looked up once.

    Flask-Babel finds it again on every call (the domain, the locale, its name,
    the cache): about 15 µs, and 30 µs from a template, where a page asks for
    fifty strings. It is kept where Flask-Babel keeps its locale, so its
    `refresh()` after a change of language drops it too.
    """
    if not g:
        return get_translations()
    context = getattr(g, "_flask_babel", None)
    catalog = getattr(context, "babel_translations", None)
    if catalog is None:
        catalog = get_translations()
        g._flask_babel.babel_translations = catalog
    return catalog


def gettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext`, through the request's catalog."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def install_in_templates(environment) -> None:
    """Templates' `_` and `ngettext` read the request's catalog too."""
    environment.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
