"""Items that test the same point in other words: TF-IDF cosine over the stem and the key.

Word-triple overlap (loader.near_duplicate_pairs) finds the same wording; this
finds the same point worded differently, within and across domains. Two items
are compared on their stems together with the text of their keys, so two
scenarios whose right answers are the same rule score high even when their
stories differ. Pairs already in one enemy group are fine: the exam never
shows both.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from .cues import STOP_WORDS

# Measured on the shipped banks: the pairs reviewers found testing one fact
# scored 0.45-0.6; distinct items stay below 0.35.
SAME_MEANING_THRESHOLD = 0.45
# Words in more than this share of a track's items say nothing about a pair
# (and skipping them keeps the comparison fast).
COMMON_SHARE = 0.08


def _terms(text: str) -> Counter[str]:
    words = [w for w in re.findall(r"[a-z0-9_]+", text.lower()) if w not in STOP_WORDS and len(w) > 2]
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:])])


def same_meaning_pairs(texts: dict[str, str], threshold: float = SAME_MEANING_THRESHOLD) -> list[tuple[str, str, float]]:
    """Pairs of ids whose texts' TF-IDF vectors have a cosine of `threshold` or more."""
    bags = {ident: _terms(text) for ident, text in texts.items()}
    total = len(bags)
    frequency: Counter[str] = Counter()
    for bag in bags.values():
        frequency.update(bag.keys())
    vectors: dict[str, dict[str, float]] = {}
    for ident, bag in bags.items():
        weights = {t: (1 + math.log(n)) * math.log(total / frequency[t]) for t, n in bag.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors[ident] = {t: w / norm for t, w in weights.items()}
    postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    limit = max(2, int(COMMON_SHARE * total))
    for ident, vector in vectors.items():
        for term, weight in vector.items():
            if frequency[term] <= limit:
                postings[term].append((ident, weight))
    dots: Counter[tuple[str, str]] = Counter()
    for entries in postings.values():
        for i, (first, a) in enumerate(entries):
            for second, b in entries[i + 1:]:
                dots[(first, second) if first < second else (second, first)] += a * b
    return sorted(((a, b, s) for (a, b), s in dots.items() if s >= threshold), key=lambda p: -p[2])
