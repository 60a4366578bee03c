"""An explanation names options in the letters the learner saw, not the bank's keys."""

from __future__ import annotations

import pytest

from quizapp.exam.explanations import in_shown_letters

# Shown order c, a, d, b: the bank's a is shown as B, b as D, c as A, d as C.
SHOWN = {"c": "A", "a": "B", "d": "C", "b": "D"}


@pytest.mark.parametrize("written, read", [
    ("Consent (b) does not lift it.", "Consent (D) does not lift it."),
    ("Right (a). Wrong (c).", "Right (B). Wrong (A)."),
    # Several keys at once are listed in the order shown.
    ("(a, c)", "(A, B)"),
    ("(b and d)", "(C and D)"),
    ("(c or d)", "(A or C)"),
    ("(b & a)", "(B & D)"),
    ("(a,b)", "(B,D)"),
    ("(a, b, and d)", "(B, C, and D)"),
    ("(a, b or c)", "(A, B or D)"),
    ("(c、d)", "(A、C)"),
    ("(c is wrong)", "(A is wrong)"),
    ("(c は誤り)", "(A は誤り)"),
    ("(as in b)", "(as in D)"),
    ("Option a ignores the fee.", "Option B ignores the fee."),
    ("option b, the closest", "option D, the closest"),
    ("Options b and c charge fees.", "Options A and D charge fees."),
    ("Choice d fails; choices a, b and c do not.", "Choice C fails; choices A, B and D do not."),
    ("Option a's rule", "Option B's rule"),
    ("選択肢 (a) が当てはまる", "選択肢 (B) が当てはまる"),
    ("so b is wrong.", "so D is wrong."),
    ("したがって c は誤りです", "したがって A は誤りです"),
    ("したがって c も誤りです", "したがって A も誤りです"),
    ("(d), so c is wrong as well", "(C), so A is wrong as well"),
])
def test_each_reference_to_a_bank_key_is_read_in_the_shown_letter(written, read):
    assert in_shown_letters(written, SHOWN) == read


@pytest.mark.parametrize("text", [
    "(a new one)",                      # an article, not an option
    "a charge (e.g. a refund)",
    "(e)",                              # not one of this question's keys
    "(a, e)",                           # one of them is not a key: left as written
    "Option e is not here",
    "Options a and e",
    "answers a question",               # only "option" and "choice" name options
    "the premise is wrong",             # the e of a word
    "so e is wrong",                    # not one of this question's keys
    "e は誤り",
    "`a is wrong`",                     # code, not prose
    "account (s)",
    "(A)",                              # already a shown letter
    "(ab)",
    "Option ab",
    "(a b)",
    "Optional a",
])
def test_anything_else_is_left_as_written(text):
    assert in_shown_letters(text, SHOWN) == text


def test_every_reference_in_a_longer_explanation_is_read_at_once():
    written = ("Pausing payouts works (b). Rejecting (a) is for accounts flagged as suspicious, and "
               "option c is wrong; so d is wrong too (as in c, d).")
    assert in_shown_letters(written, SHOWN) == (
        "Pausing payouts works (D). Rejecting (B) is for accounts flagged as suspicious, and "
        "option A is wrong; so C is wrong too (as in A, C).")


def test_a_key_shown_under_its_own_letter_is_still_written_in_capitals():
    assert in_shown_letters("(a) and option b", {"a": "A", "b": "B"}) == "(A) and option B"
