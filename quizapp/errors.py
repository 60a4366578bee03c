"""Error pages: a clear message and the right status, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .i18n import gettext as _


def wants_json() -> bool:
    """True when the client asked for JSON (the exam page's fetch calls do)."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    """Render HTTP errors as pages, or JSON for fetch calls."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        if wants_json() and "_user_id" not in session:
            # Logged out in another tab: the token went with the session. The page's
            # script keeps the answer and asks to log in, as for any ended log-in.
            return _render(401, _("You are logged out. Log in again to keep saving."))
        message = _("Your form expired or was sent from another site. Reload the page and try again.")
        return _render(400, message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        message = error.description
        if not message or message == type(error).description:
            # Werkzeug's own English text: say it in the learner's language.
            message = _generic(error.code or 500)
        body, status = _render(error.code or 500, message)
        # What the error says besides its page: a 405's Allow, a 429's Retry-After.
        return body, status, [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def not_stored():
    """503 for an answer the database refused: nothing of it was stored, and the
    page sends it again (its script retries on 5xx, after `Retry-After`)."""
    body, status = _render(503, _("The answer could not be saved just now; it will be sent again."))
    return body, status, {"Retry-After": "1"}


def _generic(status: int) -> str:
    return {400: _("The request could not be understood."), 401: _("Log in to continue."),
            404: _("There is nothing at this address."),
            405: _("This address does not take that kind of request."),
            413: _("What you sent is too large."), 429: _("Too many tries; wait a little.")}.get(
        status, _("Something went wrong. Try again."))


def _render(status: int, message: str, action: dict | None = None):
    """The error as JSON or as a page; `action` ({url, label}) is the way on, if there is one."""
    if wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message, action=action), status


def error_page(status: int, message: str, url: str, label: str):
    """An error page with a button to where the learner can go on."""
    return _render(status, message, {"url": url, "label": label})
