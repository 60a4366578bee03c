"""Read a banks folder into validated tracks, collecting every problem.

Each problem names the file, the line, the question and the field, so an
author can jump straight to it: `path:line: question-id: field: message`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from ..exam.assembly import largest_quotas
from .schema import QuestionFile, QuestionSpec, TrackSpec

TRACK_FILE = "track.yaml"
# Two stems sharing this share of their word triples read as the same question.
NEAR_DUPLICATE_THRESHOLD = 0.6


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a bank, located as precisely as the parser allows."""

    path: str
    line: int | None
    question: str
    field: str
    message: str

    def __str__(self) -> str:
        line = self.line if self.line is not None else 1
        return f"{self.path}:{line}: {self.question}: {self.field}: {self.message}"


@dataclass
class BankQuestion:
    """A validated question with where it came from."""

    spec: QuestionSpec
    domain: str
    path: str
    line: int


@dataclass
class TrackBank:
    """A validated track and its questions."""

    spec: TrackSpec
    path: str
    questions: list[BankQuestion] = field(default_factory=list)


@dataclass
class BankLoad:
    """What reading a banks folder gave: tracks, and problems if any."""

    tracks: list[TrackBank]
    problems: list[Problem]

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


def _plain(node: Any) -> Any:
    """Turn ruamel's round-trip containers into plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (bool, int, float)) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.date):
        # An unquoted `verified: 2026-11-27` arrives as a date; the schema checks text.
        return node.isoformat()
    return node


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest part of `loc` the YAML tree can place."""
    line = None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _read_yaml(path: Path, problems: list[Problem], display: str) -> Any:
    yaml = YAML(typ="rt")
    try:
        return yaml.load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = f"{error.problem or error.context}; check the indentation and quote text that contains ': '"
        problems.append(Problem(display, line, "-", "yaml", message))
    except UnicodeDecodeError:
        problems.append(Problem(display, None, "-", "file", "is not UTF-8 text; save it as UTF-8"))
    except ValueError as error:
        # ruamel builds unquoted dates itself and raises a bare ValueError on 2026-13-45.
        problems.append(Problem(display, None, "-", "yaml",
                                f"{error}; write dates as real YYYY-MM-DD days"))
    return None


def _hint(error: dict[str, Any]) -> str:
    kind = error["type"]
    message = error["msg"]
    if kind == "string_type":
        return f"{message}, got {error['input']!r}; put the text in quotes"
    if kind == "missing":
        return "is missing; add it"
    if kind == "extra_forbidden":
        return "is not a known field; remove it or fix its spelling"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    return message


def _validation_problems(
    error: ValidationError, tree: Any, display: str, prefix: tuple[Any, ...], question_ids: list[str]
) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = prefix + tuple(item["loc"])
        question = "-"
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
            if loc[1] < len(question_ids):
                question = question_ids[loc[1]]
            # Drop the union branch names pydantic adds (str, list[str]).
            fields = [str(p) for p in loc[2:] if p not in ("str", "list[str]")]
        else:
            fields = [str(p) for p in loc if p not in ("str", "list[str]")]
        problems.append(
            Problem(display, _line_of(tree, loc), question, ".".join(fields) or "-", _hint(item))
        )
    return problems


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_banks(banks_dir: str | Path) -> BankLoad:
    """Read and check every track folder under `banks_dir`."""
    root = Path(banks_dir)
    problems: list[Problem] = []
    tracks: list[TrackBank] = []
    if not root.is_dir():
        problems.append(Problem(str(root), None, "-", "folder", "does not exist; set QUIZAPP_BANKS_DIR"))
        return BankLoad(tracks, problems)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        track_path = folder / TRACK_FILE
        if not track_path.exists():
            problems.append(
                Problem(_display(folder, root), None, "-", "track", f"has no {TRACK_FILE}; add one")
            )
            continue
        track = _load_track(folder, track_path, root, problems)
        if track is not None:
            tracks.append(track)
    return BankLoad(tracks, problems)


def _load_track(folder: Path, track_path: Path, root: Path, problems: list[Problem]) -> TrackBank | None:
    display = _display(track_path, root)
    tree = _read_yaml(track_path, problems, display)
    if tree is None:
        return None
    try:
        spec = TrackSpec.model_validate(_plain(tree))
    except ValidationError as error:
        for problem in _validation_problems(error, tree, display, (), []):
            problems.append(Problem(problem.path, problem.line, "track", problem.field, problem.message))
        return None
    if spec.slug != folder.name:
        problems.append(
            Problem(display, _line_of(tree, ("slug",)), "track", "slug",
                    f"is {spec.slug!r} but the folder is {folder.name!r}; make them equal")
        )
    track = TrackBank(spec=spec, path=display)
    declared = {d.slug for d in spec.domains}
    seen_ids: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == TRACK_FILE:
            continue
        _load_questions(path, root, track, declared, seen_ids, problems)
    _check_quotas(track, problems)
    _check_near_duplicates(track, problems)
    return track


def _load_questions(
    path: Path, root: Path, track: TrackBank, declared: set[str],
    seen_ids: dict[str, str], problems: list[Problem],
) -> None:
    display = _display(path, root)
    tree = _read_yaml(path, problems, display)
    if tree is None:
        return
    if not isinstance(tree, dict):
        problems.append(Problem(display, 1, "-", "file", "must be a mapping with 'domain' and 'questions'"))
        return
    raw_questions = tree.get("questions") if isinstance(tree.get("questions"), list) else []
    ids = [str(q.get("id", f"question {i + 1}")) if isinstance(q, dict) else f"question {i + 1}"
           for i, q in enumerate(raw_questions)]
    # Validate question by question so one bad item does not hide the others.
    file_domain = tree.get("domain")
    try:
        QuestionFile.model_validate({"domain": _plain(file_domain), "questions": []})
    except ValidationError as error:
        problems.extend(_validation_problems(error, tree, display, (), ids))
        return
    if file_domain not in declared:
        problems.append(Problem(display, _line_of(tree, ("domain",)), "-", "domain",
                                f"{file_domain!r} is not a domain of track {track.spec.slug}; "
                                f"use one of {', '.join(sorted(declared))}"))
    extra = set(tree) - {"domain", "questions"}
    for key in sorted(map(str, extra)):
        problems.append(Problem(display, _line_of(tree, (key,)), "-", key,
                                "is not a known field; remove it or fix its spelling"))
    if "questions" in tree and not isinstance(tree.get("questions"), list):
        problems.append(Problem(display, _line_of(tree, ("questions",)), "-", "questions",
                                "must be a list of questions"))
    for index, raw in enumerate(raw_questions):
        try:
            spec = QuestionSpec.model_validate(_plain(raw))
        except ValidationError as error:
            problems.extend(_validation_problems(error, tree, display, ("questions", index), ids))
            continue
        line = _line_of(tree, ("questions", index)) or 1
        domain = spec.domain or file_domain
        if spec.domain is not None and spec.domain not in declared:
            problems.append(Problem(display, _line_of(tree, ("questions", index, "domain")), spec.id,
                                    "domain", f"{spec.domain!r} is not a domain of this track"))
            continue
        if spec.id in seen_ids:
            problems.append(Problem(display, line, spec.id, "id",
                                    f"is already used at {seen_ids[spec.id]}; give this question a new id"))
            continue
        seen_ids[spec.id] = f"{display}:{line}"
        if domain in declared:
            track.questions.append(BankQuestion(spec, domain, display, line))


def _check_quotas(track: TrackBank, problems: list[Problem]) -> None:
    spec = track.spec
    weights = {d.slug: d.weight for d in spec.domains}
    need = largest_quotas(spec.min_questions, spec.max_questions, weights)
    have = {slug: 0 for slug in weights}
    for q in track.questions:
        have[q.domain] += 1
    for slug, count in have.items():
        if count < need[slug]:
            problems.append(Problem(track.path, None, "track", f"domains.{slug}",
                                    f"has {count} questions but an exam can ask for {need[slug]}; "
                                    f"add at least {need[slug] - count}"))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9_]+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def near_duplicate_pairs(
    questions: list[BankQuestion], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> list[tuple[BankQuestion, BankQuestion, float]]:
    """Pairs of questions whose stems share most of their word triples."""
    sets = [(q, _shingles(q.spec.stem)) for q in questions]
    pairs = []
    for i, (first, a) in enumerate(sets):
        for second, b in sets[i + 1 :]:
            if not a or not b:
                continue
            # Cheap bound first: Jaccard can't exceed min/max of the sizes.
            if min(len(a), len(b)) / max(len(a), len(b)) < threshold:
                continue
            similarity = len(a & b) / len(a | b)
            if similarity >= threshold:
                pairs.append((first, second, similarity))
    return pairs


def _check_near_duplicates(track: TrackBank, problems: list[Problem]) -> None:
    for first, second, similarity in near_duplicate_pairs(track.questions):
        problems.append(Problem(second.path, second.line, second.spec.id, "stem",
                                f"reads like {first.spec.id} ({first.path}:{first.line}, "
                                f"{similarity:.0%} alike); rewrite one of them"))


def require_valid_banks(banks_dir: str | Path) -> BankLoad:
    """Load the banks or raise InvalidBanks listing every problem."""
    result = load_banks(banks_dir)
    if result.problems:
        raise InvalidBanks(result.problems)
    return result
