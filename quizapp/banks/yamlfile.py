"""Reading bank YAML files: round-trip trees with line numbers, and problems that point at them.

Shared by the question loader and the translation loader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError


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



def plain(node: Any) -> Any:
    """Turn ruamel's round-trip containers into plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (bool, int, float)) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.date):
        # An unquoted `verified: 2026-11-27` arrives as a date; the schema checks text.
        return node.isoformat()
    return node


def line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
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


def read_yaml(path: Path, problems: list[Problem], display: str) -> Any:
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


def validation_problems(
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
            Problem(display, line_of(tree, loc), question, ".".join(fields) or "-", _hint(item))
        )
    return problems


def display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
