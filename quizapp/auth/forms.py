"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import Form
from ..i18n import gettext
from .passwords import MAX_LENGTH, password_problem


def normalise_email(value: str | None) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return (value or "").strip().lower()


class NewPassword:
    """Validator: the password rules of `passwords`, checked against the form's email."""

    def __init__(self, email_field: str | None = "email"):
        self.email_field = email_field

    def __call__(self, form, field) -> None:
        email = form[self.email_field].data if self.email_field else getattr(form, "account_email", "")
        problem = password_problem(field.data or "", email or "")
        if problem:
            message, values = problem
            raise ValidationError(gettext(message, **values))


class RegisterForm(Form):
    """New account: email and a password typed twice."""

    email = EmailField(
        _l("Email"),
        filters=[normalise_email],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), NewPassword()])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(Form):
    """Log in with email and password."""

    email = EmailField(
        _l("Email"), filters=[normalise_email], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Log in"))


class PasswordChangeForm(Form):
    """Change the password: the current one, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), NewPassword(None)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))

    def __init__(self, *args, account_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    def validate_password(self, field) -> None:
        """A 'change' to the same password would end every other session and change nothing."""
        if field.data and field.data == self.current.data:
            raise ValidationError(_l("Choose a new password, not the current one."))


class EndSessionsForm(Form):
    """Log out everywhere: only the CSRF token."""
