"""Forms of the home area."""

from __future__ import annotations

from wtforms import HiddenField, SelectField

from ..forms import Form
from ..i18n import LANGUAGES


class LanguageForm(Form):
    """The language switch on every page."""

    locale = SelectField(choices=list(LANGUAGES), validate_choice=True)
    next = HiddenField()
