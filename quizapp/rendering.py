"""Turn bank text (paragraphs and `inline code`) into safe HTML."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`\n]+)`")


def inline(text: str) -> Markup:
    """Escape text, then mark up `code` spans."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def paragraphs(text: str) -> Markup:
    """Blank-line separated paragraphs, each escaped and with inline code."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("".join(f"<p>{inline(' '.join(p.split()))}</p>" for p in parts))
