"""Account forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import Form
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
            raise ValidationError(problem)


class RegisterForm(Form):
    """New account: email and a password typed twice."""

    email = EmailField(
        "Email",
        filters=[normalise_email],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField("Password", validators=[DataRequired(), NewPassword()])
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Create account")


class LoginForm(Form):
    """Log in with email and password."""

    email = EmailField(
        "Email", filters=[normalise_email], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Log in")


class PasswordChangeForm(Form):
    """Change the password: the current one, then the new one twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    password = PasswordField("New password", validators=[DataRequired(), NewPassword(None)])
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Change password")

    def __init__(self, *args, account_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class EndSessionsForm(Form):
    """Log out everywhere: only the CSRF token."""
