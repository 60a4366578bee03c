"""Assemble an exam from a track's questions by the domain weights.

Plain Python: the caller passes the candidates, the user's history and a seed,
so the same inputs always give the same exam (and tests need no database).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A question that may be drawn: its identity, domain and choice keys."""

    ref: int | str
    domain: str
    choice_keys: tuple[str, ...]
    shuffle: bool = True
    # Items that test the same fact or cue each other share a group; an exam
    # holds at most one question of each group.
    enemy_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlacedQuestion:
    """A question placed in an exam, with the order its choices are shown in."""

    ref: int | str
    domain: str
    choice_order: tuple[str, ...]


@dataclass(frozen=True)
class AssembledExam:
    """The result of assembly: the length and the questions in exam order."""

    seed: int
    length: int
    questions: tuple[PlacedQuestion, ...]

    def domain_counts(self) -> dict[str, int]:
        """How many questions each domain got."""
        counts: dict[str, int] = {}
        for q in self.questions:
            counts[q.domain] = counts.get(q.domain, 0) + 1
        return counts


class NotEnoughQuestions(ValueError):
    """The bank cannot fill an exam of the chosen length."""


def largest_remainder(
    total: int, weights: Mapping[str, int], prefer: Mapping[str, float] | None = None
) -> dict[str, int]:
    """Split `total` seats over domains in proportion to `weights`.

    Each domain gets the whole part of its exact share; the seats left go to
    the largest fractional parts. Equal fractions (7.5 and 2.5 seats, say) go
    to the domain `prefer` ranks higher, then to the domain listed first, so
    the result never depends on hashing or on luck.
    """
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("weights must sum to more than zero")
    prefer = prefer or {}
    quotas: dict[str, int] = {}
    order: list[tuple[int, float, int, str]] = []
    for index, (slug, weight) in enumerate(weights.items()):
        whole, remainder = divmod(total * weight, weight_sum)
        quotas[slug] = whole
        order.append((-remainder, -prefer.get(slug, 0.0), index, slug))
    left = total - sum(quotas.values())
    for *_, slug in sorted(order)[:left]:
        quotas[slug] += 1
    return quotas


def largest_quotas(min_questions: int, max_questions: int, weights: Mapping[str, int]) -> dict[str, int]:
    """The most questions any exam length in [min, max] can ask of each domain.

    A domain tied for a leftover seat may win it, whatever the tie-break.
    """
    weight_sum = sum(weights.values())
    most = {slug: 0 for slug in weights}
    for length in range(min_questions, max_questions + 1):
        shares = {slug: divmod(length * w, weight_sum) for slug, w in weights.items()}
        left = length - sum(whole for whole, _ in shares.values())
        remainders = sorted((r for _, r in shares.values()), reverse=True)
        cutoff = remainders[left - 1] if left else None
        for slug, (whole, remainder) in shares.items():
            extra = 1 if left and remainder > 0 and remainder >= cutoff else 0
            most[slug] = max(most[slug], whole + extra)
    return most


def unseen_preference(unseen: Mapping[str, int], weights: Mapping[str, int]) -> dict[str, float]:
    """Rank domains for a tied leftover seat by unseen questions per unit of weight.

    Giving the seat to the domain with the most fresh questions left lets a
    learner sit as many full exams as the bank holds before any repeat.
    """
    return {slug: unseen.get(slug, 0) / w for slug, w in weights.items() if w}


def full_exams_without_repeat(counts: Mapping[str, int], weights: Mapping[str, int], length: int,
                              limit: int = 1000) -> int:
    """How many exams of `length` one learner can sit before a question repeats.

    Simulates the assembler's own quota rule, so the figure is what learners get.
    """
    unseen = dict(counts)
    exams = 0
    while exams < limit:
        quotas = largest_remainder(length, weights, unseen_preference(unseen, weights))
        if any(quotas[d] > unseen.get(d, 0) for d in weights):
            return exams
        for d in weights:
            unseen[d] -= quotas[d]
        exams += 1
    return exams


def assemble(
    *,
    seed: int,
    min_questions: int,
    max_questions: int,
    weights: Mapping[str, int],
    candidates: Sequence[Candidate],
    times_seen: Mapping[int | str, int],
) -> AssembledExam:
    """Choose the questions of one exam.

    The length is uniform in [min, max]; each domain gets its largest-remainder
    quota (a tied leftover seat goes to the domain with more unseen questions);
    within a domain the questions this user has seen least come first (never
    seen before all others), ties broken at random, skipping any question whose
    enemy group is already in the exam; then question order and, where
    allowed, choice order are shuffled.
    """
    rng = random.Random(seed)
    length = rng.randint(min_questions, max_questions)
    unseen: dict[str, int] = {}
    for candidate in candidates:
        if not times_seen.get(candidate.ref, 0):
            unseen[candidate.domain] = unseen.get(candidate.domain, 0) + 1
    quotas = largest_remainder(length, weights, unseen_preference(unseen, weights))

    by_domain: dict[str, list[Candidate]] = {slug: [] for slug in weights}
    # Sorting by ref first makes the draw independent of the caller's order.
    for candidate in sorted(candidates, key=lambda c: str(c.ref)):
        if candidate.domain in by_domain:
            by_domain[candidate.domain].append(candidate)

    chosen: list[Candidate] = []
    taken_groups: set[str] = set()
    for slug in weights:
        pool = by_domain[slug]
        if len(pool) < quotas[slug]:
            raise NotEnoughQuestions(
                f"domain {slug} has {len(pool)} questions but this exam needs {quotas[slug]}"
            )
        tie_breaks = {c.ref: rng.random() for c in pool}
        pool.sort(key=lambda c: (times_seen.get(c.ref, 0), tie_breaks[c.ref]))
        picked = 0
        for candidate in pool:
            if picked == quotas[slug]:
                break
            if taken_groups.intersection(candidate.enemy_groups):
                continue  # an item of its group is already in this exam
            chosen.append(candidate)
            taken_groups.update(candidate.enemy_groups)
            picked += 1
        if picked < quotas[slug]:
            raise NotEnoughQuestions(
                f"domain {slug} has only {picked} questions that are not enemies of one another "
                f"but this exam needs {quotas[slug]}")

    rng.shuffle(chosen)
    placed = []
    for candidate in chosen:
        order = list(candidate.choice_keys)
        if candidate.shuffle:
            rng.shuffle(order)
        placed.append(PlacedQuestion(candidate.ref, candidate.domain, tuple(order)))
    return AssembledExam(seed=seed, length=length, questions=tuple(placed))
