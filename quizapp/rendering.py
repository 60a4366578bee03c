"""Turn bank text (paragraphs and `inline code`) into safe HTML."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`\n]+)`")
# Japanese (and Chinese) text has no spaces between words: a line break between
# two such characters is only wrapping and must not become a space.
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def inline(text: str) -> Markup:
    """Escape text, then mark up `code` spans."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def _join_lines(paragraph: str) -> str:
    """One line from a wrapped paragraph: a space between lines, except inside CJK text."""
    lines = [" ".join(line.split()) for line in paragraph.splitlines() if line.strip()]
    joined = lines[0]
    for line in lines[1:]:
        glue = "" if _CJK.match(joined[-1]) and _CJK.match(line[0]) else " "
        joined += glue + line
    return joined


def paragraphs(text: str) -> Markup:
    """Blank-line separated paragraphs, each escaped and with inline code."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("".join(f"<p>{inline(_join_lines(p))}</p>" for p in parts))
