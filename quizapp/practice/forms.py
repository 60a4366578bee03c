"""Forms and request bodies of the practice pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field
from wtforms import IntegerField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..exams.forms import offer_languages
from ..forms import Form
from ..i18n import gettext as _
from ..study.selection import MAX_COUNT, SOURCE_TITLES, SOURCES
from .sessions import MAX_TIME_LIMIT_MINUTES

COUNTS = ("10", "20", "50", "custom")
DIFFICULTIES = (("easy", _l("Easy")), ("medium", _l("Medium")), ("hard", _l("Hard")))


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StartPracticeForm(Form):
    """Scope and source of a new practice session. Domains are the track's, set per request."""

    domains = CheckboxesField(_l("Domains (none ticked: all)"), choices=[], validate_choice=True)
    difficulties = CheckboxesField(_l("Difficulty (none ticked: all)"), choices=[SelectChoice(v, t) for v, t in DIFFICULTIES],
                                   validate_choice=True)
    count = RadioField(_l("Questions"), choices=[SelectChoice(c, c if c != "custom" else _l("Custom")) for c in COUNTS],
                       default="10")
    custom_count = IntegerField(_l("Custom number of questions (1 to %(max)s)", max=MAX_COUNT),
                                validators=[Optional(), NumberRange(min=1, max=MAX_COUNT)])
    source = RadioField(_l("Questions to draw"), choices=[SelectChoice(s, _l(SOURCE_TITLES[s])) for s in SOURCES], default="any")
    time_limit = IntegerField(_l("Time limit in minutes (optional, up to %(max)s)", max=MAX_TIME_LIMIT_MINUTES),
                              validators=[Optional(), NumberRange(min=1, max=MAX_TIME_LIMIT_MINUTES)])
    language = RadioField(_l("Language of the questions"), choices=[SelectChoice("en", "English")], default="en",
                          validate_choice=True)

    def for_track(self, domains: list[dict], languages: list[str], preferred: str) -> StartPracticeForm:
        """Offer the track's domains and languages (the interface's, when the track has it, first)."""
        self.domains.choices = [SelectChoice(d["slug"], d["title"]) for d in domains]
        offer_languages(self.language, languages, preferred)
        return self

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields; a custom count is required when "Custom" is chosen."""
        valid = super().validate(extra_validators)
        if valid and self.count.data == "custom" and self.custom_count.data is None:
            self.custom_count.errors = [_("Give a number of questions from 1 to %(max)s.", max=MAX_COUNT)]
            return False
        return valid

    def question_count(self) -> int:
        """The number of questions asked for: a number typed in is what was asked for,
        whichever button is ticked (a learner typed 15, left 10 ticked and got 10)."""
        return self.custom_count.data if self.custom_count.data is not None else int(self.count.data)


class SessionForm(Form):
    """Finish a session, or drill its missed questions: only the CSRF token."""


class CheckRequest(BaseModel):
    """Body of the check call. The answer to check; omit `selected` to check the saved one."""

    model_config = ConfigDict(extra="forbid", strict=True)

    selected: list[str] | None = Field(default=None, max_length=6)
    flagged: bool | None = None
