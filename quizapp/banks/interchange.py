"""Moodle interchange: GIFT, Moodle XML and Aiken files in, Moodle XML and GIFT out.

Only multiple choice converts: one key, or several for "choose N". Every other
question (true/false, short answer, matching, essay, numerical, cloze,
description) and every multiple choice item whose key cannot be read for sure
is refused with its line (and, in XML, its element) and the reason.

Imported questions come out as QuestionSpec-shaped dicts. Moodle has no field
for our references, so an export writes them at the end of the general feedback
("References:" and one link a line) and an import reads them back from there;
our id travels as the Moodle question name (XML `<name>`, GIFT `::title::`).

No Flask here: the CLI and the tests call these functions directly.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from .schema import CHOOSE_N, NUMBER_WORDS, SLUG, QuestionSpec, TrackSpec

IMPORT_FORMATS = ("gift", "moodle-xml", "aiken")
EXPORT_FORMATS = ("moodle-xml", "gift")
MIN_CHOICES, MAX_CHOICES = 3, 6
# A question bank is a few megabytes at most; anything larger is a mistake or an attack.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
REFERENCES_HEADING = "References:"

# Moodle's words for the types we refuse, so a refusal names what the author wrote.
TYPE_NAMES = {
    "truefalse": "a true/false question", "shortanswer": "a short-answer question",
    "match": "a matching question", "matching": "a matching question", "essay": "an essay question",
    "numerical": "a numerical question", "cloze": "a cloze (embedded answers) question",
    "multianswer": "a cloze (embedded answers) question", "description": "a description, not a question",
    "calculated": "a calculated question", "calculatedmulti": "a calculated multiple choice question",
    "calculatedsimple": "a calculated question", "ddwtos": "a drag-and-drop question",
    "gapselect": "a select-missing-words question", "randomsamatch": "a random matching question",
}


@dataclass(frozen=True)
class Located:
    """A refusal or a note, placed as precisely as the format allows."""

    line: int | None
    element: str  # XML: 'question[4] type="truefalse"'; GIFT and Aiken: ""
    message: str

    def at(self, path: str) -> str:
        """`path:line: [element: ]message`, the form every bank problem takes."""
        where = f"{self.element}: " if self.element else ""
        return f"{path}:{self.line or 1}: {where}{self.message}"


@dataclass
class ImportResult:
    """Questions converted from a file, what was refused, and notes on converted items."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[Located] = field(default_factory=list)
    notes: list[Located] = field(default_factory=list)
    # Where each converted question came from (same order as questions).
    origins: list[Located] = field(default_factory=list)

    @property
    def incomplete(self) -> int:
        """Converted questions still without an explanation or references."""
        return sum("explanation" not in q or "references" not in q for q in self.questions)


class UnreadableFile(ValueError):
    """The whole file is refused: not UTF-8, not well-formed, or unsafe XML."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass
class _Draft:
    """A multiple choice item as the source file states it, before our rules apply."""

    line: int
    element: str
    name: str
    stem: str
    options: list[str]
    credit: list[float]  # percent of the mark per option, as Moodle weighs it
    single: bool  # True: one option is the answer; False: several may be
    feedback: list[str] = field(default_factory=list)
    general: str = ""
    tags: list[str] = field(default_factory=list)
    shuffle: bool = True


# --- HTML to plain text ------------------------------------------------------------


class _TextOfHtml(HTMLParser):
    """Collects the text of an HTML fragment; never fetches or runs anything."""

    BLOCKS = {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "table", "tr", "blockquote"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0
        self.images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            self.images += 1
        elif tag == "code":
            self.parts.append("`")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.preformatted += tag == "pre"
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
            self.parts.append("\n\n")
        elif tag == "code":
            self.parts.append("`")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # Outside <pre>, a line break in HTML source is only a space.
            self.parts.append(data if self.preformatted else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, int]:
    """Plain text of an HTML fragment (paragraphs kept, tags dropped) and its image count."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.rstrip() if line.startswith("- ") else line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), parser.images


_LOOKS_LIKE_HTML = re.compile(r"<(/?[a-zA-Z][a-zA-Z0-9]*|!--)[^>]*>|&[a-zA-Z#][a-zA-Z0-9]*;")


def _plain(text: str, text_format: str) -> tuple[str, int]:
    """Text in our form from a Moodle text in `text_format` (html, moodle_auto_format, plain_text, markdown)."""
    text_format = (text_format or "html").lower()
    if text_format in ("plain_text", "plain", "markdown"):
        return text.strip(), 0
    if text_format in ("moodle_auto_format", "moodle") and not _LOOKS_LIKE_HTML.search(text):
        return text.strip(), 0
    return html_to_text(text)


# --- GIFT --------------------------------------------------------------------------

_GIFT_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003",
                 "\\{": "\ue004", "\\}": "\ue005", "\\:": "\ue006", "\\n": "\n"}
_GIFT_RESTORE = {"\ue000": "\\", "\ue001": "~", "\ue002": "=", "\ue003": "#",
                 "\ue004": "{", "\ue005": "}", "\ue006": ":"}
_GIFT_RESERVED = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{",
                                "}": "\\}", ":": "\\:", "\n": "\\n", "\r": ""})
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _gift_hide_escapes(text: str) -> str:
    return re.sub(r"\\[\\~=#{}:n]", lambda m: _GIFT_ESCAPES[m.group(0)], text)


def _gift_restore(text: str) -> str:
    for mark, char in _GIFT_RESTORE.items():
        text = text.replace(mark, char)
    return text


def _gift_blocks(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, text) per question: blank lines separate, `//` lines are comments."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("//"):
            continue
        if not line.strip():
            if block:
                yield start, "\n".join(block)
                block = []
            continue
        if not block:
            start = number
        block.append(line)
    if block:
        yield start, "\n".join(block)


def _gift_type(answers: str) -> str | None:
    """Moodle's own test order for what an answer block holds; None for multiple choice."""
    body = answers.strip()
    if not body:
        return "essay"
    if body.startswith("#"):
        return "numerical"
    if re.fullmatch(r"(T|F|TRUE|FALSE)\s*(#.*)?", body, re.DOTALL):
        return "truefalse"
    if "~" in body:
        return None
    if "=" in body and "->" in body:
        return "match"
    return "shortanswer"


def parse_gift(text: str) -> tuple[list[_Draft], list[Located]]:
    """Multiple choice drafts and refusals from GIFT text."""
    drafts: list[_Draft] = []
    refusals: list[Located] = []
    for line, block in _gift_blocks(text):
        if block.lstrip().startswith("$CATEGORY:"):
            rest = block.split("\n", 1)
            if len(rest) == 1 or not rest[1].strip():
                continue
            line, block = line + 1, rest[1]
        draft = _gift_question(_gift_hide_escapes(block), line, refusals)
        if draft is not None:
            drafts.append(draft)
    return drafts, refusals


def _gift_question(block: str, line: int, refusals: list[Located]) -> _Draft | None:
    name = ""
    title = re.match(r"\s*::(.*?)::", block, re.DOTALL)
    if title:
        name = _gift_restore(title.group(1)).strip()
        block = block[title.end():]
    text_format = "moodle"
    marked = re.match(r"\s*\[(html|moodle|plain|markdown)\]", block)
    if marked:
        text_format = marked.group(1)
        block = block[marked.end():]
    start = block.find("{")
    if start < 0:
        refusals.append(Located(line, "", "is a description (no answer block {...}); "
                                          "only multiple choice questions convert"))
        return None
    finish = block.find("}", start)
    if finish < 0:
        refusals.append(Located(line, "", "has '{' but no closing '}'; close the answer block "
                                          "(write \\{ for a literal brace)"))
        return None
    answers = block[start + 1:finish]
    kind = _gift_type(answers)
    if kind is not None:
        refusals.append(Located(line, "", f"is {TYPE_NAMES[kind]}; only multiple choice questions convert"))
        return None
    before, after = block[:start].strip(), block[finish + 1:].strip()
    # Moodle's "missing word" form: answers inside the sentence stand for a blank.
    stem = f"{before} _____ {after}".strip() if after else before
    general = ""
    if "####" in answers:
        answers, general = answers.split("####", 1)
    options, credit, feedback = [], [], []
    has_equals = "=" in answers
    for raw in answers.replace("=", "~=").split("~")[1:] if answers.strip().startswith(("~", "=")) else []:
        right = raw.startswith("=")
        raw = raw[1:] if right else raw
        text, _, comment = raw.partition("#")
        text = text.strip()
        weight = _WEIGHT.match(text)
        if weight:
            percent = float(weight.group(1))
            text = text[weight.end():].strip()
        else:
            percent = 100.0 if right else 0.0
        options.append(text)
        credit.append(percent)
        feedback.append(comment.strip())
    if not options:
        refusals.append(Located(line, "", "has text before the first ~ or = in its answer block; "
                                          "start each option with ~ (wrong) or = (right)"))
        return None

    def plain(part: str) -> str:
        return _plain(_gift_restore(part), text_format)[0]

    return _Draft(
        line=line, element="", name=name, stem=plain(stem), options=[plain(o) for o in options],
        credit=credit, single=has_equals, feedback=[plain(f) for f in feedback], general=plain(general),
    )


def write_gift(track: TrackSpec, questions: list[tuple[str, QuestionSpec]]) -> str:
    """The track's questions as GIFT, a `$CATEGORY:` per domain, our ids as titles."""
    out = [f"// {track.title} ({track.slug}): exported by quizapp; "
           "each ::title:: is the question's id in the bank.", ""]
    for domain in track.domains:
        items = [spec for slug, spec in questions if slug == domain.slug]
        if not items:
            continue
        out += [f"$CATEGORY: {_category(track, domain.title)}", ""]
        for spec in items:
            out.append(f"::{_gift_escape(spec.id)}::[markdown]{_gift_escape(spec.stem)} {{")
            keys = spec.answer_keys
            for key, text in spec.choices.items():
                if isinstance(spec.answer, str):
                    mark = "=" if key == keys[0] else "~"
                else:
                    mark = f"~%{_share(len(keys))}%" if key in keys else "~%-100%"
                out.append(f"\t{mark}{_gift_escape(text)}")
            out.append(f"\t####{_gift_escape(_feedback_with_references(spec))}")
            out += ["}", ""]
    return "\n".join(out)


def _gift_escape(text: str) -> str:
    return text.strip().translate(_GIFT_RESERVED)


def _share(keys: int) -> str:
    """Each right option's percent in a choose-N item, as Moodle writes grades."""
    return f"{100 / keys:.5f}".rstrip("0").rstrip(".")


def _category(track: TrackSpec, domain_title: str) -> str:
    # In a Moodle category path "/" separates levels; "//" is a literal slash.
    return "$course$/top/" + "/".join(t.replace("/", "//") for t in (track.title, domain_title))


def _feedback_with_references(spec: QuestionSpec) -> str:
    links = "\n".join(f"- {link}" for link in spec.references)
    return f"{spec.explanation.strip()}\n\n{REFERENCES_HEADING}\n{links}"


# --- Moodle XML --------------------------------------------------------------------


class _QuestionLines(ET.TreeBuilder):
    """Builds the tree and notes the line of each top-level <question> for refusals."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.depth = 0
        self.lines: list[int] = []

    def start(self, tag, attrs):
        """Open an element; a <question> right under <quiz> has its line noted."""
        self.depth += 1
        if self.depth == 2 and tag == "question" and self.parser is not None:
            self.lines.append(self.parser.parser.CurrentLineNumber)
        return super().start(tag, attrs)

    def end(self, tag):
        """Close an element."""
        self.depth -= 1
        return super().end(tag)


def _read_xml(data: bytes) -> tuple[ET.Element, list[int]]:
    builder = _QuestionLines()
    # No DTD at all: Moodle files never need one, and entities are how XML bombs and
    # external-file reads arrive.
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise UnreadableFile(
            f"refused: the file declares a DTD or entities ({type(error).__name__}); Moodle XML "
            "never needs them and they can read local files or expand without end. "
            "Remove the <!DOCTYPE ...> part and export again") from None
    except ET.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        raise UnreadableFile(f"is not well-formed XML ({error}); export it from Moodle again", line) from None
    if root.tag != "quiz":
        raise UnreadableFile(f"has <{root.tag}> at the top, not <quiz>; is this a Moodle XML export?", 1)
    return root, builder.lines


def _text_of(parent: ET.Element | None, tag: str) -> tuple[str, str]:
    """(text, format) of `<tag format="..."><text>...</text></tag>` under parent."""
    if parent is None:
        return "", "html"
    node = parent.find(tag)
    if node is None:
        return "", "html"
    text = node.findtext("text") or ""
    return text, node.get("format", parent.get("format", "html"))


def parse_moodle_xml(data: bytes) -> tuple[list[_Draft], list[Located]]:
    """Multiple choice drafts and refusals from a Moodle XML export."""
    root, lines = _read_xml(data)
    drafts: list[_Draft] = []
    refusals: list[Located] = []
    for index, question in enumerate(root.findall("question"), start=1):
        line = lines[index - 1] if index - 1 < len(lines) else None
        kind = question.get("type", "")
        element = f'question[{index}] type="{kind}"'
        if kind == "category":
            continue
        if kind not in ("multichoice", "multichoiceset"):
            what = TYPE_NAMES.get(kind, f"a question of type {kind!r}" if kind else "a question with no type")
            refusals.append(Located(line, element, f"is {what}; only multiple choice questions convert"))
            continue
        draft = _xml_question(question, line, element, kind, refusals)
        if draft is not None:
            drafts.append(draft)
    return drafts, refusals


def _xml_question(question: ET.Element, line: int | None, element: str, kind: str,
                  refusals: list[Located]) -> _Draft | None:
    stem_raw, stem_format = _text_of(question, "questiontext")
    stem, images = _plain(stem_raw, stem_format)
    if images:
        refusals.append(Located(line, element, "shows an image in its question text; our questions are "
                                               "text only, so describe the picture in words first"))
        return None
    options, credit, feedback = [], [], []
    for answer in question.findall("answer"):
        text, images = _plain(answer.findtext("text") or "", answer.get("format", "html"))
        if images:
            refusals.append(Located(line, element, "shows an image in an option; our options are text only"))
            return None
        try:
            percent = float(answer.get("fraction", "0"))
        except ValueError:
            refusals.append(Located(line, element, f"has fraction={answer.get('fraction')!r}, not a number"))
            return None
        options.append(text)
        credit.append(percent)
        feedback.append(_plain(*_text_of(answer, "feedback"))[0])
    single = kind == "multichoice" and (question.findtext("single") or "true").strip().lower() in ("true", "1")
    shuffle = (question.findtext("shuffleanswers") or "1").strip().lower() in ("true", "1")
    name = (question.findtext("name/text") or "").strip()
    tags = [t.strip() for t in (tag.findtext("text") or "" for tag in question.findall("tags/tag")) if t.strip()]
    return _Draft(line=line or 1, element=element, name=name, stem=stem, options=options, credit=credit,
                  single=single, feedback=feedback, general=_plain(*_text_of(question, "generalfeedback"))[0],
                  tags=tags, shuffle=shuffle)


def write_moodle_xml(track: TrackSpec, questions: list[tuple[str, QuestionSpec]]) -> str:
    """The track's questions as Moodle XML: a category per domain, our id as each name."""
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(f" {track.title} ({track.slug}): exported by quizapp; each <name> is the "
                           "question's id in the bank "))
    for domain in track.domains:
        items = [spec for slug, spec in questions if slug == domain.slug]
        if not items:
            continue
        category = ET.SubElement(ET.SubElement(quiz, "question", type="category"), "category")
        ET.SubElement(category, "text").text = _category(track, domain.title)
        for spec in items:
            quiz.append(_xml_item(spec))
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _xml_item(spec: QuestionSpec) -> ET.Element:
    # Our text is paragraphs with `code`: Moodle's markdown format shows it as written.
    def text_node(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, tag, **attrs)
        ET.SubElement(node, "text").text = text
        return node

    item = ET.Element("question", type="multichoice")
    text_node(item, "name", spec.id)
    text_node(item, "questiontext", spec.stem.strip(), format="markdown")
    text_node(item, "generalfeedback", _feedback_with_references(spec), format="markdown")
    ET.SubElement(item, "defaultgrade").text = "1"
    ET.SubElement(item, "penalty").text = "0"
    ET.SubElement(item, "hidden").text = "0"
    ET.SubElement(item, "single").text = "true" if isinstance(spec.answer, str) else "false"
    ET.SubElement(item, "shuffleanswers").text = "true" if spec.shuffle else "false"
    ET.SubElement(item, "answernumbering").text = "abc"
    keys = spec.answer_keys
    for key, text in spec.choices.items():
        if isinstance(spec.answer, str):
            fraction = "100" if key in keys else "0"
        else:
            fraction = _share(len(keys)) if key in keys else "-100"
        answer = text_node(item, "answer", text.strip(), fraction=fraction, format="markdown")
        text_node(answer, "feedback", "", format="markdown")
    if spec.tags:
        tags = ET.SubElement(item, "tags")
        for tag in spec.tags:
            text_node(tags, "tag", tag)
    return item


# --- Aiken -------------------------------------------------------------------------

_AIKEN_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
_AIKEN_ANSWER = re.compile(r"^ANSWER:\s*(.*?)\s*$")


def parse_aiken(text: str) -> tuple[list[_Draft], list[Located]]:
    """Multiple choice drafts and refusals from Aiken text (one answer letter per question)."""
    drafts: list[_Draft] = []
    refusals: list[Located] = []
    start, stem, options, broken = 0, [], [], ""

    def reset() -> None:
        nonlocal start, stem, options, broken
        start, stem, options, broken = 0, [], [], ""

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            if stem and not broken:
                what = "options and no ANSWER: line" if options else "no options (A. text) and no ANSWER: line"
                refusals.append(Located(start, "", f"has {what}; end each question with ANSWER: <letter>"))
            reset()
            continue
        if not stem:
            start, stem = number, [line]
            continue
        answer = _AIKEN_ANSWER.match(line)
        option = _AIKEN_OPTION.match(line)
        if answer:
            if not broken:
                _aiken_question(start, stem, options, answer.group(1), drafts, refusals)
            reset()
        elif option and not broken:
            options.append((option.group(1), option.group(2)))
        elif options and not broken:
            broken = f"line {number} is neither an option (A. text) nor ANSWER: <letter>"
            refusals.append(Located(start, "", f"{broken}; fix or remove it"))
        elif not broken:
            stem.append(line)
    if stem and not broken:
        refusals.append(Located(start, "", "ends without an ANSWER: line; add ANSWER: <letter>"))
    return drafts, refusals


def _aiken_question(start: int, stem: list[str], options: list[tuple[str, str]], letter: str,
                    drafts: list[_Draft], refusals: list[Located]) -> None:
    letters = [o[0] for o in options]
    if not letter:
        refusals.append(Located(start, "", "has an empty ANSWER: line; name the right option's letter"))
        return
    if not re.fullmatch(r"[A-Z]", letter):
        refusals.append(Located(start, "", f"has ANSWER: {letter}; Aiken names one capital letter, so write "
                                           "choose-N questions in GIFT or Moodle XML"))
        return
    if letter not in letters:
        refusals.append(Located(start, "", f"has ANSWER: {letter} but its options are "
                                           f"{', '.join(letters) or 'missing'}"))
        return
    if len(set(letters)) != len(letters):
        refusals.append(Located(start, "", "uses an option letter twice; give each option its own letter"))
        return
    drafts.append(_Draft(line=start, element="", name="", stem="\n".join(stem),
                         options=[o[1] for o in options],
                         credit=[100.0 if o[0] == letter else 0.0 for o in options], single=True))


# --- from drafts to our questions ---------------------------------------------------


def id_prefix(track_slug: str) -> str:
    """The first letter of each word of the track's slug: associate-architect -> aa."""
    return "".join(word[0] for word in track_slug.split("-") if word)


def import_questions(data: bytes, file_format: str, *, track: str, domain: str,
                     taken_ids: Iterable[str] = ()) -> ImportResult:
    """Convert a GIFT, Moodle XML or Aiken file into questions for `domain` of `track`.

    Ids are the file's own names when they are valid and free, otherwise
    `<track initials>-<domain>-imp-NNN`, never one of `taken_ids`.
    Raises UnreadableFile when the whole file must be refused.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise UnreadableFile(f"is {len(data) // 1024 // 1024} MB; split it into files under "
                             f"{MAX_IMPORT_BYTES // 1024 // 1024} MB")
    if file_format == "moodle-xml":
        drafts, refusals = parse_moodle_xml(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise UnreadableFile("is not UTF-8 text; save it as UTF-8", line) from None
        if file_format == "gift":
            drafts, refusals = parse_gift(text)
        elif file_format == "aiken":
            drafts, refusals = parse_aiken(text)
        else:
            raise ValueError(f"unknown format {file_format!r}; use one of {', '.join(IMPORT_FORMATS)}")
    result = ImportResult(refusals=list(refusals))
    taken = set(taken_ids)
    prefix = f"{id_prefix(track)}-{domain}-imp-"
    counter = 0
    for draft in drafts:
        question = _convert(draft, result)
        if question is None:
            continue
        name = draft.name
        if re.fullmatch(SLUG, name) and len(name) <= 100 and name not in taken:
            question["id"] = name
        else:
            while f"{prefix}{counter + 1:03d}" in taken:
                counter += 1
            counter += 1
            question["id"] = f"{prefix}{counter:03d}"
            if name and re.fullmatch(SLUG, name):
                result.notes.append(Located(draft.line, draft.element,
                                            f"id {name!r} is already used; imported as {question['id']}"))
        taken.add(question["id"])
        ordered = {"id": question.pop("id"), **question}
        _check_against_schema(ordered, draft, result)
        result.questions.append(ordered)
        result.origins.append(Located(draft.line, draft.element, ""))
    result.refusals.sort(key=lambda r: r.line or 0)
    return result


def _convert(draft: _Draft, result: ImportResult) -> dict[str, Any] | None:
    def refuse(message: str) -> None:
        result.refusals.append(Located(draft.line, draft.element, message))

    count = len(draft.options)
    if count < MIN_CHOICES or count > MAX_CHOICES:
        refuse(f"has {count} option(s); our questions have {MIN_CHOICES} to {MAX_CHOICES}")
        return None
    if not draft.stem.strip():
        refuse("has no question text")
        return None
    empty = [chr(97 + i) for i, text in enumerate(draft.options) if not text.strip()]
    if empty:
        refuse(f"option {', '.join(empty)} has no text")
        return None
    keys = [chr(97 + i) for i in range(count)]
    if draft.single:
        right = [k for k, c in zip(keys, draft.credit) if c >= 99.99]
        if not right:
            refuse("has no answer: no option gets full credit (= in GIFT, fraction=\"100\" in XML)")
            return None
        if len(right) > 1:
            refuse(f"has an ambiguous answer: options {', '.join(right)} all get full credit in a "
                   "one-answer question; keep one, or make it a choose-N question")
            return None
    else:
        right = [k for k, c in zip(keys, draft.credit) if c > 0]
        if not right:
            refuse("has no answer: no option gets positive credit")
            return None
        if len(right) == count:
            refuse("gives credit to every option; a choose-N question needs at least one wrong option")
            return None
        if len(right) == 1 and draft.credit[keys.index(right[0])] < 99.99:
            refuse(f"has an ambiguous answer: only option {right[0]} gets credit, and only part of it")
            return None
    partial = [k for k, c in zip(keys, draft.credit) if 0 < c < 99.99 and k not in right]
    if partial:
        result.notes.append(Located(draft.line, draft.element,
                                    f"option {', '.join(partial)} had partial credit; our exams score all "
                                    "or nothing, so it now counts as wrong"))
    stem = draft.stem.strip()
    said = CHOOSE_N.search(stem)
    if len(right) > 1:
        word = NUMBER_WORDS.get(len(right), str(len(right)))
        if said is None:
            stem = f"{stem} (Choose {word}.)"
        elif said.group(1).lower() not in (word, str(len(right))):
            refuse(f"says '{said.group(0)}' but {len(right)} options get credit; make them agree")
            return None
    elif said is not None:
        refuse(f"says '{said.group(0)}' but only one option is right; make them agree")
        return None
    explanation, references = _explanation(draft, keys)
    question: dict[str, Any] = {}
    if draft.tags:
        question["tags"] = draft.tags
    question["stem"] = stem
    question["choices"] = dict(zip(keys, (o.strip() for o in draft.options)))
    question["answer"] = right[0] if len(right) == 1 else right
    if explanation:
        question["explanation"] = explanation
    if references:
        question["references"] = references
    if not draft.shuffle:
        question["shuffle"] = False
    return question


def _explanation(draft: _Draft, keys: list[str]) -> tuple[str, list[str]]:
    """General feedback, then each option's own feedback; references split off the end."""
    general, references = _split_references(draft.general.strip())
    parts = [general] if general else []
    parts += [f"{key}: {text}" for key, text in zip(keys, draft.feedback) if text.strip()]
    return "\n\n".join(parts), references


def _split_references(text: str) -> tuple[str, list[str]]:
    head, heading, tail = text.rpartition(REFERENCES_HEADING)
    if not heading:
        return text, []
    links = [line.strip().removeprefix("- ").strip() for line in tail.strip().splitlines() if line.strip()]
    if not links or not all(re.fullmatch(r"https://\S+", link) for link in links):
        return text, []
    return head.strip(), links


def _check_against_schema(question: dict[str, Any], draft: _Draft, result: ImportResult) -> None:
    """Say now what `banks check` will say later, beyond the missing explanation and references
    (those are marked TODO in the YAML and counted by `ImportResult.incomplete`)."""
    filled = {"explanation": "-", "references": ["https://docs.stripe.com/"], **question}
    try:
        QuestionSpec.model_validate(filled)
    except ValidationError as error:
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"] if p not in ("str", "list[str]"))
            result.notes.append(Located(draft.line, draft.element,
                                        f"{question['id']}: {where}: {item['msg'].removeprefix('Value error, ')}"))


# --- our YAML ----------------------------------------------------------------------


def domain_yaml(domain: str, result: ImportResult, source: str) -> str:
    """A domain file holding the imported questions, each with a comment saying where it came from."""
    questions = CommentedSeq()
    for index, (question, origin) in enumerate(zip(result.questions, result.origins)):
        item = CommentedMap()
        for key, value in question.items():
            if key in ("stem", "explanation"):
                value = LiteralScalarString(value.rstrip() + "\n")
            elif isinstance(value, list):
                seq = CommentedSeq(value)
                if key in ("answer", "tags"):
                    seq.fa.set_flow_style()
                value = seq
            item[key] = value
        comment = f"imported from {origin.at(source).rstrip(': ')}"
        if "explanation" not in question:
            comment += "\nTODO: add explanation: why the key is right and why each other option is wrong"
        if "references" not in question:
            comment += "\nTODO: add references: the docs.stripe.com pages that settle it"
        comment += "\nTODO: check it against the docs, then set verified: YYYY-MM-DD"
        questions.append(item)
        questions.yaml_set_comment_before_after_key(index, before=comment, indent=2)
    root = CommentedMap()
    root["domain"] = domain
    root["questions"] = questions
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = StringIO()
    yaml.dump(root, out)
    return out.getvalue()


def track_ids_and_domains(folder: Path) -> tuple[set[str], list[str]]:
    """Every question id in a track folder and the domains its track.yaml declares.

    Read leniently (no validation): an author may import into a track that has problems.
    """
    yaml = YAML(typ="safe")
    ids: set[str] = set()
    domains: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            tree = yaml.load(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - `banks check` reports broken files; an import goes on
            continue
        if not isinstance(tree, dict):
            continue
        if path.name == "track.yaml":
            domains = [d.get("slug") for d in tree.get("domains") or [] if isinstance(d, dict)]
        for question in tree.get("questions") or []:
            if isinstance(question, dict) and question.get("id"):
                ids.add(str(question["id"]))
    return ids, domains
