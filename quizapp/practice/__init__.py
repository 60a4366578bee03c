"""Practice: sessions drawn by scope and source, a check with instant feedback, a summary."""

from flask import Blueprint

bp = Blueprint("practice", __name__)

from . import routes  # noqa: E402,F401
