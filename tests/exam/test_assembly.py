"""Assembly: lengths, quotas, least-seen first, determinism."""

from collections import Counter

import pytest

from quizapp.exam.assembly import (Candidate, NotEnoughQuestions, assemble,
                                   full_exams_without_repeat, largest_quotas, largest_remainder,
                                   unseen_preference)

AA_WEIGHTS = {"payments": 20, "connect": 15, "payment-methods": 10, "billing": 10,
              "declines-disputes-refunds": 10, "radar-fraud": 10, "industry-compliance": 10,
              "api-patterns": 5, "reporting-reconciliation": 5, "global-business": 5}


def pool(weights, per_domain=60):
    return [Candidate(f"{d}-{i}", d, ("a", "b", "c", "d")) for d in weights for i in range(per_domain)]


def test_largest_remainder_sums_to_length_and_follows_weights():
    quotas = largest_remainder(47, AA_WEIGHTS)
    assert sum(quotas.values()) == 47
    assert quotas["payments"] == 9 and quotas["connect"] == 7   # 9.4 and 7.05
    # 4.7 each for the 10 % domains: remainders .7 beat .35 of the 5 % domains.
    assert all(quotas[d] == 5 for d in ("payment-methods", "billing", "radar-fraud"))
    assert all(quotas[d] == 2 for d in ("api-patterns", "global-business"))


def test_largest_remainder_ties_go_to_the_domain_listed_first():
    assert largest_remainder(3, {"a": 50, "b": 50}) == {"a": 2, "b": 1}


def test_largest_quotas_over_all_lengths():
    most = largest_quotas(45, 50, AA_WEIGHTS)
    assert most["payments"] == 10 and most["connect"] == 8 and most["api-patterns"] == 3


def test_tied_seats_go_to_the_domain_with_more_unseen_questions():
    # 50 x 15 % = 7.5 and 50 x 5 % = 2.5: four domains tie for two seats.
    fresh = largest_remainder(50, AA_WEIGHTS, {"global-business": 9.0, "reporting-reconciliation": 8.0})
    assert fresh["global-business"] == 3 and fresh["reporting-reconciliation"] == 3
    assert fresh["connect"] == 7 and fresh["api-patterns"] == 2


def test_a_bank_at_the_minimums_gives_five_full_exams_without_a_repeat():
    minimums = {d: -(-5 * 50 * w // 100) for d, w in AA_WEIGHTS.items()}
    assert full_exams_without_repeat(minimums, AA_WEIGHTS, 50) == 5
    assert full_exams_without_repeat({**minimums, "connect": 34}, AA_WEIGHTS, 50) == 4
    # And the real assembler does it: five exams of 50, no question twice.
    candidates = [Candidate(f"{d}-{i}", d, ("a", "b", "c", "d")) for d, n in minimums.items() for i in range(n)]
    seen: dict[str, int] = {}
    for seed in range(5):
        exam = assemble(seed=seed, min_questions=50, max_questions=50, weights=AA_WEIGHTS,
                        candidates=candidates, times_seen=seen)
        for q in exam.questions:
            assert q.ref not in seen
            seen[q.ref] = 1
    assert len(seen) == 250


@pytest.mark.parametrize("seed", range(30))
def test_length_in_range_and_quotas_respected(seed):
    exam = assemble(seed=seed, min_questions=45, max_questions=50, weights=AA_WEIGHTS,
                    candidates=pool(AA_WEIGHTS), times_seen={})
    assert 45 <= exam.length <= 50
    assert len(exam.questions) == exam.length
    prefer = unseen_preference({d: 60 for d in AA_WEIGHTS}, AA_WEIGHTS)
    assert exam.domain_counts() == {d: q for d, q in largest_remainder(exam.length, AA_WEIGHTS, prefer).items() if q}
    assert len({q.ref for q in exam.questions}) == exam.length


def test_every_length_is_reachable():
    lengths = {assemble(seed=s, min_questions=45, max_questions=50, weights=AA_WEIGHTS,
                        candidates=pool(AA_WEIGHTS), times_seen={}).length for s in range(200)}
    assert lengths == set(range(45, 51))


def test_same_seed_and_history_give_the_same_exam_whatever_the_candidate_order():
    candidates = pool(AA_WEIGHTS)
    one = assemble(seed=7, min_questions=45, max_questions=50, weights=AA_WEIGHTS,
                   candidates=candidates, times_seen={"payments-1": 2})
    two = assemble(seed=7, min_questions=45, max_questions=50, weights=AA_WEIGHTS,
                   candidates=list(reversed(candidates)), times_seen={"payments-1": 2})
    assert one == two and one.seed == 7
    three = assemble(seed=8, min_questions=45, max_questions=50, weights=AA_WEIGHTS,
                     candidates=candidates, times_seen={})
    assert [q.ref for q in three.questions] != [q.ref for q in one.questions]


def test_never_seen_questions_come_first():
    weights = {"payments": 100}
    candidates = [Candidate(f"q{i}", "payments", ("a", "b", "c", "d")) for i in range(10)]
    seen = {f"q{i}": 1 for i in range(6)}          # q6..q9 never seen
    exam = assemble(seed=3, min_questions=5, max_questions=5, weights=weights,
                    candidates=candidates, times_seen=seen)
    refs = {q.ref for q in exam.questions}
    assert {"q6", "q7", "q8", "q9"} <= refs
    # The fifth comes from the least-seen of the rest, never from a twice-seen one.
    seen2 = {**seen, "q0": 2, "q1": 2}
    exam2 = assemble(seed=3, min_questions=5, max_questions=5, weights=weights,
                     candidates=candidates, times_seen=seen2)
    assert not {"q0", "q1"} & {q.ref for q in exam2.questions}


def test_choice_order_shuffled_only_where_allowed():
    weights = {"payments": 100}
    candidates = [Candidate(f"q{i}", "payments", ("a", "b", "c", "d"), shuffle=(i % 2 == 0))
                  for i in range(40)]
    exam = assemble(seed=11, min_questions=40, max_questions=40, weights=weights,
                    candidates=candidates, times_seen={})
    fixed = [q for q in exam.questions if int(str(q.ref)[1:]) % 2]
    shuffled = [q for q in exam.questions if not int(str(q.ref)[1:]) % 2]
    assert all(q.choice_order == ("a", "b", "c", "d") for q in fixed)
    assert any(q.choice_order != ("a", "b", "c", "d") for q in shuffled)
    assert all(sorted(q.choice_order) == ["a", "b", "c", "d"] for q in shuffled)


def test_question_order_is_shuffled_across_domains():
    exam = assemble(seed=5, min_questions=50, max_questions=50, weights=AA_WEIGHTS,
                    candidates=pool(AA_WEIGHTS), times_seen={})
    first_ten = Counter(q.domain for q in exam.questions[:10])
    assert len(first_ten) > 2


def test_too_small_a_bank_says_which_domain():
    with pytest.raises(NotEnoughQuestions, match="connect"):
        assemble(seed=1, min_questions=10, max_questions=10, weights={"payments": 50, "connect": 50},
                 candidates=pool({"payments": 1}, 10) + pool({"connect": 1}, 2), times_seen={})


def test_an_exam_never_holds_two_items_of_one_enemy_group_over_many_seeds():
    weights = {"payments": 60, "connect": 40}
    candidates = []
    for domain in weights:
        for i in range(12):
            # Pairs inside a domain, and one group spanning both domains.
            groups = (f"{domain}-pair-{i // 2}",) + (("cross",) if i == 0 else ())
            candidates.append(Candidate(f"{domain}-{i}", domain, ("a", "b", "c"), True, groups))
    for seed in range(300):
        exam = assemble(seed=seed, min_questions=10, max_questions=10, weights=weights,
                        candidates=candidates, times_seen={})
        by_ref = {c.ref: c for c in candidates}
        groups = [g for q in exam.questions for g in by_ref[q.ref].enemy_groups]
        assert len(groups) == len(set(groups)), seed
        assert exam.domain_counts() == {"payments": 6, "connect": 4}


def test_enemies_that_leave_too_few_questions_are_refused_not_doubled():
    weights = {"payments": 100}
    candidates = [Candidate(f"q{i}", "payments", ("a", "b", "c"), True, ("same-fact",) if i < 4 else ())
                  for i in range(6)]
    # Six questions, four of one group: only three can share an exam.
    assert len(assemble(seed=1, min_questions=3, max_questions=3, weights=weights,
                        candidates=candidates, times_seen={}).questions) == 3
    with pytest.raises(NotEnoughQuestions, match="not enemies"):
        assemble(seed=1, min_questions=4, max_questions=4, weights=weights, candidates=candidates,
                 times_seen={})


def test_a_tied_seat_never_goes_to_a_domain_with_no_fresh_question_left():
    # Two questions at 75 % and 25 %: 1.5 and 0.5 seats tie for the second seat.
    weights = {"payments": 75, "connect": 25}
    candidates = pool(weights, per_domain=4)
    seen = {f"payments-{i}": 1 for i in range(3)}    # one fresh payments question left
    for seed in range(10):
        exam = assemble(seed=seed, min_questions=2, max_questions=2, weights=weights,
                        candidates=candidates, times_seen=seen)
        assert exam.domain_counts() == {"payments": 1, "connect": 1}, seed
        assert not {q.ref for q in exam.questions} & set(seen), seed
    # Fresh questions on both sides: more of them per unit of weight wins the seat.
    assert assemble(seed=1, min_questions=2, max_questions=2, weights=weights, candidates=candidates,
                    times_seen={}).domain_counts() == {"payments": 1, "connect": 1}    # 4/75 < 4/25
    few_connect = {f"connect-{i}": 1 for i in range(3)}
    assert assemble(seed=1, min_questions=2, max_questions=2, weights=weights, candidates=candidates,
                    times_seen=few_connect).domain_counts() == {"payments": 2}      # 4/75 > 1/25
    # Every connect question seen: the seat stays with payments' two fresh ones.
    all_connect = {**{f"connect-{i}": 1 for i in range(4)}, "payments-0": 1, "payments-1": 1}
    exam = assemble(seed=1, min_questions=2, max_questions=2, weights=weights, candidates=candidates,
                    times_seen=all_connect)
    assert {q.ref for q in exam.questions} == {"payments-2", "payments-3"}


def test_weights_that_sum_to_nothing_are_refused():
    with pytest.raises(ValueError, match="^weights must sum to more than zero$"):
        largest_remainder(5, {"payments": 0, "connect": 0})
    assert largest_remainder(3, {"payments": 1}) == {"payments": 3}


def test_a_domain_the_preference_does_not_name_ranks_below_one_it_names():
    assert largest_remainder(3, {"a": 50, "b": 50}, {"b": 0.5}) == {"a": 1, "b": 2}
    assert largest_remainder(3, {"a": 50, "b": 50}, {"a": 0.5}) == {"a": 2, "b": 1}


def most_by_any_tie_break(min_questions, max_questions, weights):
    """What each domain gets at most when it wins every tie it is part of."""
    return {slug: max(largest_remainder(length, weights, {slug: 1.0})[slug]
                      for length in range(min_questions, max_questions + 1)) for slug in weights}


@pytest.mark.parametrize("min_questions, max_questions, weights", [
    (45, 50, AA_WEIGHTS),
    (5, 5, {"payments": 1, "connect": 99}),        # a domain that never gets a seat
    (2, 3, {"payments": 50, "connect": 50}),       # no seat left at 2, a tie at 3
    (1, 1, {"a": 1, "b": 1, "c": 1}),              # one seat, a three-way tie
    (4, 4, {"a": 1, "b": 1, "c": 1}),
    (3, 5, {"payments": 100}),                     # the longest exam asks the most
    (7, 9, {"a": 45, "b": 35, "c": 20}),
    (10, 10, {"a": 1, "b": 13, "c": 17, "d": 5}),  # shorter exams give d two seats: not asked here
])
def test_largest_quotas_are_the_most_any_length_and_tie_break_can_ask(min_questions, max_questions, weights):
    assert largest_quotas(min_questions, max_questions, weights) == most_by_any_tie_break(
        min_questions, max_questions, weights)


def test_full_exams_without_repeat_stops_at_a_missing_domain_and_at_its_limit():
    assert full_exams_without_repeat({"payments": 10}, {"payments": 50, "connect": 50}, 2) == 0
    assert full_exams_without_repeat({"payments": 10**6}, {"payments": 100}, 5) == 1000
    assert full_exams_without_repeat({"payments": 50}, {"payments": 100}, 5, limit=3) == 3
    assert full_exams_without_repeat({"payments": 50, "connect": 50}, {"payments": 50, "connect": 50}, 10) == 10
