"""Read a banks folder into validated tracks, collecting every problem.

Each problem names the file, the line, the question and the field, so an
author can jump straight to it: `path:line: question-id: field: message`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..exam.assembly import largest_quotas
from .cues import conspicuous_key, cue_rule_problem, track_cues
from .schema import QuestionFile, QuestionSpec, TrackSpec
from .similarity import same_meaning_pairs
from .translations import load_translations
from .yamlfile import Problem, display, line_of, plain, read_fast, read_yaml, validation_problems

TRACK_FILE = "track.yaml"
# Two stems sharing this share of their word triples read as the same question.
NEAR_DUPLICATE_THRESHOLD = 0.6


@dataclass
class BankQuestion:
    """A validated question with where it came from."""

    spec: QuestionSpec
    domain: str
    path: str
    line: int
    # language -> fresh translation (banks.translations.TranslatedQuestion)
    translations: dict = field(default_factory=dict)


@dataclass
class TrackBank:
    """A validated track and its questions."""

    spec: TrackSpec
    path: str
    questions: list[BankQuestion] = field(default_factory=list)
    # language -> ids whose translation was made from older English
    stale_translations: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class BankLoad:
    """What reading a banks folder gave: tracks, and problems if any."""

    tracks: list[TrackBank]
    problems: list[Problem]
    # Things to fix that do not stop the app: missing and stale translations.
    notices: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


class InvalidBanks(Exception):
    """Raised when the app is asked to start on banks with problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"the question banks have {len(problems)} problem(s):\n{lines}")


def load_banks(banks_dir: str | Path) -> BankLoad:
    """Read and check every track folder under `banks_dir`."""
    root = Path(banks_dir)
    problems: list[Problem] = []
    notices: list[Problem] = []
    tracks: list[TrackBank] = []
    if not root.is_dir():
        problems.append(Problem(str(root), None, "-", "folder", "does not exist; set QUIZAPP_BANKS_DIR"))
        return BankLoad(tracks, problems)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        track_path = folder / TRACK_FILE
        if not track_path.exists():
            problems.append(
                Problem(display(folder, root), None, "-", "track", f"has no {TRACK_FILE}; add one")
            )
            continue
        track = _load_track(folder, track_path, root, problems)
        if track is not None:
            load_translations(folder, root, track, problems, notices)
            tracks.append(track)
    return BankLoad(tracks, problems, notices)


def _load_track(folder: Path, track_path: Path, root: Path, problems: list[Problem]) -> TrackBank | None:
    shown = display(track_path, root)
    tree = read_yaml(track_path, problems, shown)
    if tree is None:
        return None
    try:
        spec = TrackSpec.model_validate(plain(tree))
    except ValidationError as error:
        for problem in validation_problems(error, tree, shown, (), []):
            problems.append(Problem(problem.path, problem.line, "track", problem.field, problem.message))
        return None
    if spec.slug != folder.name:
        problems.append(
            Problem(shown, line_of(tree, ("slug",)), "track", "slug",
                    f"is {spec.slug!r} but the folder is {folder.name!r}; make them equal")
        )
    track = TrackBank(spec=spec, path=shown)
    declared = {d.slug for d in spec.domains}
    seen_ids: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == TRACK_FILE:
            continue
        _load_questions(path, root, track, declared, seen_ids, problems)
    _check_quotas(track, problems)
    _check_near_duplicates(track, problems)
    _check_same_meaning(track, problems)
    problem = cue_rule_problem(track_cues([q.spec for q in track.questions])["single_answer"])
    if problem:
        problems.append(Problem(track.path, None, "track", "cues", problem))
    for question in track.questions:
        if lengths := conspicuous_key(question.spec):
            problems.append(Problem(
                question.path, question.line, question.spec.id, "choices",
                f"the key ({lengths[0]} characters) is much longer than every other option (at most "
                f"{lengths[1]}), so it can be picked on length alone; shorten it or make the "
                f"distractors as specific"))
    return track


def _load_questions(
    path: Path, root: Path, track: TrackBank, declared: set[str],
    seen_ids: dict[str, str], problems: list[Problem],
) -> None:
    shown = display(path, root)
    tree = read_fast(path)
    if not _valid_file(tree):
        # Something is wrong: read it again with every key's line, to say exactly where.
        tree = read_yaml(path, problems, shown)
    if tree is None:
        return
    if not isinstance(tree, dict):
        problems.append(Problem(shown, 1, "-", "file", "must be a mapping with 'domain' and 'questions'"))
        return
    raw_questions = tree.get("questions") if isinstance(tree.get("questions"), list) else []
    ids = [str(q.get("id", f"question {i + 1}")) if isinstance(q, dict) else f"question {i + 1}"
           for i, q in enumerate(raw_questions)]
    # Validate question by question so one bad item does not hide the others.
    file_domain = tree.get("domain")
    try:
        QuestionFile.model_validate({"domain": plain(file_domain), "questions": []})
    except ValidationError as error:
        problems.extend(validation_problems(error, tree, shown, (), ids))
        return
    if file_domain not in declared:
        problems.append(Problem(shown, line_of(tree, ("domain",)), "-", "domain",
                                f"{file_domain!r} is not a domain of track {track.spec.slug}; "
                                f"use one of {', '.join(sorted(declared))}"))
    extra = set(tree) - {"domain", "questions"}
    for key in sorted(map(str, extra)):
        problems.append(Problem(shown, line_of(tree, (key,)), "-", key,
                                "is not a known field; remove it or fix its spelling"))
    if "questions" in tree and not isinstance(tree.get("questions"), list):
        problems.append(Problem(shown, line_of(tree, ("questions",)), "-", "questions",
                                "must be a list of questions"))
    for index, raw in enumerate(raw_questions):
        try:
            spec = QuestionSpec.model_validate(plain(raw))
        except ValidationError as error:
            problems.extend(validation_problems(error, tree, shown, ("questions", index), ids))
            continue
        line = line_of(tree, ("questions", index)) or 1
        domain = spec.domain or file_domain
        if spec.domain is not None and spec.domain not in declared:
            problems.append(Problem(shown, line_of(tree, ("questions", index, "domain")), spec.id,
                                    "domain", f"{spec.domain!r} is not a domain of this track"))
            continue
        if spec.id in seen_ids:
            problems.append(Problem(shown, line, spec.id, "id",
                                    f"is already used at {seen_ids[spec.id]}; give this question a new id"))
            continue
        seen_ids[spec.id] = f"{shown}:{line}"
        if domain in declared:
            track.questions.append(BankQuestion(spec, domain, shown, line))


def _valid_file(tree) -> bool:
    """True when a fast-read domain file validates whole (the usual case, and the fast one)."""
    if not isinstance(tree, dict):
        return False
    try:
        QuestionFile.model_validate(plain(tree))
    except ValidationError:
        return False
    return True


def _check_quotas(track: TrackBank, problems: list[Problem]) -> None:
    spec = track.spec
    weights = {d.slug: d.weight for d in spec.domains}
    need = largest_quotas(spec.min_questions, spec.max_questions, weights)
    have = {slug: 0 for slug in weights}
    apart: dict[str, list[QuestionSpec]] = {slug: [] for slug in weights}
    for q in track.questions:
        have[q.domain] += 1
        apart[q.domain].append(q.spec)
    for slug, count in have.items():
        if count < need[slug]:
            problems.append(Problem(track.path, None, "track", f"domains.{slug}",
                                    f"has {count} questions but an exam can ask for {need[slug]}; "
                                    f"add at least {need[slug] - count}"))
        elif (usable := len(mutually_compatible(apart[slug]))) < need[slug]:
            problems.append(Problem(track.path, None, "track", f"domains.{slug}",
                                    f"has only {usable} questions that are not enemies of one another "
                                    f"but an exam can ask for {need[slug]}; add questions on other points"))


def mutually_compatible(specs: list[QuestionSpec]) -> list[QuestionSpec]:
    """A large set of questions no two of which share an enemy group (greedy, fewest groups first)."""
    taken: set[str] = set()
    chosen = []
    for spec in sorted(specs, key=lambda s: len(s.enemy_groups)):
        if not taken.intersection(spec.enemy_groups):
            chosen.append(spec)
            taken.update(spec.enemy_groups)
    return chosen


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9_]+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def near_duplicate_pairs(
    questions: list[BankQuestion], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> list[tuple[BankQuestion, BankQuestion, float]]:
    """Pairs of questions whose stems share most of their word triples (Jaccard >= threshold).

    Exact, but not by comparing every pair (135,000 per track, most of a
    start): with the triples of every stem ordered rarest first, two stems
    that reach the threshold must share a triple within the first
    len - ceil(threshold * len) + 1 of each (the prefix filter of all-pairs
    similarity joins), so only stems sharing a prefix triple are compared.
    """
    sets = [_shingles(q.spec.stem) for q in questions]
    frequency: dict[tuple[str, ...], int] = {}
    for shingles in sets:
        for shingle in shingles:
            frequency[shingle] = frequency.get(shingle, 0) + 1
    index: dict[tuple[str, ...], list[int]] = {}
    pairs = []
    for i, a in enumerate(sets):
        if not a:
            continue
        ordered = sorted(a, key=lambda shingle: (frequency[shingle], shingle))
        prefix = ordered[: len(a) - math.ceil(threshold * len(a)) + 1]
        candidates = {j for shingle in prefix for j in index.get(shingle, ())}
        for j in sorted(candidates):
            b = sets[j]
            # Cheap bound first: Jaccard can't exceed min/max of the sizes.
            if min(len(a), len(b)) / max(len(a), len(b)) < threshold:
                continue
            similarity = len(a & b) / len(a | b)
            if similarity >= threshold:
                pairs.append((questions[j], questions[i], similarity))
        for shingle in prefix:
            index.setdefault(shingle, []).append(i)
    return pairs


def _check_near_duplicates(track: TrackBank, problems: list[Problem]) -> None:
    for first, second, similarity in near_duplicate_pairs(track.questions):
        problems.append(Problem(second.path, second.line, second.spec.id, "stem",
                                f"reads like {first.spec.id} ({first.path}:{first.line}, "
                                f"{similarity:.0%} alike); rewrite one of them"))


def _check_same_meaning(track: TrackBank, problems: list[Problem]) -> None:
    by_id = {q.spec.id: q for q in track.questions}
    texts = {q.spec.id: q.spec.stem + " " + " ".join(q.spec.choices[k] for k in q.spec.answer_keys)
             for q in track.questions}
    for first_id, second_id, similarity in same_meaning_pairs(texts):
        first, second = by_id[first_id], by_id[second_id]
        if set(first.spec.enemy_groups) & set(second.spec.enemy_groups):
            continue  # known enemies: never in one exam
        problems.append(Problem(second.path, second.line, second.spec.id, "stem",
                                f"tests the same point as {first.spec.id} ({first.path}:{first.line}, "
                                f"{similarity:.0%} alike in stem and key words); rewrite one, or give "
                                f"both the same enemy_groups entry"))
