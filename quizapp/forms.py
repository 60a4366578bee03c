"""The base of every form: Flask-WTF's, reading only what a form can send."""

from __future__ import annotations

import functools

from babel import support
from flask import jsonify, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import ImmutableMultiDict
from wtforms.i18n import messages_path

from .i18n import gettext as _

SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@functools.cache
def _wtforms_catalog(locale: str) -> support.NullTranslations:
    """WTForms' own messages ("This field is required.") in `locale`, read once per process.

    Flask-WTF reads and parses this catalog file again on every request that builds a
    form: about 1 ms of each exam start, for a file that never changes while we run.
    """
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """A FlaskForm that takes a JSON body only as an object of text fields.

    Flask-WTF also reads JSON bodies as form data and hands them to MultiDict
    as they are: `false` raised a TypeError, and a nested object reached the
    validators as a dict. Both were 500s; now such values are simply absent.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # A form is built inside a request, whose language is known by then.
            locale = get_locale()
            return _wtforms_catalog(str(locale)) if locale is not None else None

        def wrap_formdata(self, form, formdata):
            if (request.method in SUBMIT_METHODS and request.is_json
                    and not request.form and not request.files):
                body = request.get_json(silent=True)
                body = body if isinstance(body, dict) else {}
                return ImmutableMultiDict({
                    key: value for key, value in body.items()
                    if isinstance(value, str)
                    or (isinstance(value, list) and all(isinstance(v, str) for v in value))})
            return super().wrap_formdata(form, formdata)


def json_body(model: type[BaseModel]):
    """The request's JSON object validated as `model`: (body, None), or (None, a 400/422
    response saying what is wrong) for the page's script to show."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, (jsonify(error=_("Send the answer as a JSON object.")), 400)
    try:
        return model.model_validate(body), None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return None, (jsonify(error=_("%(where)s: %(problem)s", where=where, problem=first["msg"])), 422)
