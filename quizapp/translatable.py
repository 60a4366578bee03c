"""Marking text for translation where Flask is not imported (the plain rule modules)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown.

    Plain modules return English messages marked this way (pybabel extracts
    them with `-k N_`); the route that shows one passes it through gettext.
    """
    return message
