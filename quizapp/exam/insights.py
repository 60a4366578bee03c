"""What an attempt says beyond its score: flags, changed answers, time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemFacts:
    """What insight needs to know about one answered question."""

    position: int
    bank_id: str
    flagged: bool
    is_correct: bool
    seconds_spent: int
    # Each answer the learner saved, in order (lists of keys).
    answer_history: Sequence[Sequence[str]]
    answer: Sequence[str]


@dataclass
class Insight:
    """Accuracy on flagged vs unflagged, changed answers, slowest questions."""

    flagged_correct: int = 0
    flagged_total: int = 0
    unflagged_correct: int = 0
    unflagged_total: int = 0
    wrong_to_right: int = 0
    right_to_wrong: int = 0
    wrong_to_wrong: int = 0
    total_seconds: int = 0
    slowest: list[ItemFacts] = field(default_factory=list)

    @staticmethod
    def _percent(correct: int, total: int) -> float | None:
        return 100.0 * correct / total if total else None

    @property
    def flagged_percent(self) -> float | None:
        """Accuracy on the questions the learner flagged."""
        return self._percent(self.flagged_correct, self.flagged_total)

    @property
    def unflagged_percent(self) -> float | None:
        """Accuracy on the questions the learner did not flag."""
        return self._percent(self.unflagged_correct, self.unflagged_total)


def attempt_insight(items: Sequence[ItemFacts], slowest: int = 5) -> Insight:
    """Summarise one attempt's items.

    A changed answer compares the first answer the learner gave with the last:
    that is the decision a learner second-guessing themselves wants judged.
    An answer counts as given once it has as many picks as the key: picking
    the first of a "choose two" and then the second is not a change of mind.
    """
    insight = Insight()
    for item in items:
        if item.flagged:
            insight.flagged_total += 1
            insight.flagged_correct += item.is_correct
        else:
            insight.unflagged_total += 1
            insight.unflagged_correct += item.is_correct
        picks = len(set(item.answer))
        given = [set(a) for a in item.answer_history if len(set(a)) == picks]
        if len(given) >= 2 and given[0] != given[-1]:
            # The two answers differ, so at most one of them is the key.
            if given[-1] == set(item.answer):
                insight.wrong_to_right += 1
            elif given[0] == set(item.answer):
                insight.right_to_wrong += 1
            else:
                insight.wrong_to_wrong += 1
        insight.total_seconds += item.seconds_spent
    timed = [i for i in items if i.seconds_spent > 0]
    insight.slowest = sorted(timed, key=lambda i: (-i.seconds_spent, i.position))[:slowest]
    return insight
