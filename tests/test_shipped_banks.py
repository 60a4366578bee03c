"""The shipped banks: valid, deep enough for ten full exams, balanced, cue-free, enemies apart."""

import math
import re
from collections import Counter

import pytest

from quizapp.banks import load_banks
from quizapp.banks.cues import track_cues
from quizapp.banks.loader import near_duplicate_pairs
from quizapp.cli import bank_stats
from quizapp.exam.assembly import Candidate, assemble
from quizapp.config import PROJECT_ROOT

SHIPPED = load_banks(PROJECT_ROOT / "question_banks")
TRACKS = {t.spec.slug: t for t in SHIPPED.tracks}


def test_shipped_banks_have_no_problems():
    assert [str(p) for p in SHIPPED.problems] == []
    assert set(TRACKS) == {"associate-architect", "professional-implementation-architect"}


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_each_track_has_500_questions_and_every_domain_its_minimum(slug):
    track = TRACKS[slug]
    counts = Counter(q.domain for q in track.questions)
    assert len(track.questions) >= 500
    for domain in track.spec.domains:
        assert counts[domain.slug] >= math.ceil(10 * 50 * domain.weight / 100), domain.slug
    assert bank_stats([track])[slug]["full_exams_without_repeat"] >= 10


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_difficulty_mix_is_a_quarter_half_quarter(slug):
    mix = bank_stats([TRACKS[slug]])[slug]["difficulty"]
    assert set(mix) == {"easy", "medium", "hard"}
    assert abs(mix["easy"] - 25) <= 5 and abs(mix["medium"] - 50) <= 5 and abs(mix["hard"] - 25) <= 5, mix


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_option_length_gives_no_key_away(slug):
    cues = track_cues([q.spec for q in TRACKS[slug].questions])
    single = cues["single_answer"]
    assert single.items >= 400
    for rank, share in single.rank_share.items():
        assert abs(share - single.rank_chance[rank]) <= 0.10, (rank, share)
    # Neither extreme is a reliable guess either, nor the words shared with the stem.
    assert abs(single.key_longest - 0.25) <= 0.10 and abs(single.key_shortest - 0.25) <= 0.10
    assert single.key_most_stem_words <= 0.35
    # Absolutes ("always", "never") are not a sign of a wrong option.
    assert single.absolutes_in_keys >= single.absolutes_in_distractors / 3


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_no_exam_holds_two_enemy_items_over_many_seeds(slug):
    track = TRACKS[slug]
    spec = track.spec
    groups = {q.spec.id: set(q.spec.enemy_groups) for q in track.questions}
    assert sum(1 for g in groups.values() if g) >= 50  # the banks do group their overlaps
    candidates = [Candidate(q.spec.id, q.domain, tuple(q.spec.choices), q.spec.shuffle,
                            tuple(q.spec.enemy_groups)) for q in track.questions]
    for seed in range(150):
        exam = assemble(seed=seed, min_questions=spec.min_questions, max_questions=spec.max_questions,
                        weights={d.slug: d.weight for d in spec.domains}, candidates=candidates,
                        times_seen={})
        seen = [g for q in exam.questions for g in groups[q.ref]]
        assert len(seen) == len(set(seen)), (seed, Counter(seen).most_common(2))


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_no_near_duplicate_stems(slug):
    assert [(a.spec.id, b.spec.id) for a, b, _ in near_duplicate_pairs(TRACKS[slug].questions)] == []


@pytest.mark.parametrize("slug", sorted(TRACKS))
def test_items_follow_the_authoring_rules(slug):
    questions = [q.spec for q in TRACKS[slug].questions]
    multi = [q for q in questions if isinstance(q.answer, list)]
    assert 0.12 <= len(multi) / len(questions) <= 0.18  # about 15 %
    for q in questions:
        assert q.difficulty in ("easy", "medium", "hard"), q.id
        assert any(r.startswith("https://docs.stripe.com/") for r in q.references), q.id
        assert len(q.choices) == (4 if isinstance(q.answer, str) else len(q.choices)) and len(q.choices) <= 6
        assert "all of the above" not in " ".join(q.choices.values()).lower(), q.id
    # Before shuffling, single-answer keys are spread evenly over the positions.
    keys = Counter(q.answer for q in questions if isinstance(q.answer, str))
    assert max(keys.values()) - min(keys.values()) <= 0.1 * sum(keys.values()), keys


def test_every_associate_item_is_in_japanese_and_up_to_date():
    track = TRACKS["associate-architect"]
    assert track.spec.languages == ["en", "ja"]
    untranslated = [q.spec.id for q in track.questions if "ja" not in q.translations]
    assert untranslated == [] and track.stale_translations.get("ja", set()) == set()
    # The Japanese keeps each item's structure: the choose-N line and every code span.
    for q in track.questions:
        ja = q.translations["ja"]
        if isinstance(q.spec.answer, list):
            assert "選択してください" in ja.stem, q.spec.id
        for key, text in q.spec.choices.items():
            spans = re.findall(r"`[^`]+`", text)
            assert all(span in ja.choices[key] for span in spans), (q.spec.id, key)
