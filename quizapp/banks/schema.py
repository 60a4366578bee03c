"""The shape of bank files, as strict pydantic models.

Strict mode matters: YAML turns an unquoted `true` into a boolean, and a bank
author must hear about it rather than see "True" as an option text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

SLUG = r"^[a-z0-9][a-z0-9-]*$"
CHOICE_KEY = r"^[a-z0-9][a-z0-9_-]{0,19}$"
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}
# References settle facts: Stripe's docs first, its other pages (support, changelog) too.
REFERENCE_HOSTS = r"^https://([a-z0-9-]+\.)?stripe\.com(/|$)"
CHOOSE_N = re.compile(r"\(Choose (two|three|four|five|[2-5])\.?\)", re.IGNORECASE)


class StrictModel(BaseModel):
    """Unknown fields are errors; types are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class DomainSpec(StrictModel):
    """A domain of a track and its share of every exam."""

    slug: str = Field(pattern=SLUG, max_length=100)
    title: str = Field(min_length=1, max_length=200)
    weight: int = Field(gt=0, le=100)


class TrackTranslation(StrictModel):
    """The track's own words (title, description, domain titles) in another language."""

    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    domains: dict[str, str] = Field(default_factory=dict)


class TrackSpec(StrictModel):
    """The track file: the exam's format and its domains."""

    slug: str = Field(pattern=SLUG, max_length=100)
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    duration_minutes: int = Field(gt=0, le=600)
    min_questions: int = Field(gt=0, le=500)
    max_questions: int = Field(gt=0, le=500)
    pass_percent: int = Field(gt=0, le=100)
    languages: list[str] = Field(default_factory=list)
    domains: list[DomainSpec] = Field(min_length=1)
    translations: dict[str, TrackTranslation] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> TrackSpec:
        if self.min_questions > self.max_questions:
            raise ValueError("min_questions is larger than max_questions; swap them")
        total = sum(d.weight for d in self.domains)
        if total != 100:
            raise ValueError(f"domain weights sum to {total}, not 100; adjust them")
        slugs = [d.slug for d in self.domains]
        doubled = sorted({s for s in slugs if slugs.count(s) > 1})
        if doubled:
            raise ValueError(f"domain {', '.join(doubled)} is declared twice; keep one")
        for language, text in self.translations.items():
            unknown = sorted(set(text.domains) - set(slugs))
            if unknown:
                raise ValueError(f"translations.{language} names unknown domain {', '.join(unknown)}")
        return self


class QuestionSpec(StrictModel):
    """One question as written in a domain file."""

    id: str = Field(pattern=SLUG, max_length=100)
    domain: str | None = Field(default=None, pattern=SLUG)
    difficulty: Literal["easy", "medium", "hard"] | None = None
    tags: list[str] = Field(default_factory=list)
    stem: str = Field(min_length=1, max_length=5000)
    choices: dict[str, str] = Field(min_length=3, max_length=6)
    answer: str | list[str]
    explanation: str = Field(min_length=1, max_length=10000)
    references: list[str] = Field(min_length=1)
    shuffle: bool = True
    # The day an author last checked this item against docs.stripe.com; `banks stale`
    # lists the items not checked recently. Written as YYYY-MM-DD text.
    verified: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    # Items that test the same fact or cue each other share a group; an exam never
    # holds two items of one group (psychometric "enemy items").
    enemy_groups: list[str] = Field(default_factory=list)

    @field_validator("verified")
    @classmethod
    def _verified(cls, verified: str | None) -> str | None:
        if verified is not None:
            try:
                date.fromisoformat(verified)
            except ValueError:
                raise ValueError(f"{verified!r} is not a real date; write YYYY-MM-DD") from None
        return verified

    @field_validator("enemy_groups")
    @classmethod
    def _enemy_groups(cls, groups: list[str]) -> list[str]:
        for group in groups:
            if not re.match(SLUG, group):
                raise ValueError(f"enemy group {group!r} must be a lowercase slug like 'refund-window'")
        return groups

    @field_validator("choices")
    @classmethod
    def _choices(cls, choices: dict[str, str]) -> dict[str, str]:
        for key, text in choices.items():
            if not re.match(CHOICE_KEY, key):
                raise ValueError(f"choice key {key!r} must be short lowercase letters or digits")
            if not text.strip():
                raise ValueError(f"choice {key} has no text")
        if re.search(r"\ball of the above\b", " ".join(choices.values()), re.IGNORECASE):
            raise ValueError("'all of the above' gives the answer away; write a real option")
        texts = [t.strip().casefold() for t in choices.values()]
        doubled = sorted({t for t in texts if texts.count(t) > 1})
        if doubled:
            raise ValueError(f"two choices have the same text {doubled[0]!r}; make them differ")
        return choices

    @field_validator("references")
    @classmethod
    def _references(cls, references: list[str]) -> list[str]:
        for link in references:
            if not re.match(r"^https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$", link, re.IGNORECASE):
                raise ValueError(f"{link!r} is not an https link; give a full https:// address")
            if not re.match(REFERENCE_HOSTS, link, re.IGNORECASE):
                raise ValueError(f"{link!r} is not on Stripe's own site; cite docs.stripe.com "
                                 "(or another stripe.com page)")
        return references

    @field_validator("answer")
    @classmethod
    def _answer(cls, answer: str | list[str], info: ValidationInfo) -> str | list[str]:
        choices = info.data.get("choices")
        stem = info.data.get("stem") or ""
        if choices is None:
            return answer  # the choices' own error is reported instead
        keys = [answer] if isinstance(answer, str) else list(answer)
        unknown = [k for k in keys if k not in choices]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is not a choice key; use one of {', '.join(choices)}"
            )
        if len(set(keys)) != len(keys):
            raise ValueError("lists a key twice")
        said = CHOOSE_N.search(stem)
        if isinstance(answer, list):
            if len(keys) < 2 or len(keys) >= len(choices):
                raise ValueError(
                    "a list needs 2 or more keys and fewer keys than choices; "
                    "use a single key for one answer"
                )
            want = NUMBER_WORDS.get(len(keys), str(len(keys)))
            if said is None or said.group(1).lower() not in (want, str(len(keys))):
                raise ValueError(
                    f"has {len(keys)} keys, so the stem must end with '(Choose {want}.)'"
                )
        elif said is not None:
            raise ValueError("is a single key but the stem says 'Choose N'; make it a list")
        return answer

    @property
    def answer_keys(self) -> list[str]:
        """The key as a list, whatever form the author wrote it in."""
        return [self.answer] if isinstance(self.answer, str) else list(self.answer)


class QuestionFile(StrictModel):
    """A domain file: its domain and its questions."""

    domain: str = Field(pattern=SLUG)
    questions: list[QuestionSpec] = Field(default_factory=list)
