"""Explanations in the letters the learner saw.

A bank's explanation names options by the bank's own keys: "Consent (b) does
not lift the requirement", "Options b and c charge fees". A learner sees the
options shuffled and lettered A, B, C... in the order shown, so "(b)" can sit
under the option shown as D, and an explanation that says the right option is
wrong teaches the wrong thing. Each reference is rewritten in shown letters
for that learner's order.

Plain text rules, no Flask: the review and practice pages call them with the
explanation (English or translated) and the question's bank key -> shown letter map.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# A bank key on its own in parentheses, or several with separators: "(b)",
# "(a, c)", "(b and d)", "(c or d)", "(c、d)" (Japanese), and the few that
# say more: "(c is wrong)", "(c は誤り)", "(as in c)".
_KEY = r"[a-f]"
_JOINED = rf"{_KEY}(?:\s*(?:,|、|&)\s*{_KEY}|\s+(?:and|or)\s+{_KEY}|(?:,\s*|\s+)(?:and|or)\s+{_KEY})*"
_IN_PARENTHESES = re.compile(rf"\((?P<prefix>as in )?(?P<keys>{_JOINED})(?P<suffix> is wrong| は誤り)?\)")
# "Option a ...", "Options b and c ...", "choice d": the word, then bare keys.
_NAMED = re.compile(rf"\b(?P<word>[Oo]ptions?|[Cc]hoices?) (?P<keys>{_JOINED})\b")
# A bare key said to be wrong: "so b is wrong", "c は誤り", "c も誤り".
_WRONG = re.compile(rf"(?<![\w'’`-])(?P<keys>{_KEY})(?P<said> is wrong| は誤り| も誤り)")
# One key among the separators: not a letter of "and" or "or".
_ONE_KEY = re.compile(rf"(?<![A-Za-z]){_KEY}(?![A-Za-z])")


def _in_shown_order(keys: str, labels: Mapping[str, str]) -> str | None:
    """`keys` (letters and separators) with each letter shown, in shown order; None if one is not a key."""
    found = _ONE_KEY.findall(keys)
    if any(key not in labels for key in found):
        return None
    shown = iter(sorted(labels[key] for key in found))
    return _ONE_KEY.sub(lambda _match: next(shown), keys)


def in_shown_letters(explanation: str, labels: Mapping[str, str]) -> str:
    """`explanation` with every reference to a bank key in the letter shown for it.

    `labels` maps each bank key to its shown letter (`labels_for(choice_order)`).
    A letter that is not one of the question's keys is left as written, so
    "(a new one)" or an unrelated "(e)" stays what it was.
    """
    def parenthesised(match: re.Match) -> str:
        shown = _in_shown_order(match["keys"], labels)
        if shown is None:
            return match[0]
        return f"({match['prefix'] or ''}{shown}{match['suffix'] or ''})"

    def named(match: re.Match) -> str:
        shown = _in_shown_order(match["keys"], labels)
        return match[0] if shown is None else f"{match['word']} {shown}"

    def said_wrong(match: re.Match) -> str:
        shown = _in_shown_order(match["keys"], labels)
        return match[0] if shown is None else f"{shown}{match['said']}"

    text = _IN_PARENTHESES.sub(parenthesised, explanation)
    return _WRONG.sub(said_wrong, _NAMED.sub(named, text))
