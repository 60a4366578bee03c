"""Reading bank YAML files: round-trip trees with line numbers, and problems that point at them.

Shared by the question loader and the translation loader.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml as pyyaml
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
    """The 1-based line of the deepest part of `loc` the YAML tree can place.

    A round-trip tree knows every key's line; a fast tree knows the line where
    each mapping or list starts, which places a question exactly.
    """
    line = getattr(node, "line", None)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
            line = getattr(node, "line", line)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = getattr(node, "line", line)
        else:
            break
    return line


class LineDict(dict):
    """A mapping from the fast reader that knows the line it starts on."""

    line: int = 1


class LineList(list):
    """A list from the fast reader that knows the line it starts on."""

    line: int = 1


class FastLoader(pyyaml.CSafeLoader):
    """libyaml's parser with YAML 1.2's booleans, duplicate keys refused, lines kept.

    ruamel's round-trip reader is pure Python and took most of a start (about
    6 s of CPU for both banks and their translations); libyaml reads them in
    half a second. Only `true`/`false` are booleans, as in YAML 1.2, so `No`
    and `On` stay text exactly as the round-trip reader reads them.
    """


FastLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in pyyaml.CSafeLoader.yaml_implicit_resolvers.items()}
FastLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))


def _mapping(loader: FastLoader, node):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    keys = [loader.construct_object(key, deep=True) for key, _ in node.value]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise pyyaml.constructor.ConstructorError(None, None, f"found duplicate key {key!r}",
                                                      node.value[index][0].start_mark)
    data.update(loader.construct_mapping(node, deep=True))


def _sequence(loader: FastLoader, node):
    data = LineList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


FastLoader.add_constructor("tag:yaml.org,2002:map", _mapping)
FastLoader.add_constructor("tag:yaml.org,2002:seq", _sequence)


def read_fast(path: Path) -> Any:
    """Parse with libyaml; None when it cannot (the precise reader then says why)."""
    try:
        return pyyaml.load(path.read_text(encoding="utf-8"), Loader=FastLoader)
    except (pyyaml.YAMLError, ValueError, UnicodeDecodeError):
        return None


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
