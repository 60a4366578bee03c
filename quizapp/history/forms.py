"""Forms of the result and review pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms import Form
from ..reports import MAX_COMMENT, REASONS


class ReportForm(Form):
    """Report a problem with a question: a reason and an optional comment."""

    reason = SelectField(_l("What is wrong"), choices=REASONS, validate_choice=True)
    comment = TextAreaField(_l("Details (optional)"), validators=[
        Optional(), Length(max=MAX_COMMENT, message=_l("Keep the comment under 2,000 characters."))])
