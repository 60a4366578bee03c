"""Forms and request bodies of the exam pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from pydantic import BaseModel, ConfigDict, Field
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import NumberRange, Optional, Regexp

from .attempts import LABELS


class StartForm(FlaskForm):
    """Start (or resume) an exam: only the CSRF token."""


class SubmitForm(FlaskForm):
    """Submit the attempt for scoring."""


class AnswerForm(FlaskForm):
    """The question page without JavaScript: answer, flag, strike-outs, where to go."""

    choice = SelectMultipleField(choices=list(LABELS),
                                 validate_choice=True)
    struck = SelectMultipleField(choices=list(LABELS),
                                 validate_choice=True)
    flagged = BooleanField()
    seconds_spent = IntegerField(validators=[Optional(), NumberRange(min=0, max=24 * 3600)])
    go = StringField(validators=[Optional(), Regexp(r"^(prev|next|summary|stay|\d{1,3})$")])


class SaveRequest(BaseModel):
    """Body of the autosave call. Strict: a wrong type is a 422, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

    seq: int = Field(ge=1, le=2**53)
    selected: list[str] = Field(max_length=6)
    flagged: bool = False
    struck: list[str] = Field(default_factory=list, max_length=6)
    seconds_spent: int | None = Field(default=None, ge=0, le=24 * 3600)
