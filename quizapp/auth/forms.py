"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..extensions import db
from ..models import User

MIN_PASSWORD_LENGTH = 10


def normalise_email(value: str | None) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return (value or "").strip().lower()


class RegisterForm(FlaskForm):
    """New account: email and a password typed twice."""

    email = EmailField(
        "Email",
        filters=[normalise_email],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Create account")

    def validate_email(self, field) -> None:
        """Refuse an email that already has an account."""
        taken = db.session.scalar(db.select(User.id).where(User.email == field.data))
        if taken is not None:
            raise ValidationError("An account with this email already exists. Log in instead.")


class LoginForm(FlaskForm):
    """Log in with email and password."""

    email = EmailField(
        "Email", filters=[normalise_email], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")
