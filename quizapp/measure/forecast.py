"""The pass forecast: how likely a learner is to pass the real exam now.

The model, in short (the README says it in plain words):

- Each answer is a Rasch trial: P(right) = sigmoid(ability in its domain - item difficulty).
- A learner's ability in a domain is their overall ability plus a domain offset. Both have a
  normal prior (the average learner sits at 0), so a domain with few answers leans on the
  learner's other domains, and a learner with few answers leans on the average learner.
- Older answers count less (a half-life in days), and are read as given by a slightly weaker
  learner (a typical gain per day of study), because learners improve while they study.
- A domain the learner answered more of than the blueprint asks (practice in a weak domain)
  has its answers scaled down to the blueprint's share, so it does not drag the rest down.
- The posterior is approximated by a normal around its mode (Laplace), fitted by Newton's
  method; it is sampled with fixed draws so the same answers always give the same figure.
- For each sampled ability, the real exam is the blueprint: every length from min to max is
  equally likely, seats per domain by largest remainder, items as hard as the bank's items of
  that domain; the chance of reaching the pass mark is exact (a convolution of binomials).
- The pass chance is the average over the samples; the interval is their 10th-90th
  percentile: how far the figure could move as more answers pin the ability down.

Plain data in, plain data out: answers are (domain, correct, when, difficulty) tuples, so mock
answers and practice answers feed it alike.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..exam.assembly import largest_remainder

# Difficulty in logits relative to the average learner, for an item with too few responses to
# calibrate. A medium item is one the average learner gets right about 62 % of the time, which
# puts the average learner a little under a 70 % pass mark.
LABEL_DIFFICULTY = {"easy": -1.5, "medium": -0.5, "hard": 0.5}
UNLABELLED_DIFFICULTY = -0.5
# An item's own facility takes over from its label once this many learners answered it.
MIN_RESPONSES_TO_CALIBRATE = 30
# The label still counts as this many responses: 30 responses give a facility within about
# +-0.17, so the label keeps a calibrated figure from swinging on the first few dozen.
LABEL_PSEUDO_RESPONSES = 10
# How widely learners' abilities in one domain spread (logits, SD), for turning a facility
# into a difficulty.
ABILITY_SPREAD = 1.1
# Prior over abilities (logits): overall N(0, 1), a domain's offset N(0, 0.5^2). The domain
# spread must not be set wider than learners really differ between domains: at 0.8 the
# benchmark's forecasts came out up to 10 points low, because over-spread domain estimates
# lower the expected score (a right answer's chance is concave above 50 %).
PRIOR_MEAN = 0.0
PRIOR_SD_OVERALL = 1.0
PRIOR_SD_DOMAIN = 0.5
# An answer this many days old counts half as much as one given now.
HALF_LIFE_DAYS = 30.0
# Learners improve while they study. An answer given some days ago is evidence about the
# learner as they were then: it is read as if the item had been this much harder per day
# (0.15 logits a month, about 3 points of exam score), for at most LEARNING_DAYS days.
LEARNING_PER_DAY = 0.15 / 30
LEARNING_DAYS = 60
# Every answer shows the learner that question's answer (a practice check, a mock's review).
# An answer to the same question given sooner than this after it measures memory of that
# item, not knowledge the real exam's different questions would find: it is not counted.
# Drilling "I got wrong" straight after a review took a forecast from 31 % to 66 % in three
# minutes. A day later, a right answer is recall, and counts.
REEXPOSURE_SECONDS = 86400
# Below this many answers on a track the page asks for more instead of showing a number.
MIN_ANSWERS = 30
# Draws from the posterior; fixed (seeded) so the same answers always give the same figure.
SAMPLES = 256
_SEED = 15
INTERVAL = (0.10, 0.90)
# "What moves it most": each domain's accuracy raised by this share of its answers. The best
# LEVER_CANDIDATES domains by expected score get a pass chance, on fewer draws: the same ones
# for every domain, so the comparison is fair, and the figure is shown rounded ("~75 %").
LEVER_SHARE = 0.10
LEVER_CANDIDATES = 3
LEVER_SAMPLES = 96
# The lever is said only when it moves the chance by at least this much: "would raise
# your chance to ~<1 %" from under 1 % tells a learner nothing.
LEVER_MIN_GAIN = 0.01
# A domain's items enter the exam model as this many groups of like difficulty.
POOL_POINTS = 16


def label_difficulty(label: str | None) -> float:
    """An item's difficulty (logits) from its bank label alone."""
    return LABEL_DIFFICULTY.get(label or "", UNLABELLED_DIFFICULTY)


def calibrated_difficulty(label: str | None, responses: int, correct: int) -> float:
    """An item's difficulty from all learners' responses once it has enough, from its label before.

    The facility is shrunk towards the label's, then turned into logits. A facility is an
    average over learners of differing ability, which flattens it towards 50 %; dividing by the
    usual probit-logistic factor undoes that for the prior's spread of abilities.
    """
    prior = label_difficulty(label)
    if responses < MIN_RESPONSES_TO_CALIBRATE:
        return prior
    spread = math.sqrt(1 + math.pi * ABILITY_SPREAD**2 / 8)
    prior_facility = 1 / (1 + math.exp(prior / spread))
    facility = (correct + LABEL_PSEUDO_RESPONSES * prior_facility) / (responses + LABEL_PSEUDO_RESPONSES)
    return -spread * math.log(facility / (1 - facility))


@dataclass(frozen=True)
class Answer:
    """One answer a learner gave: where, whether right, when, and how hard the item is."""

    domain: str
    correct: bool
    at: datetime
    difficulty: float


def counted(exposures: Sequence[tuple[object, datetime]]) -> list[bool]:
    """Which answers, given as (question, when), the forecast counts.

    An answer counts unless the same question was answered (and its answer shown) less
    than REEXPOSURE_SECONDS before it; every answer, counted or not, shows it again.
    """
    order = sorted(range(len(exposures)), key=lambda i: exposures[i][1])
    shown: dict[object, datetime] = {}
    mask = [True] * len(exposures)
    for i in order:
        question, at = exposures[i]
        last = shown.get(question)
        mask[i] = last is None or (at - last).total_seconds() >= REEXPOSURE_SECONDS
        shown[question] = at
    return mask


@dataclass(frozen=True)
class ExamBlueprint:
    """The real exam: domain weights, length range, pass mark, and each domain's item difficulties."""

    weights: Mapping[str, int]
    min_questions: int
    max_questions: int
    pass_percent: int
    # Difficulties (logits) of the bank's items per domain; a domain without any counts as medium.
    pool: Mapping[str, Sequence[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class DomainStanding:
    """A learner's evidence and estimated ability in one domain."""

    domain: str
    answered: int
    correct: int
    ability: float

    @property
    def percent(self) -> float | None:
        """Share answered right, in percent."""
        return 100.0 * self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class Lever:
    """The domain where more right answers would raise the pass chance most."""

    domain: str
    answered: int
    correct: int
    more_right: int
    probability: float

    @property
    def percent(self) -> float:
        """Share answered right so far, in percent."""
        return 100.0 * self.correct / self.answered


@dataclass(frozen=True)
class Forecast:
    """The pass chance with its interval, or how many more answers it needs."""

    answered: int
    needed: int
    probability: float | None = None
    low: float | None = None
    high: float | None = None
    domains: tuple[DomainStanding, ...] = ()
    lever: Lever | None = None

    @property
    def enough(self) -> bool:
        """True when there was enough evidence for a number."""
        return self.probability is not None

    @property
    def advice(self) -> Lever | None:
        """The lever, when it is worth saying: it moves the chance by LEVER_MIN_GAIN or more."""
        if self.lever is None or self.lever.probability - self.probability < LEVER_MIN_GAIN:
            return None
        return self.lever


class _Model:
    """The blueprint prepared once for many evaluations: arrays, seats, pass marks."""

    def __init__(self, blueprint: ExamBlueprint, samples: int) -> None:
        self.domains = _weighted(blueprint)
        self.index = {d: i for i, d in enumerate(self.domains)}
        default = label_difficulty("medium")
        # A domain's items enter as POOL_POINTS group means of their sorted difficulties: the chance of a
        # right answer to a random item of the domain is a smooth average, and a bank of
        # thousands of items then costs no more than one of twenty.
        self.pool = []
        for d in self.domains:
            values = np.sort(np.asarray(blueprint.pool.get(d) or [default], dtype=float))
            groups = np.array_split(values, min(len(values), POOL_POINTS))
            # Groups differ in size by one: each counts by its size.
            self.pool.append((np.array([g.mean() for g in groups]),
                              np.array([len(g) for g in groups], dtype=float) / len(values)))
        weights = {d: blueprint.weights[d] for d in self.domains}
        self.exams = []
        # Built only once answers in a weighted domain are kept (see forecast()), so every
        # exam length has a seat in some domain.
        for length in range(blueprint.min_questions, blueprint.max_questions + 1):
            seats = largest_remainder(length, weights)
            # Passed is correct * 100 >= pass_percent * length, as scoring compares it.
            self.exams.append(([seats[d] for d in self.domains],
                               -(-blueprint.pass_percent * length // 100)))
        most = max(n for seats, _ in self.exams for n in seats)
        self.comb = [np.array([math.comb(n, k) for k in range(n + 1)], dtype=float)
                     for n in range(most + 1)]
        self.fft_size = 1 << max(blueprint.max_questions, 1).bit_length()
        # Antithetic pairs (z, -z): half the Monte Carlo noise for the same work.
        half = np.random.default_rng(_SEED).standard_normal(((samples + 1) // 2, len(self.domains) + 1))
        self.z = np.stack([half, -half], axis=1).reshape(-1, len(self.domains) + 1)[:samples]

    def expected(self, ability: np.ndarray) -> np.ndarray:
        """Chance of a right answer to a random item of each domain, at one ability per domain."""
        return np.array([(1 / (1 + np.exp(levels - a))) @ share for (levels, share), a in zip(self.pool, ability)])

    def pass_given(self, theta: np.ndarray) -> np.ndarray:
        """P(pass | ability) for each row of `theta` (samples x domains)."""
        p_domain = np.empty_like(theta)
        for d, (levels, share) in enumerate(self.pool):
            p_domain[:, d] = (1 / (1 + np.exp(levels[None, :] - theta[:, d:d + 1]))) @ share
        p_domain = np.clip(p_domain, 1e-12, 1 - 1e-12)
        # The count right is a sum of one binomial per domain: multiply their Fourier transforms
        # (zero-padded past the longest exam) rather than convolving seat by seat.
        size = self.fft_size
        spectra: dict[tuple[int, int], np.ndarray] = {}
        chance = np.zeros(theta.shape[0])
        for seats, mark in self.exams:
            product = np.ones((theta.shape[0], size // 2 + 1), dtype=complex)
            for d, n in enumerate(seats):
                spectrum = spectra.get((d, n))
                if spectrum is None:
                    k = np.arange(n + 1)
                    p = p_domain[:, d:d + 1]
                    pmf = self.comb[n] * p**k * (1 - p)**(n - k)
                    spectrum = spectra[(d, n)] = np.fft.rfft(pmf, size, axis=1)
                product *= spectrum
            total = np.fft.irfft(product, size, axis=1)
            chance += np.clip(total[:, mark:], 0, None).sum(axis=1)
        return np.clip(chance / len(self.exams), 0.0, 1.0)


def _weighted(blueprint: ExamBlueprint) -> list[str]:
    """The domains the exam asks questions from, in the blueprint's order."""
    return [d for d, w in blueprint.weights.items() if w > 0]


@functools.lru_cache(maxsize=32)
def _model_of(key: tuple) -> _Model:
    weights, low, high, mark, pool, samples = key
    return _Model(ExamBlueprint(dict(weights), low, high, mark, dict(pool)), samples)


def _model(blueprint: ExamBlueprint, samples: int) -> _Model:
    """The blueprint's model, built once per process for each blueprint and item pool.

    Building it (seats for every length, binomial coefficients, the fixed draws) is an
    eighth to a fifth of a forecast's CPU (0.4 of 2.7 to 5 ms at 250 answers), and every
    learner of a track shares one blueprint and pool until an exam is scored or the bank
    changes. The model sorts each domain's difficulties, so sorting them here gives equal
    pools one key.
    """
    return _model_of((tuple(blueprint.weights.items()), blueprint.min_questions, blueprint.max_questions,
                      blueprint.pass_percent, tuple((d, tuple(sorted(v))) for d, v in sorted(blueprint.pool.items())),
                      samples))


def waiting(domains: Iterable[str], blueprint: ExamBlueprint) -> Forecast:
    """The forecast of a learner with fewer than MIN_ANSWERS answers (their domains given):
    how many more it needs.

    It needs neither the answers' difficulties nor the bank's: a caller that knows the
    answers are too few can skip reading them.
    """
    weighted = set(_weighted(blueprint))
    answered = sum(1 for d in domains if d in weighted)
    return Forecast(answered=answered, needed=max(MIN_ANSWERS - answered, 0))


def _prior_precision(count: int) -> np.ndarray:
    """Prior precision of (overall, offset per domain)."""
    return np.diag(np.r_[1 / PRIOR_SD_OVERALL**2, np.full(count, 1 / PRIOR_SD_DOMAIN**2)])


def _fit(domain: np.ndarray, right: np.ndarray, difficulty: np.ndarray, weight: np.ndarray,
         prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mode and covariance of (overall, offset per domain) by Newton's method."""
    count = prior.shape[0] - 1
    prior_mean = np.r_[PRIOR_MEAN, np.zeros(count)]
    x = prior_mean.copy()

    def data_terms(x: np.ndarray, with_gradient: bool):
        p = 1 / (1 + np.exp(difficulty - x[0] - x[1:][domain]))
        info_domain = np.bincount(domain, weight * p * (1 - p), count)
        precision = prior + np.diag(np.r_[info_domain.sum(), info_domain])
        precision[0, 1:] += info_domain
        precision[1:, 0] += info_domain
        if not with_gradient:
            return precision, None
        per_domain = np.bincount(domain, weight * (right - p), count)
        return precision, np.r_[per_domain.sum(), per_domain] - prior @ (x - prior_mean)

    for _ in range(50):
        precision, gradient = data_terms(x, True)
        step = np.linalg.solve(precision, gradient)
        x += step
        if np.abs(step).max() < 1e-6:
            break
    # The precision at the mode (recomputed so it matches the final x).
    precision, _ = data_terms(x, False)
    covariance = np.linalg.inv(precision)
    return x, (covariance + covariance.T) / 2


def _balanced(domain: np.ndarray, weight: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Scale down the answers of domains over-represented against the blueprint.

    Learners practise their weak domains. Counted in full, those answers say "weak" louder
    than the real exam's mix would, and pull the overall ability (and with it every domain
    they did not practise) down: in the benchmark the forecast came out 5-10 points low.
    """
    per_domain = np.bincount(domain, weight, len(shares))
    target = shares * per_domain.sum()
    factor = np.minimum(1.0, np.divide(target, per_domain, out=np.ones_like(target), where=per_domain > 0))
    return weight * factor[domain]


def _chances(model: _Model, mean: np.ndarray, covariance: np.ndarray,
             samples: int | None = None) -> np.ndarray:
    draws = mean + model.z[:samples] @ np.linalg.cholesky(covariance).T
    return model.pass_given(draws[:, :1] + draws[:, 1:])


def forecast(answers: Sequence[Answer], blueprint: ExamBlueprint, now: datetime, *,
             levers: bool = True, samples: int = SAMPLES) -> Forecast:
    """The chance of passing the real exam at `now`, from every answer given so far.

    Answers in domains the blueprint no longer weighs are left out. With fewer than
    MIN_ANSWERS the result carries only how many more are needed.
    """
    weighted = _weighted(blueprint)
    kept = [a for a in answers if a.domain in weighted]
    if len(kept) < MIN_ANSWERS:
        return waiting((a.domain for a in kept), blueprint)
    model = _model(blueprint, samples)
    count = len(model.domains)
    domain = np.fromiter((model.index[a.domain] for a in kept), dtype=np.intp, count=len(kept))
    right = np.fromiter((a.correct for a in kept), dtype=float, count=len(kept))
    difficulty = np.fromiter((a.difficulty for a in kept), dtype=float, count=len(kept))
    age_days = np.fromiter(((now - a.at).total_seconds() for a in kept), dtype=float,
                           count=len(kept)) / 86400
    age_days = np.maximum(age_days, 0)
    weight = 0.5 ** (age_days / HALF_LIFE_DAYS)
    difficulty = difficulty + LEARNING_PER_DAY * np.minimum(age_days, LEARNING_DAYS)
    shares = np.array([blueprint.weights[d] for d in model.domains], dtype=float)
    shares /= shares.sum()
    weight = _balanced(domain, weight, shares)
    prior = _prior_precision(count)
    mean, covariance = _fit(domain, right, difficulty, weight, prior)
    chance = _chances(model, mean, covariance)
    answered = np.bincount(domain, minlength=count)
    correct = np.bincount(domain, right, count).astype(int)
    standings = tuple(DomainStanding(d, int(answered[i]), int(correct[i]), float(mean[0] + mean[i + 1]))
                      for i, d in enumerate(model.domains))
    lever = None
    if levers:
        lever = _best_lever(model, domain, right, difficulty, weight, mean, covariance, standings)
    low, high = np.quantile(chance, INTERVAL)
    return Forecast(answered=len(kept), needed=0, probability=float(chance.mean()),
                    low=float(low), high=float(high), domains=standings, lever=lever)


def _best_lever(model: _Model, domain, right, difficulty, weight, mean, covariance,
                standings: Sequence[DomainStanding]) -> Lever | None:
    """Per domain, turn its most recent wrong answers (a LEVER_SHARE of its answers) right;
    keep the domain where that raises the pass chance most.

    The moved ability is one Newton step from the fitted one (the covariance times the
    change in the gradient): exact enough for a figure shown as "~75 %", and no refit. The
    domains are first ranked by the exam score the move adds at the fitted ability; only the
    best LEVER_CANDIDATES get the full pass chance.
    """
    count = len(standings)
    seats = np.mean([s for s, _ in model.exams], axis=0)
    moves = []
    for i, standing in enumerate(standings):
        wrong = np.flatnonzero((domain == i) & (right == 0))
        if not len(wrong):
            continue
        more = min(len(wrong), max(1, math.ceil(LEVER_SHARE * standing.answered)))
        # The heaviest-weighted are the most recent. A wrong answer turned right adds its
        # weight times (1 - p) to the gradient; p is taken at the fitted ability.
        flip = wrong[np.argsort(-weight[wrong], kind="stable")[:more]]
        p = 1 / (1 + np.exp(difficulty[flip] - mean[0] - mean[1 + i]))
        gradient = np.zeros(count + 1)
        gradient[0] = gradient[1 + i] = float((weight[flip] * (1 - p)).sum())
        moved = mean + covariance @ gradient
        # The exam score expected after the move; the score before it is the same for every
        # domain, so ranking by this ranks by the score the move adds.
        after = float(seats @ model.expected(moved[0] + moved[1:]))
        moves.append((after, i, more, moved))
    best = None
    for _, i, more, moved in sorted(moves, key=lambda m: -m[0])[:LEVER_CANDIDATES]:
        chance = float(_chances(model, moved, covariance, LEVER_SAMPLES).mean())
        if best is None or chance > best.probability:
            standing = standings[i]
            best = Lever(standing.domain, standing.answered, standing.correct, more, chance)
    return best
