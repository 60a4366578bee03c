"""Scoring: exact-set matching, percent of exam length, per-domain results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def is_correct(selected: Iterable[str], answer: Iterable[str]) -> bool:
    """A question is right only when the chosen set equals the key exactly.

    "Choose N" questions are all-or-nothing, as on the real exam.
    """
    return set(selected) == set(answer)


@dataclass
class DomainScore:
    """One domain's results in one attempt."""

    domain: str
    correct: int = 0
    total: int = 0

    @property
    def percent(self) -> float:
        """Correct as a percent of the domain's questions."""
        return 100.0 * self.correct / self.total if self.total else 0.0


@dataclass
class Score:
    """An attempt's result."""

    correct: int
    length: int
    pass_percent: int
    domains: list[DomainScore] = field(default_factory=list)

    @property
    def percent(self) -> float:
        """Correct answers as a percent of the exam's length."""
        return 100.0 * self.correct / self.length if self.length else 0.0

    @property
    def passed(self) -> bool:
        """At or above the pass mark; compared in integers to avoid rounding."""
        return self.correct * 100 >= self.pass_percent * self.length


def score(
    items: Sequence[tuple[str, Iterable[str], Iterable[str]]], pass_percent: int,
    domain_order: Sequence[str] = (),
) -> Score:
    """Score `(domain, selected, answer)` triples.

    Domains come back weakest first (lowest percent, then the track's order),
    which is the order a learner should study them in.
    """
    per_domain: dict[str, DomainScore] = {slug: DomainScore(slug) for slug in domain_order}
    correct = 0
    for domain, selected, answer in items:
        result = per_domain.setdefault(domain, DomainScore(domain))
        result.total += 1
        if is_correct(selected, answer):
            result.correct += 1
            correct += 1
    order = {slug: i for i, slug in enumerate(per_domain)}
    domains = sorted((d for d in per_domain.values() if d.total),
                     key=lambda d: (d.percent, order[d.domain]))
    return Score(correct=correct, length=len(items), pass_percent=pass_percent, domains=domains)
