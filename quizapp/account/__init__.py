"""The learner's account: password change and ending sessions."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from . import routes  # noqa: E402,F401
