"""Error pages: a clear message and the right status, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def wants_json() -> bool:
    """True when the client asked for JSON (the exam page's fetch calls do)."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    """Render HTTP errors as pages, or JSON for fetch calls."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = "Your form expired or was sent from another site. Reload the page and try again."
        return _render(400, message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _render(error.code or 500, error.description or error.name)


def _render(status: int, message: str):
    if wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status
