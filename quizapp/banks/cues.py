"""Answer cues: what a test-wise learner could use to guess keys without knowing Stripe.

Plain functions over validated questions. The measures follow the item-writing
literature's classic cues: the key is the longest (or shortest) option, the key
repeats the stem's words, absolutes ("always", "never") sit in distractors.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .schema import QuestionSpec

ABSOLUTES = re.compile(r"\b(always|never|only|all|none|every|must)\b", re.IGNORECASE)
STOP_WORDS = frozenset(
    "a an the and or of to in on for with by at from is are be it its this that which what how "
    "when should their they them as can will not no but if into per your you our we".split())
# A track of at least this many single-answer items is held to the rule below.
CUE_RULE_MIN_ITEMS = 100
# How far a length rank's share of keys may stray from chance, in points.
CUE_RULE_MAX_POINTS = 10.0
# A single key this much longer than every other option, in characters and as a
# share, gives itself away whatever the track's figures: an audit of the shipped
# banks found 29 such items, each answerable on length alone.
CONSPICUOUS_CHARACTERS = 20
CONSPICUOUS_SHARE = 1.25


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9_]+", text.lower()) if w not in STOP_WORDS and len(w) > 2}


def length_rank(spec: QuestionSpec, key: str) -> int:
    """1 when the option `key` is the longest of the item's options, n when it is the shortest.

    Ties share the better rank: equal lengths give no cue.
    """
    length = len(spec.choices[key])
    return 1 + sum(1 for text in spec.choices.values() if len(text) > length)


@dataclass
class CueReport:
    """The cue figures for one group of items (single-answer or choose-N)."""

    items: int = 0
    # rank -> share of keys at that length rank; chance -> the share luck would give.
    rank_share: dict[int, float] | None = None
    rank_chance: dict[int, float] | None = None
    key_longest: float = 0.0
    key_shortest: float = 0.0
    key_most_stem_words: float = 0.0
    absolutes_in_keys: float = 0.0
    absolutes_in_distractors: float = 0.0

    def worst_rank_gap(self) -> tuple[int, float]:
        """The length rank furthest from chance, and by how many points (signed)."""
        if not self.rank_share:
            return 0, 0.0
        gaps = {r: 100 * (self.rank_share.get(r, 0.0) - self.rank_chance[r]) for r in self.rank_chance}
        rank = max(gaps, key=lambda r: abs(gaps[r]))
        return rank, gaps[rank]

    def as_dict(self) -> dict:
        """JSON-ready, shares in percent with one decimal."""
        pct = lambda v: round(100 * v, 1)  # noqa: E731
        return {
            "items": self.items,
            "key_length_rank": {str(r): pct(v) for r, v in sorted((self.rank_share or {}).items())},
            "key_length_rank_chance": {str(r): pct(v) for r, v in sorted((self.rank_chance or {}).items())},
            "key_longest": pct(self.key_longest),
            "key_shortest": pct(self.key_shortest),
            "key_shares_most_stem_words": pct(self.key_most_stem_words),
            "absolutes_in_keys": pct(self.absolutes_in_keys),
            "absolutes_in_distractors": pct(self.absolutes_in_distractors),
        }


def cue_report(specs: list[QuestionSpec]) -> CueReport:
    """Measure the cues over `specs`. For choose-N items every key counts as one answer."""
    report = CueReport(items=len(specs))
    if not specs:
        report.rank_share, report.rank_chance = {}, {}
        return report
    ranks: Counter[int] = Counter()
    chance: Counter[int] = Counter()
    keys_total = longest = shortest = most_words = 0
    abs_keys = abs_distractors = distractors_total = 0
    for spec in specs:
        keys = spec.answer_keys
        n = len(spec.choices)
        stem_words = _words(spec.stem)
        overlap = {k: len(_words(t) & stem_words) for k, t in spec.choices.items()}
        top_overlap = max(overlap.values())
        for key in keys:
            rank = length_rank(spec, key)
            ranks[rank] += 1
            keys_total += 1
            longest += rank == 1
            shortest += rank == n or all(len(spec.choices[key]) <= len(t) for t in spec.choices.values())
            # Only a sole leader counts: a tie for most shared words is no cue.
            most_words += (overlap[key] == top_overlap and top_overlap > 0
                           and sum(v == top_overlap for v in overlap.values()) == 1)
            abs_keys += bool(ABSOLUTES.search(spec.choices[key]))
        for rank in range(1, n + 1):
            chance[rank] += len(keys) / n
        for key, text in spec.choices.items():
            if key not in keys:
                distractors_total += 1
                abs_distractors += bool(ABSOLUTES.search(text))
    report.rank_share = {r: ranks[r] / keys_total for r in sorted(chance)}
    report.rank_chance = {r: chance[r] / keys_total for r in sorted(chance)}
    report.key_longest = longest / keys_total
    report.key_shortest = shortest / keys_total
    report.key_most_stem_words = most_words / keys_total
    report.absolutes_in_keys = abs_keys / keys_total
    report.absolutes_in_distractors = abs_distractors / max(distractors_total, 1)
    return report


def track_cues(specs: list[QuestionSpec]) -> dict[str, CueReport]:
    """Cue reports for a track's single-answer and choose-N items apart."""
    single = [s for s in specs if isinstance(s.answer, str)]
    multi = [s for s in specs if not isinstance(s.answer, str)]
    return {"single_answer": cue_report(single), "choose_n": cue_report(multi)}


def conspicuous_key(spec: QuestionSpec) -> tuple[int, int] | None:
    """(the key's length, the longest other option's) when a single-answer item's key
    is longer than every other option by CONSPICUOUS_CHARACTERS and by
    CONSPICUOUS_SHARE; None otherwise. Choose-N items are left to the track's figures."""
    if not isinstance(spec.answer, str):
        return None
    key = len(spec.choices[spec.answer])
    other = max(len(text) for option, text in spec.choices.items() if option != spec.answer)
    if key - other >= CONSPICUOUS_CHARACTERS and key >= CONSPICUOUS_SHARE * other:
        return key, other
    return None


def cue_rule_problem(single: CueReport) -> str | None:
    """Why a track fails the length-cue rule, or None when it passes or is too small to judge."""
    if single.items < CUE_RULE_MIN_ITEMS:
        return None
    rank, gap = single.worst_rank_gap()
    if abs(gap) <= CUE_RULE_MAX_POINTS:
        return None
    where = {1: "the longest option"}.get(rank, f"length rank {rank} (1 = longest)")
    return (f"the key is {where} on {100 * single.rank_share.get(rank, 0):.0f}% of "
            f"{single.items} single-answer items, {abs(gap):.0f} points "
            f"{'above' if gap > 0 else 'below'} chance; rewrite options so key lengths vary "
            f"(at most {CUE_RULE_MAX_POINTS:.0f} points from chance)")
