"""Password rules after NIST SP 800-63B: length, not the email, not a common password.

No composition rules (they push people to "Password1!"); instead a list of
passwords seen in breaches, the 30,000 that zxcvbn ships.
"""

from __future__ import annotations

import functools

from ..translatable import N_

MIN_LENGTH = 10
# 800-63B asks for at least 64; a pass phrase may well be longer.
MAX_LENGTH = 256


@functools.cache
def common_passwords() -> frozenset[str]:
    """Passwords common enough that an attacker tries them first."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str) -> tuple[str, dict] | None:
    """Why a password is refused, as an English message marked for translation and its
    values; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least %(n)s characters."), {"n": MIN_LENGTH}
    if len(password) > MAX_LENGTH:
        return N_("Use at most %(n)s characters."), {"n": MAX_LENGTH}
    folded = password.casefold()
    if email and (folded == email.casefold() or folded == email.split("@")[0].casefold()):
        return N_("Do not use your email address as your password."), {}
    if folded in common_passwords():
        return N_("This password is one of the most common ones; choose one that is harder to guess."), {}
    return None
