"""Forms and request bodies of the exam pages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import NumberRange, Optional, Regexp

from ..forms import Form
from .attempts import LABELS


class StartForm(Form):
    """Start (or resume) an exam: only the CSRF token."""


class SubmitForm(Form):
    """Submit the attempt for scoring."""


class AnswerForm(Form):
    """The question page without JavaScript: answer, flag, strike-outs, where to go."""

    choice = SelectMultipleField(choices=list(LABELS),
                                 validate_choice=True)
    struck = SelectMultipleField(choices=list(LABELS),
                                 validate_choice=True)
    flagged = BooleanField()
    seconds_spent = IntegerField(validators=[Optional(), NumberRange(min=0, max=24 * 3600)])
    # \Z, not $: "next\n" must not pass (Python's $ matches before a final newline).
    go = StringField(validators=[Optional(), Regexp(r"\A(prev|next|summary|stay|\d{1,3})\Z",
                                                    message="Unknown destination.")])


class SaveRequest(BaseModel):
    """Body of the autosave call. Strict: a wrong type is a 422, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

    seq: int = Field(ge=1, le=2**53)
    selected: list[str] = Field(max_length=6)
    flagged: bool = False
    struck: list[str] = Field(default_factory=list, max_length=6)
    seconds_spent: int | None = Field(default=None, ge=0, le=24 * 3600)
