"""Calibration benchmark for the pass forecast, and the item statistics' speed.

    .venv/bin/python -m tests.benchmarks.forecast [--learners 3000] [--seed 15]

Simulated learners with known per-domain abilities answer items of known difficulty through
the same pure functions the app uses (assembly's seat split, the forecast, item calibration,
scoring's pass rule, item statistics). Each learner sits a mock, practises, sits a second mock,
is forecast the day before the real exam, and then sits a fresh exam drawn by the blueprint.

Prints `forecast brier X`, `baseline brier Y` ("pass if the last mock was at or above the pass
mark"), `forecast ece Z` (expected calibration error over deciles of the forecast),
`forecast ms p99 N` for a learner with 5,000 answers, and `item stats s N` for 100,000
responses. Exits 1 when a goal is missed: X <= 0.8 Y, Z <= 0.05, N < 50 ms, stats < 5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from quizapp.exam.assembly import largest_remainder
from quizapp.measure.forecast import (LABEL_DIFFICULTY, Answer, ExamBlueprint, calibrated_difficulty,
                                      forecast)
from quizapp.measure.item_stats import Response, item_statistics

# The associate track's blueprint: ten domains, 45-50 questions, 70 % to pass.
WEIGHTS = {f"d{i}": w for i, w in enumerate([20, 15, 10, 10, 10, 10, 10, 5, 5, 5])}
MIN_Q, MAX_Q, PASS_PERCENT = 45, 50, 70
ITEMS_PER_DOMAIN = 40
LABELS = ["easy", "medium", "hard"]
LABEL_SHARE = [0.3, 0.5, 0.2]
# True difficulty = the label's figure + this much item-to-item spread (logits).
ITEM_SPREAD = 0.5
# Learners: overall ability N(0.1, 0.9^2), each domain's offset N(0, 0.45^2), and a gain over
# the four weeks of study N(0.15, 0.15^2). Deliberately not the forecast's own prior.
ABILITY_MEAN, ABILITY_SD, DOMAIN_SD = 0.1, 0.9, 0.45
GAIN_MEAN, GAIN_SD, STUDY_DAYS = 0.15, 0.15, 28
START = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)


@dataclass
class Item:
    """One bank item: its domain, label and true difficulty."""

    domain: str
    label: str
    difficulty: float


def make_bank(rng: np.random.Generator) -> list[Item]:
    """ITEMS_PER_DOMAIN items per domain with labels and true difficulties."""
    items = []
    for domain in WEIGHTS:
        for label in rng.choice(LABELS, size=ITEMS_PER_DOMAIN, p=LABEL_SHARE):
            items.append(Item(domain, str(label), LABEL_DIFFICULTY[label] + rng.normal(0, ITEM_SPREAD)))
    return items


def draw_exam(rng: np.random.Generator, by_domain: dict[str, list[int]]) -> list[int]:
    """A blueprint exam: a length in [min, max], seats by largest remainder, items without repeat."""
    length = int(rng.integers(MIN_Q, MAX_Q + 1))
    seats = largest_remainder(length, WEIGHTS)
    return [int(i) for d, n in seats.items() for i in rng.choice(by_domain[d], size=n, replace=False)]


def sit(rng, items, bank: list[Item], ability: dict[str, float]) -> np.ndarray:
    """Answer `items`: right with probability sigmoid(ability in the domain - difficulty)."""
    chance = [1 / (1 + np.exp(bank[i].difficulty - ability[bank[i].domain])) for i in items]
    return rng.random(len(items)) < np.array(chance)


def passed(right: np.ndarray) -> bool:
    """Scoring's rule: correct * 100 >= pass percent * length."""
    return int(right.sum()) * 100 >= PASS_PERCENT * len(right)


def simulate(learners: int, seed: int):
    """Every learner's answers, last-mock result and real-exam result."""
    rng = np.random.default_rng(seed)
    bank = make_bank(rng)
    by_domain = {d: [i for i, item in enumerate(bank) if item.domain == d] for d in WEIGHTS}
    people = []
    for _ in range(learners):
        overall = rng.normal(ABILITY_MEAN, ABILITY_SD)
        offsets = {d: rng.normal(0, DOMAIN_SD) for d in WEIGHTS}
        gain = rng.normal(GAIN_MEAN, GAIN_SD)

        def ability(day: float) -> dict[str, float]:
            return {d: overall + offsets[d] + gain * day / STUDY_DAYS for d in WEIGHTS}

        log: list[tuple[int, bool, float]] = []  # (item, right, day)
        for day in (rng.uniform(0, 3), rng.uniform(18, 24)):
            exam = draw_exam(rng, by_domain)
            right = sit(rng, exam, bank, ability(day))
            log += [(i, bool(r), day) for i, r in zip(exam, right)]
            last_mock_passed = passed(right)
        # Practice: 0-4 sessions of 10-30 questions, mostly in the learner's weakest domains.
        for _ in range(int(rng.integers(0, 5))):
            day = rng.uniform(3, 26)
            weakest = sorted(WEIGHTS, key=offsets.get)[:3]
            domain = weakest[int(rng.integers(0, 3))] if rng.random() < 0.7 else str(rng.choice(list(WEIGHTS)))
            picks = rng.choice(by_domain[domain], size=int(rng.integers(10, 31)), replace=False)
            right = sit(rng, picks, bank, ability(day))
            log += [(int(i), bool(r), day) for i, r in zip(picks, right)]
        real = sit(rng, draw_exam(rng, by_domain), bank, ability(STUDY_DAYS))
        people.append((log, last_mock_passed, passed(real)))
    return bank, people


def calibrate(bank: list[Item], people) -> list[float]:
    """Each item's difficulty as the app calibrates it, from every learner's responses."""
    responses = np.zeros(len(bank), dtype=int)
    correct = np.zeros(len(bank), dtype=int)
    for log, _, _ in people:
        for item, right, _ in log:
            responses[item] += 1
            correct[item] += right
    return [calibrated_difficulty(item.label, int(n), int(k))
            for item, n, k in zip(bank, responses, correct)]


def expected_calibration_error(p: np.ndarray, outcome: np.ndarray, bins: int = 10) -> float:
    """Mean |forecast - observed| over deciles of the forecast, weighted by their size."""
    order = np.argsort(p, kind="stable")
    error = 0.0
    for chunk in np.array_split(order, bins):
        error += len(chunk) * abs(p[chunk].mean() - outcome[chunk].mean())
    return error / len(p)


def timing(bank: list[Item], difficulty: list[float], rng, runs: int = 200) -> float:
    """p99 milliseconds of one forecast (with "what moves it most") for 5,000 answers."""
    blueprint = ExamBlueprint(WEIGHTS, MIN_Q, MAX_Q, PASS_PERCENT,
                              {d: [difficulty[i] for i, it in enumerate(bank) if it.domain == d] for d in WEIGHTS})
    now = START + timedelta(days=STUDY_DAYS)
    picks = rng.integers(0, len(bank), size=5000)
    answers = [Answer(bank[i].domain, bool(rng.random() < 0.7), now - timedelta(days=float(rng.uniform(0, 90))),
                      difficulty[i]) for i in picks]
    forecast(answers, blueprint, now)  # warm up
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        forecast(answers, blueprint, now)
        times.append(time.perf_counter() - begin)
    return float(np.percentile(times, 99) * 1000)


def stats_timing(rng, responses: int = 100_000) -> float:
    """Seconds for item statistics over `responses` responses (2,000 attempts of 50)."""
    per_attempt = 50
    data = []
    for attempt in range(responses // per_attempt):
        for position in range(per_attempt):
            item = int(rng.integers(0, 400))
            right = bool(rng.random() < 0.7)
            data.append(Response(item_id=item, attempt_id=attempt, correct=right,
                                 selected=("b",) if right else ("a",), choices=("a", "b", "c", "d"),
                                 seconds=int(rng.integers(10, 200)), flagged=bool(rng.random() < 0.1),
                                 changed=bool(rng.random() < 0.05)))
    begin = time.perf_counter()
    item_statistics(data)
    return time.perf_counter() - begin


def main(argv: list[str] | None = None) -> int:
    """Run the simulation and print the figures; 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    bank, people = simulate(args.learners, args.seed)
    difficulty = calibrate(bank, people)
    blueprint = ExamBlueprint(WEIGHTS, MIN_Q, MAX_Q, PASS_PERCENT,
                              {d: [difficulty[i] for i, it in enumerate(bank) if it.domain == d] for d in WEIGHTS})
    now = START + timedelta(days=STUDY_DAYS - 1)
    forecasts, baseline, outcome = [], [], []
    for log, last_mock_passed, real_passed in people:
        answers = [Answer(bank[i].domain, right, START + timedelta(days=day), difficulty[i])
                   for i, right, day in log]
        forecasts.append(forecast(answers, blueprint, now, levers=False).probability)
        baseline.append(float(last_mock_passed))
        outcome.append(float(real_passed))
    p, b, y = np.array(forecasts), np.array(baseline), np.array(outcome)
    brier, base_brier = float(((p - y) ** 2).mean()), float(((b - y) ** 2).mean())
    ece = expected_calibration_error(p, y)
    p99 = timing(bank, difficulty, np.random.default_rng(args.seed))
    stats_seconds = stats_timing(np.random.default_rng(args.seed))
    print(f"learners {len(people)} real-exam pass rate {y.mean():.3f}")
    print(f"forecast brier {brier:.4f}")
    print(f"baseline brier {base_brier:.4f}")
    print(f"forecast ece {ece:.4f}")
    print(f"forecast ms p99 {p99:.1f}")
    print(f"item stats s {stats_seconds:.2f} for 100000 responses")
    ok = brier <= 0.8 * base_brier and ece <= 0.05 and p99 < 50 and stats_seconds < 5
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
