"""The shipped banks: valid, big enough for five full exams, no near-duplicates."""

import math
from collections import Counter

import pytest

from quizapp.banks import load_banks
from quizapp.banks.loader import near_duplicate_pairs
from quizapp.cli import bank_stats
from quizapp.config import PROJECT_ROOT

SHIPPED = load_banks(PROJECT_ROOT / "question_banks")
TRACKS = {t.spec.slug: t for t in SHIPPED.tracks}


def test_shipped_banks_have_no_problems():
    assert [str(p) for p in SHIPPED.problems] == []
    assert set(TRACKS) == {"associate-architect", "professional-implementation-architect"}


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_each_track_has_250_questions_and_every_domain_its_minimum(slug):
    track = TRACKS[slug]
    counts = Counter(q.domain for q in track.questions)
    assert len(track.questions) >= 250
    for domain in track.spec.domains:
        assert counts[domain.slug] >= math.ceil(5 * 50 * domain.weight / 100), domain.slug
    assert bank_stats([track])[slug]["full_exams_without_repeat"] >= 5


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_no_near_duplicate_stems(slug):
    assert [(a.spec.id, b.spec.id) for a, b, _ in near_duplicate_pairs(TRACKS[slug].questions)] == []


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_items_follow_the_authoring_rules(slug):
    questions = [q.spec for q in TRACKS[slug].questions]
    multi = [q for q in questions if isinstance(q.answer, list)]
    assert 0.10 <= len(multi) / len(questions) <= 0.20
    for q in questions:
        assert q.difficulty in ("easy", "medium", "hard"), q.id
        assert all(r.startswith("https://docs.stripe.com/") for r in q.references), q.id
        assert len(q.choices) == (4 if isinstance(q.answer, str) else len(q.choices)) and len(q.choices) <= 6
        assert "all of the above" not in " ".join(q.choices.values()).lower(), q.id
    # Before shuffling, single-answer keys are spread evenly over the positions.
    keys = Counter(q.answer for q in questions if isinstance(q.answer, str))
    assert max(keys.values()) - min(keys.values()) <= 0.1 * sum(keys.values()), keys
