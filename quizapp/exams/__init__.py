"""Taking an exam: start, question pages, autosave, clock, summary, submit."""

from flask import Blueprint

bp = Blueprint("exams", __name__)

from . import routes  # noqa: E402,F401
