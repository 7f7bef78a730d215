"""Text of PDF lines and paragraphs from PyMuPDF text-dict spans.

A span ends wherever the font, size or colour changes, which is often inside a word or before punctuation: small
capitals set as a larger first letter ("T" + "AKE", "I" + "NTRODUCTION"), a closing quote or comma in another font
("Exception" + ". The"). Joining spans with a space wrote "T AKE A S TEP B ACK", "I NTRODUCTION" (a heading no
search could match) and "Exception . The". Spans are therefore glued when their glyphs touch on one baseline and
neither side holds a space; a visible gap, or a raised or lowered span (a footnote mark, a subscript: "revenue" +
"1"), keeps the space.
"""
from __future__ import annotations

import re
from typing import Sequence

TOUCH = 0.1  # em: glyphs closer than this (or overlapping) belong together
_SPACES = re.compile(r"\s+")


def _glued(before: dict, after: dict) -> bool:
    """True when two neighbouring spans touch on one baseline (read from their bbox and origin)."""
    try:
        size = min(before["size"], after["size"]) or 1.0
        gap = after["bbox"][0] - before["bbox"][2]
        shift = abs(after["origin"][1] - before["origin"][1])
    except (KeyError, IndexError, TypeError):  # spans without geometry (some layout paths): keep the space
        return False
    return gap < TOUCH * size and shift < TOUCH * size


def line_text(spans: Sequence[dict]) -> str:
    """One line's text from its spans, with a space between spans only where the page shows one."""
    out = ""
    previous: dict | None = None
    for span in spans:
        text = span.get("text", "")
        if not text.strip():
            previous = None  # a blank span is a space: whatever follows is a new word
            continue
        if out and not (previous is not None and _glued(previous, span)
                        and not out[-1].isspace() and not text[0].isspace()):
            out += " "
        out += text
        previous = span
    return _SPACES.sub(" ", out).strip()


def join_lines(lines: Sequence[str]) -> str:
    """Lines joined into one paragraph, undoing end-of-line hyphenation ("manage-" + "ment" = "management")."""
    out = ""
    for text in lines:
        if not text:
            continue
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and text[:1].islower():
            out = out[:-1] + text
        else:
            out = f"{out} {text}" if out else text
    return _SPACES.sub(" ", out).strip()
