"""Item statistics for authors, after Moodle's quiz statistics report.

Per question version, from the responses in finished attempts: how many, facility (share
right), discrimination (point-biserial correlation of the item with the rest of the attempt's
score), each choice's selection rate, mean time, flag rate and changed-answer rate. Items with
enough responses whose figures suggest a fault are marked for review, with the reason.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..translatable import N_

# Below this many responses a figure is too noisy to accuse an item of anything.
MIN_RESPONSES_FOR_REVIEW = 30
FACILITY_LOW, FACILITY_HIGH = 0.20, 0.95
DISCRIMINATION_LOW = 0.10


@dataclass(frozen=True)
class Response:
    """One question as answered in one finished attempt."""

    item_id: Hashable
    attempt_id: Hashable
    correct: bool
    selected: Sequence[str]
    choices: Sequence[str]
    seconds: int
    flagged: bool
    changed: bool


@dataclass
class ItemStats:
    """The figures for one question version."""

    item_id: Hashable
    responses: int
    facility: float
    # None when it cannot be computed: every response alike, or every rest score alike.
    discrimination: float | None
    choice_rates: dict[str, float]
    mean_seconds: float
    flag_rate: float
    changed_rate: float
    review: list[str] = field(default_factory=list)

    @property
    def review_messages(self) -> list[tuple[str, dict]]:
        """The review reasons as marked messages with values, for a page to translate."""
        return review_messages(self.responses, self.facility, self.discrimination)


def answer_changed(history: Iterable[Sequence[str]], choose: int) -> bool:
    """True when the learner gave two different complete answers.

    A choose-N answer is given only once it has N picks: the first tick of a
    "choose two" on the way to the second is not a change of mind.
    """
    given = [frozenset(a) for a in history if len(a) >= max(choose, 1)]
    return len(set(given)) > 1


FACILITY_UNDER = N_("facility %(facility).2f under %(low).2f: is the key right, the stem clear?")
FACILITY_OVER = N_("facility %(facility).2f over %(high).2f: is the answer given away?")
DISCRIMINATION_UNDER = N_("discrimination %(discrimination).2f under %(low).2f: "
                          "strong learners do no better on it than weak ones")


def review_messages(responses: int, facility: float, discrimination: float | None) -> list[tuple[str, dict]]:
    """Why an item needs an author's look, as marked messages with their values (translated where shown)."""
    if responses < MIN_RESPONSES_FOR_REVIEW:
        return []
    messages = []
    if facility < FACILITY_LOW:
        messages.append((FACILITY_UNDER, {"facility": facility, "low": FACILITY_LOW}))
    if facility > FACILITY_HIGH:
        messages.append((FACILITY_OVER, {"facility": facility, "high": FACILITY_HIGH}))
    if discrimination is not None and discrimination < DISCRIMINATION_LOW:
        messages.append((DISCRIMINATION_UNDER, {"discrimination": discrimination, "low": DISCRIMINATION_LOW}))
    return messages


def review_reasons(responses: int, facility: float, discrimination: float | None) -> list[str]:
    """Why an item needs an author's look, in English; empty when it does not (or has too few responses)."""
    return [message % values for message, values in review_messages(responses, facility, discrimination)]


def item_statistics(responses: Sequence[Response]) -> list[ItemStats]:
    """Figures per item, in the order items first appear.

    The rest score of a response is its attempt's number right without this item, counted
    over the responses given: pass every response of an attempt, not a sample of them.
    """
    if not responses:
        return []
    item_index: dict[Hashable, int] = {}
    attempt_index: dict[Hashable, int] = {}
    items = np.fromiter((item_index.setdefault(r.item_id, len(item_index)) for r in responses),
                        dtype=np.intp, count=len(responses))
    attempts = np.fromiter((attempt_index.setdefault(r.attempt_id, len(attempt_index)) for r in responses),
                           dtype=np.intp, count=len(responses))
    x = np.fromiter((r.correct for r in responses), dtype=float, count=len(responses))
    count = len(item_index)
    rest = np.bincount(attempts, x, len(attempt_index))[attempts] - x
    n = np.bincount(items, minlength=count).astype(float)
    sum_x = np.bincount(items, x, count)
    sum_y = np.bincount(items, rest, count)
    sum_xy = np.bincount(items, x * rest, count)
    sum_yy = np.bincount(items, rest * rest, count)
    # Pearson's r of 0/1 correctness with the rest score, from sums (x*x == x).
    cov = sum_xy / n - (sum_x / n) * (sum_y / n)
    var_x = sum_x / n - (sum_x / n) ** 2
    var_y = sum_yy / n - (sum_y / n) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(var_x * var_y)
    seconds = np.bincount(items, np.fromiter((r_.seconds for r_ in responses), dtype=float,
                                             count=len(responses)), count)
    flags = np.bincount(items, np.fromiter((r_.flagged for r_ in responses), dtype=float,
                                           count=len(responses)), count)
    changes = np.bincount(items, np.fromiter((r_.changed for r_ in responses), dtype=float,
                                             count=len(responses)), count)
    picks: list[dict[str, int]] = [{} for _ in range(count)]
    for i, response in zip(items.tolist(), responses):
        tally = picks[i]
        if not tally:
            tally.update((key, 0) for key in response.choices)
        for key in response.selected:
            tally[key] = tally.get(key, 0) + 1
    stats = []
    for item_id, i in item_index.items():
        total = n[i]
        facility = float(sum_x[i] / total)
        # Tiny variances are rounding, not spread: treat them as none.
        discrimination = (float(r[i]) if var_x[i] > 1e-12 and var_y[i] > 1e-12 else None)
        stats.append(ItemStats(
            item_id=item_id, responses=int(total), facility=facility, discrimination=discrimination,
            choice_rates={key: picked / total for key, picked in sorted(picks[i].items())},
            mean_seconds=float(seconds[i] / total), flag_rate=float(flags[i] / total),
            changed_rate=float(changes[i] / total),
            review=review_reasons(int(total), facility, discrimination)))
    return stats
