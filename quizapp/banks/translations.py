"""Translations of a track's questions, one folder per language beside the domain files.

    question_banks/associate-architect/translations/ja/payments.yaml

    language: ja
    domain: payments
    questions:
      - id: aa-payments-001
        source: 3f2a9c0b1d4e      # `banks translation-template` writes it
        stem: |
          ...
        choices:
          a: ...
        explanation: |
          ...

`source` is a short hash of the English stem, choices and explanation the
translation was made from. Editing the English changes its hash, so the
translation is then stale: `banks check` says so, and exams show that
question in English until a translator updates it. Missing and stale
translations are notices, not problems: the app still starts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError

from .schema import SLUG, StrictModel
from .yamlfile import Problem, display, line_of, plain, read_fast, read_yaml, validation_problems

if TYPE_CHECKING:
    from .loader import TrackBank

SOURCE_LENGTH = 12
LANGUAGE = r"^[a-z]{2,3}(-[A-Z]{2})?$"


class TranslatedQuestion(StrictModel):
    """One question's text in another language, tied to the English it came from."""

    id: str = Field(pattern=SLUG, max_length=100)
    source: str = Field(pattern=r"^[0-9a-f]{12}$")
    stem: str = Field(min_length=1, max_length=5000)
    choices: dict[str, str] = Field(min_length=3, max_length=6)
    explanation: str = Field(min_length=1, max_length=10000)


class TranslationFile(StrictModel):
    """A translation file: its language, its domain and its questions."""

    language: str = Field(pattern=LANGUAGE)
    domain: str = Field(pattern=SLUG)
    questions: list[TranslatedQuestion] = Field(default_factory=list)


def _valid_translation_file(tree) -> bool:
    if not isinstance(tree, dict):
        return False
    try:
        TranslationFile.model_validate(plain(tree))
    except ValidationError:
        return False
    return True


def source_hash(stem: str, choices: dict[str, str], explanation: str) -> str:
    """The short hash of the English text a translation is made from."""
    canonical = json.dumps({"stem": stem.strip(), "choices": {k: v.strip() for k, v in choices.items()},
                            "explanation": explanation.strip()},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:SOURCE_LENGTH]


def load_translations(folder: Path, root: Path, track: TrackBank, problems: list[Problem],
                      notices: list[Problem]) -> None:
    """Read translations/<language>/*.yaml for each language the track declares besides English.

    Fresh translations are attached to their questions; structural errors are
    problems; missing and stale translations are notices.
    """
    by_id = {q.spec.id: q for q in track.questions}
    for language in track.spec.languages:
        if language == "en":
            continue
        seen: set[str] = set()
        lang_folder = folder / "translations" / language
        for path in sorted(lang_folder.glob("*.yaml")) if lang_folder.is_dir() else []:
            shown = display(path, root)
            tree = read_fast(path)
            if not _valid_translation_file(tree):
                tree = read_yaml(path, problems, shown)  # again, with every key's line
            if tree is None:
                continue
            raw = tree.get("questions") if isinstance(tree, dict) else None
            ids = [str(q.get("id", f"question {i + 1}")) if isinstance(q, dict) else f"question {i + 1}"
                   for i, q in enumerate(raw or [])]
            try:
                parsed = TranslationFile.model_validate(plain(tree))
            except ValidationError as error:
                problems.extend(validation_problems(error, tree, shown, (), ids))
                continue
            if parsed.language != language:
                problems.append(Problem(shown, line_of(tree, ("language",)), "-", "language",
                                        f"says {parsed.language!r} but the folder is {language!r}"))
                continue
            for index, item in enumerate(parsed.questions):
                line = line_of(tree, ("questions", index)) or 1
                question = by_id.get(item.id)
                if question is None:
                    problems.append(Problem(shown, line, item.id, "id",
                                            "is not a question of this track; check the id"))
                    continue
                if item.id in seen:
                    problems.append(Problem(shown, line, item.id, "id", "is translated twice; keep one"))
                    continue
                seen.add(item.id)
                spec = question.spec
                if set(item.choices) != set(spec.choices):
                    problems.append(Problem(shown, line_of(tree, ("questions", index, "choices")) or line,
                                            item.id, "choices",
                                            f"has keys {', '.join(sorted(item.choices))} but the English "
                                            f"has {', '.join(sorted(spec.choices))}; translate each option once"))
                    continue
                current = source_hash(spec.stem, spec.choices, spec.explanation)
                if item.source != current:
                    track.stale_translations.setdefault(language, set()).add(item.id)
                    notices.append(Problem(shown, line, item.id, "source",
                                           f"stale: the English changed since this {language} translation "
                                           f"(source {item.source}, now {current}); update it and set "
                                           f"source: {current}"))
                    continue
                question.translations[language] = item
        for question in track.questions:
            if question.spec.id not in seen:
                notices.append(Problem(question.path, question.line, question.spec.id, f"translations.{language}",
                                       f"has no {language} translation yet"))
