"""Administrators' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..accommodations import MAX_EXTRA_MINUTES, PERCENTS
from ..forms import Form
from ..reports import MAX_COMMENT, OUTCOMES


class TriageForm(Form):
    """Set a report's outcome, with a note the reporter reads."""

    status = SelectField(_l("Outcome"), choices=OUTCOMES, validate_choice=True)
    note = TextAreaField(_l("Note to the learner"), validators=[Optional(), Length(max=MAX_COMMENT)])


class AccommodationForm(Form):
    """Give a learner extra time, for one track or all."""

    email = EmailField(_l("Learner's email"), validators=[DataRequired(), Length(max=254)])
    track = SelectField(_l("Track"), choices=[], validate_choice=True)
    percent = SelectField(_l("Time multiplier"), choices=[str(p) for p in PERCENTS], default="100",
                          validate_choice=True)
    extra_minutes = IntegerField(_l("Extra minutes"), default=0, validators=[
        Optional(), NumberRange(min=0, max=MAX_EXTRA_MINUTES)])


class RemoveForm(Form):
    """Remove an accommodation: only the CSRF token."""
