"""Forms and request bodies of the exam pages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, Regexp

from flask_babel import lazy_gettext as _l

from ..forms import Form
from .attempts import LABELS

# Each language named in itself: a learner looks for their own language's name.
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}


class StartForm(Form):
    """Start (or resume) an exam, in one of the track's languages."""

    language = RadioField(choices=[SelectChoice("en", "English")], default="en", validate_choice=True)

    def __init__(self, *args, languages: list[str] | None = None, preferred: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        offer_languages(self.language, languages or ["en"], preferred)


def offer_languages(field: RadioField, languages: list[str], preferred: str) -> None:
    """Offer a track's languages, each named in itself; unless one was posted, the
    learner's interface language is chosen when the track has it, else English."""
    field.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code), render_kw={"lang": code})
                     for code in languages]
    if not field.raw_data:
        field.data = preferred if preferred in languages else "en"


class SubmitForm(Form):
    """Submit the attempt for scoring; the page at zero says it was the one."""

    by = HiddenField()


# Fits the database's integer; the server caps a figure at the time actually run.
MAX_SECONDS = 2**31 - 1


class AnswerForm(Form):
    """The question page without JavaScript: answer, flag, strike-outs, where to go."""

    choice = SelectMultipleField(choices=list(LABELS),
                                 validate_choice=True)
    struck = SelectMultipleField(choices=list(LABELS),
                                 validate_choice=True)
    flagged = BooleanField()
    # Any figure: the server caps it at the time the attempt has run. A bound here
    # refused the whole answer once a page's figure passed it.
    seconds_spent = IntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_SECONDS)])
    # The newest save the page had seen: an older page's post does not undo a newer answer.
    seq = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**53)])
    # \Z, not $: "next\n" must not pass (Python's $ matches before a final newline).
    go = StringField(validators=[Optional(), Regexp(r"\A(prev|next|summary|stay|\d{1,3})\Z",
                                                    message=_l("Unknown destination."))])


class SaveRequest(BaseModel):
    """Body of the autosave call. Strict: a wrong type is a 422, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

    seq: int = Field(ge=1, le=2**53)
    selected: list[str] = Field(max_length=6)
    flagged: bool = False
    struck: list[str] = Field(default_factory=list, max_length=6)
    seconds_spent: int | None = Field(default=None, ge=0, le=MAX_SECONDS)
