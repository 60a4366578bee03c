"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

from .database import write_intent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register(app: Flask) -> None:
    """Install the request hooks that set headers and transaction intent."""

    @app.before_request
    def _mark_write_intent() -> None:
        write_intent.set(request.method not in SAFE_METHODS)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint and request.endpoint != "static":
            # Pages hold a learner's exam; keep them out of shared caches.
            headers.setdefault("Cache-Control", "no-store")
        return response
