"""Public pages: the list of tracks and each track's rules."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes  # noqa: E402,F401
