"""The pass forecast on data whose answer is known."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from quizapp.measure.forecast import (ABILITY_SPREAD, LABEL_DIFFICULTY, MIN_ANSWERS, MIN_RESPONSES_TO_CALIBRATE,
                                      Answer, ExamBlueprint, calibrated_difficulty, forecast,
                                      label_difficulty, waiting)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def answers(domain: str, right: int, wrong: int, *, at=NOW, difficulty: float = 0.0) -> list[Answer]:
    return ([Answer(domain, True, at, difficulty)] * right) + [Answer(domain, False, at, difficulty)] * wrong


def binomial_at_least(n: int, p: float, k: int) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_label_difficulty_orders_easy_medium_hard():
    assert label_difficulty("easy") < label_difficulty("medium") < label_difficulty("hard")
    assert label_difficulty(None) == label_difficulty("nonsense") == LABEL_DIFFICULTY["medium"]


def test_calibration_uses_the_label_until_enough_responses():
    few = MIN_RESPONSES_TO_CALIBRATE - 1
    assert calibrated_difficulty("hard", few, few) == label_difficulty("hard")
    # Everyone gets it right: far easier than its label says; nobody does: far harder.
    assert calibrated_difficulty("hard", 200, 200) < label_difficulty("easy")
    assert calibrated_difficulty("easy", 200, 0) > label_difficulty("hard")


def test_calibration_starts_at_the_threshold_and_shrinks_towards_the_label():
    # From the 30th response the item's own facility counts: all right is far easier than "hard".
    assert calibrated_difficulty("hard", MIN_RESPONSES_TO_CALIBRATE, MIN_RESPONSES_TO_CALIBRATE) == pytest.approx(
        -2.103, abs=1e-3)
    # 80 of 100 right on a "medium" item: a little easier than "easy" (-1.5).
    assert calibrated_difficulty("medium", 100, 80) == pytest.approx(-1.551, abs=1e-3)


def test_a_pass_mark_just_over_a_whole_answer_needs_the_next_one():
    # 78 % of 9 questions is 7.02 answers: 8 are needed, as scoring counts.
    blueprint = ExamBlueprint({"a": 1}, 9, 9, 78, {"a": [0.0]})
    result = forecast(answers("a", 7500, 2500), blueprint, NOW)
    assert result.probability == pytest.approx(binomial_at_least(9, 0.75, 8), abs=0.01)


def test_calibration_agrees_with_a_label_its_responses_confirm():
    medium = label_difficulty("medium")
    # Find the facility the label implies, feed exactly that, get the label back.
    spread = math.sqrt(1 + math.pi * ABILITY_SPREAD**2 / 8)
    facility = 1 / (1 + math.exp(medium / spread))
    assert calibrated_difficulty("medium", 1000, round(1000 * facility)) == pytest.approx(medium, abs=0.01)


def test_too_few_answers_asks_for_more_instead_of_a_number():
    blueprint = ExamBlueprint({"a": 1}, 10, 10, 70)
    result = forecast(answers("a", 10, 2), blueprint, NOW)
    assert not result.enough
    assert result.probability is None
    assert (result.answered, result.needed) == (12, MIN_ANSWERS - 12)


def test_the_number_comes_at_exactly_the_minimum_of_answers():
    blueprint = ExamBlueprint({"a": 1}, 10, 10, 70)
    result = forecast(answers("a", MIN_ANSWERS - 10, 10), blueprint, NOW)
    assert result.enough and (result.answered, result.needed) == (MIN_ANSWERS, 0)
    assert not forecast(answers("a", MIN_ANSWERS - 11, 10), blueprint, NOW).enough


def test_answers_outside_the_blueprint_do_not_count():
    blueprint = ExamBlueprint({"a": 1}, 10, 10, 70)
    result = forecast(answers("retired", 100, 0), blueprint, NOW)
    assert not result.enough and result.answered == 0


def test_waiting_counts_only_the_domains_the_exam_asks_from():
    blueprint = ExamBlueprint({"a": 3, "b": 1, "dropped": 0}, 10, 10, 70)
    result = waiting(["a"] * 5 + ["b"] * 2 + ["dropped"] * 4 + ["retired"] * 3, blueprint)
    assert not result.enough and (result.answered, result.needed) == (7, MIN_ANSWERS - 7)
    assert waiting(["a"] * (MIN_ANSWERS + 5), blueprint).needed == 0


def test_each_blueprint_and_pool_gets_its_own_chance_however_often_asked():
    # The exam model is built once per blueprint and kept: a blueprint that differs in
    # its pool, pass mark, lengths or weights must not get another's chance.
    given = answers("a", 60, 20) + answers("b", 25, 15)

    def chance(weights=None, low=10, high=10, mark=70, pool=None):
        blueprint = ExamBlueprint(weights or {"a": 1, "b": 1}, low, high, mark,
                                  {"a": [-1.0, 0.0, 0.5, 1.0], "b": [0.0] * 10} if pool is None else pool)
        return forecast(given, blueprint, NOW, levers=False).probability

    first = chance()
    variants = [chance(pool={"a": [1.5] * 10, "b": [0.0] * 10}), chance(pool={"a": [0.0] * 10, "b": [1.5] * 10}),
                chance(mark=80), chance(low=9, high=9), chance(low=10, high=12), chance(weights={"a": 1, "b": 3})]
    assert all(abs(v - first) > 0.01 for v in variants), (first, variants)
    assert len({round(v, 6) for v in variants}) == len(variants)
    # Asked again, in any order of the pool's items, the first blueprint gives its own figure.
    assert chance(pool={"b": [0.0] * 10, "a": [1.0, 0.5, 0.0, -1.0]}) == first


def test_a_blueprint_without_weighted_domains_gives_no_number():
    result = forecast(answers("a", 40, 0), ExamBlueprint({"a": 0}, 10, 10, 70), NOW)
    assert not result.enough


def test_with_overwhelming_evidence_the_chance_is_the_binomial_tail():
    # 8,000 answers at 75 % on items as hard as the exam's: the ability is pinned, so the
    # chance of 7 or more right out of 10 is the binomial tail at p = 0.75.
    blueprint = ExamBlueprint({"a": 1}, 10, 10, 70, {"a": [0.0] * 40})
    result = forecast(answers("a", 6000, 2000), blueprint, NOW)
    expected = binomial_at_least(10, 0.75, 7)
    assert result.probability == pytest.approx(expected, abs=0.01)
    assert result.low <= result.probability <= result.high
    assert result.high - result.low < 0.05


def test_a_long_exam_of_one_domain_is_forecast_exactly_too():
    # 100 seats in one domain: binomial coefficients past 64-bit integers.
    blueprint = ExamBlueprint({"a": 1}, 100, 100, 70, {"a": [0.0]})
    result = forecast(answers("a", 7500, 2500), blueprint, NOW, levers=False)
    assert result.probability == pytest.approx(binomial_at_least(100, 0.75, 70), abs=0.03)


def test_exam_length_range_and_pass_mark_follow_the_blueprint():
    # Ability pinned at 70 %: exams of 10 and 11 questions need 7 and 8 (ceil of 70 %).
    blueprint = ExamBlueprint({"a": 1}, 10, 11, 70, {"a": [0.0]})
    result = forecast(answers("a", 7000, 3000), blueprint, NOW)
    expected = (binomial_at_least(10, 0.7, 7) + binomial_at_least(11, 0.7, 8)) / 2
    assert result.probability == pytest.approx(expected, abs=0.015)


def test_domain_weights_decide_which_weakness_matters():
    strong, weak = answers("big", 180, 20), answers("small", 40, 160)
    heavy_on_strong = ExamBlueprint({"big": 90, "small": 10}, 40, 40, 70)
    heavy_on_weak = ExamBlueprint({"big": 10, "small": 90}, 40, 40, 70)
    assert forecast(strong + weak, heavy_on_strong, NOW).probability > 0.5
    assert forecast(strong + weak, heavy_on_weak, NOW).probability < 0.01


def test_harder_items_answered_mean_more_ability():
    blueprint = ExamBlueprint({"a": 1}, 20, 20, 70, {"a": [0.0]})
    easy = forecast(answers("a", 70, 30, difficulty=-1.0), blueprint, NOW).probability
    hard = forecast(answers("a", 70, 30, difficulty=1.0), blueprint, NOW).probability
    assert hard > easy


def test_recent_answers_count_more_than_old_ones():
    blueprint = ExamBlueprint({"a": 1}, 20, 20, 70, {"a": [0.0]})
    old = NOW - timedelta(days=60)
    improving = answers("a", 10, 40, at=old) + answers("a", 40, 10)
    slipping = answers("a", 40, 10, at=old) + answers("a", 10, 40)
    assert forecast(improving, blueprint, NOW).probability > 0.5 > forecast(slipping, blueprint, NOW).probability


@pytest.mark.parametrize("age", [1.0, 1 / 1024])
def test_a_domain_practised_beyond_its_share_is_scaled_to_it_however_old_the_answers(age):
    from quizapp.measure.forecast import _balanced

    # Four answers in one domain, one in the other, on an even blueprint: the drilled
    # domain is cut to half the total weight, the other kept, whether the answers are
    # new (weight 1) or ten months old (about 1/1000).
    weights = _balanced(np.array([0, 0, 0, 0, 1]), np.full(5, age), np.array([0.5, 0.5]))
    assert weights == pytest.approx([age * 0.625] * 4 + [age], rel=1e-12)


def test_more_evidence_narrows_the_interval():
    blueprint = ExamBlueprint({"a": 1}, 20, 20, 70, {"a": [0.0]})
    thin = forecast(answers("a", 28, 12), blueprint, NOW)
    thick = forecast(answers("a", 700, 300), blueprint, NOW)
    assert thick.high - thick.low < thin.high - thin.low


def test_same_answers_same_figure():
    blueprint = ExamBlueprint({"a": 60, "b": 40}, 45, 50, 70)
    data = answers("a", 30, 10) + answers("b", 20, 15)
    first, again = forecast(data, blueprint, NOW), forecast(list(reversed(data)), blueprint, NOW)
    # Fixed draws: the order of the answers changes nothing but the last bits of a sum.
    assert first.probability == pytest.approx(again.probability, abs=1e-12)
    assert (first.low, first.high) == pytest.approx((again.low, again.high), abs=1e-12)
    assert first.lever.domain == again.lever.domain


def test_what_moves_it_most_is_the_weak_heavy_domain():
    blueprint = ExamBlueprint({"payments": 50, "connect": 40, "billing": 10}, 45, 50, 70)
    data = (answers("payments", 40, 10) + answers("connect", 24, 26) + answers("billing", 10, 10))
    result = forecast(data, blueprint, NOW)
    lever = result.lever
    assert lever.domain == "connect"
    assert (lever.answered, lever.correct, round(lever.percent)) == (50, 24, 48)
    assert lever.more_right == 5  # a tenth of its answers
    assert lever.probability > result.probability


def test_with_many_domains_the_lever_is_still_the_weak_heavy_one():
    # Five domains: only the three with the most to gain get a full pass chance.
    blueprint = ExamBlueprint({"a": 40, "b": 25, "c": 15, "d": 10, "e": 10}, 50, 50, 70)
    data = (answers("a", 20, 20) + answers("b", 20, 5) + answers("c", 12, 3) + answers("d", 8, 2)
            + answers("e", 8, 2))
    lever = forecast(data, blueprint, NOW).lever
    assert (lever.domain, lever.more_right) == ("a", 4)


def test_when_no_move_changes_the_chance_the_lever_is_the_one_adding_most_to_the_score():
    # Certain to pass: every move leaves the chance at 100 %, so the lever is the domain
    # whose wrong answers weigh most on the exam, the heaviest.
    blueprint = ExamBlueprint({"a": 60, "b": 30, "c": 10}, 45, 50, 70)
    data = answers("c", 1000, 10) + answers("b", 1000, 10) + answers("a", 1000, 10)
    result = forecast(data, blueprint, NOW)
    assert result.probability == result.lever.probability == 1.0
    assert (result.lever.domain, result.lever.more_right) == ("a", 10)


def test_a_domain_never_answered_leans_on_the_learners_other_domains():
    blueprint = ExamBlueprint({"a": 50, "b": 50}, 20, 20, 70)
    result = forecast(answers("a", 30, 10), blueprint, NOW)
    a, b = result.domains
    assert result.enough and (b.domain, b.answered, b.percent) == ("b", 0, None)
    # Between the average learner (0) and the domain answered: pulled up, not all the way.
    assert 0 < b.ability < a.ability
    # Two domains answered, the last one never: each still has a standing.
    three = ExamBlueprint({"a": 40, "b": 40, "c": 20}, 20, 20, 70)
    assert [d.answered for d in forecast(answers("a", 30, 10) + answers("b", 20, 20), three, NOW).domains] == [
        40, 40, 0]


def test_the_lever_skips_a_domain_with_nothing_wrong_and_moves_at_least_one_answer():
    # Payments and Connect all right: nothing to turn. Billing, 8 answers: a tenth rounds up to one.
    blueprint = ExamBlueprint({"payments": 50, "connect": 40, "billing": 10}, 45, 50, 70)
    data = answers("payments", 30, 0) + answers("connect", 20, 0) + answers("billing", 2, 6)
    lever = forecast(data, blueprint, NOW).lever
    assert (lever.domain, lever.answered, lever.more_right) == ("billing", 8, 1)


def test_no_lever_when_nothing_was_wrong():
    blueprint = ExamBlueprint({"a": 1}, 10, 10, 70)
    result = forecast(answers("a", 40, 0), blueprint, NOW)
    assert result.lever is None and result.probability > 0.9


def test_calibrated_on_learners_drawn_from_the_prior():
    """Learners whose abilities come from the model's own prior: the forecast's average over a
    group matches the group's pass rate on a fresh exam."""
    rng = np.random.default_rng(4)
    weights = {"a": 60, "b": 40}
    pool = {d: list(rng.normal(-0.5, 0.6, 60)) for d in weights}
    blueprint = ExamBlueprint(weights, 20, 20, 70, pool)
    forecasts, passed = [], []
    for _ in range(300):
        overall = rng.normal(0, 1)
        ability = {d: overall + rng.normal(0, 0.5) for d in weights}
        data = []
        for d, n in (("a", 24), ("b", 16)):
            for b in rng.choice(pool[d], n):
                data.append(Answer(d, bool(rng.random() < 1 / (1 + math.exp(b - ability[d]))), NOW, float(b)))
        forecasts.append(forecast(data, blueprint, NOW, levers=False).probability)
        right = sum(rng.random() < 1 / (1 + math.exp(b - ability[d]))
                    for d, n in (("a", 12), ("b", 8)) for b in rng.choice(pool[d], n, replace=False))
        passed.append(right >= 14)
    forecasts, passed = np.array(forecasts), np.array(passed, dtype=float)
    assert abs(forecasts.mean() - passed.mean()) < 0.05
    high = forecasts > 0.5
    assert passed[high].mean() > 0.6 and passed[~high].mean() < 0.4


def test_a_worked_example_keeps_its_figures():
    """Every part of the model moves these figures: ages (half-life, learning per day), balancing an
    over-practised domain, the priors, the pool, the pass mark over a length range, the fixed draws,
    the lever. A deliberate change to the model changes them: recompute and say why in the commit."""
    def given(domain, right, wrong, days, difficulty):
        return [Answer(domain, i < right, NOW - timedelta(days=days), difficulty) for i in range(right + wrong)]

    data = (given("payments", 30, 6, 0, -0.5) + given("payments", 10, 4, 45, 0.5)
            + given("connect", 12, 14, 2, 0.0) + given("connect", 12, 12, 90, -1.0)
            + given("billing", 30, 10, 1, -1.5))
    blueprint = ExamBlueprint({"payments": 50, "connect": 40, "billing": 10}, 45, 50, 70,
                              {"payments": [-1.5, -0.5, -0.5, 0.5, 0.5, 1.0], "connect": [-0.5, 0.0, 0.5]})
    result = forecast(data, blueprint, NOW)
    assert (result.probability, result.low, result.high) == pytest.approx((0.144452, 0.010039, 0.349090), abs=1e-6)
    assert [(d.domain, d.answered, d.correct) for d in result.domains] == [
        ("payments", 50, 40), ("connect", 50, 24), ("billing", 40, 30)]
    assert [d.ability for d in result.domains] == pytest.approx([0.851265, -0.027663, 0.067341], abs=1e-6)
    lever = result.lever
    assert (lever.domain, lever.answered, lever.correct, lever.more_right) == ("connect", 50, 24, 5)
    assert lever.probability == pytest.approx(0.246529, abs=1e-6)


def test_the_lever_is_the_best_domain_of_all_though_only_the_likeliest_get_a_full_chance(monkeypatch):
    # Six domains of every mix of weight, record and item difficulty: the lever found from
    # the three ranked most promising is the one trying every domain finds.
    import random

    import quizapp.measure.forecast as model

    rng = random.Random(3)
    for _ in range(12):
        blueprint = ExamBlueprint({d: rng.choice([5, 10, 15, 20, 30]) for d in "abcdef"}, 45, 50, 70)
        data = [a for d in "abcdef"
                for a in answers(d, rng.randint(5, 30), rng.randint(1, 25), difficulty=rng.choice([-1.0, 0.0, 1.0]))]
        quick = forecast(data, blueprint, NOW).lever
        with monkeypatch.context() as every:
            every.setattr(model, "LEVER_CANDIDATES", len(blueprint.weights))
            best = forecast(data, blueprint, NOW).lever
        assert (quick.domain, quick.probability) == (best.domain, best.probability)


def test_the_lever_is_advice_only_when_it_moves_the_chance_a_point_or_more():
    from quizapp.measure.forecast import LEVER_MIN_GAIN, Forecast, Lever

    def said(before, after):
        lever = Lever("a", 10, 2, 1, after)
        return Forecast(answered=40, needed=0, probability=before, low=0, high=1, lever=lever).advice is lever

    assert LEVER_MIN_GAIN == 0.01
    assert said(0.0, 0.01) and said(0.40, 0.75)
    assert not said(0.0, 0.009) and not said(1.0, 1.0) and not said(0.5, 0.4)
    assert Forecast(answered=40, needed=0, probability=0.5, low=0, high=1).advice is None


def test_an_answer_within_a_day_of_seeing_that_questions_answer_is_not_counted():
    from datetime import timedelta

    from quizapp.measure.forecast import REEXPOSURE_SECONDS, counted

    t0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
    day = timedelta(seconds=REEXPOSURE_SECONDS)
    second = timedelta(seconds=1)
    assert REEXPOSURE_SECONDS == 86400
    # Given out of order: the rule goes by time. q1 again just inside a day: memory; q1
    # again a day after that: recall; q2 is another question, counted on its own.
    exposures = [("q1", t0 + day - second), ("q2", t0 + second), ("q1", t0), ("q1", t0 + 2 * day - second)]
    assert counted(exposures) == [False, True, True, True]
    # Every answer shows the key again, counted or not: answers 0.6 of a day apart count
    # only the first, though the third comes more than a day after it.
    step = day * 0.6
    assert counted([("q", t0), ("q", t0 + step), ("q", t0 + 2 * step)]) == [True, False, False]
    assert counted([("q", t0), ("q", t0 + day)]) == [True, True]
    assert counted([]) == []
