"""What may open a section, and how large its type is.

Headings give every later element its section path, and a wrong one poisons a whole document: a bold bullet
point taken for a heading, with a bullet glyph set a point larger than the text, became the outer section of
the 100 pages after it in a 10-K (every chunk's embedding then began with that sentence). Both page paths (the
layout model's and the fast path's) ask these two questions before a run of text becomes a heading.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

# Glyphs that start a list item (including the private-use bullets of Symbol/Wingdings fonts).
_LIST_MARKER = re.compile(r"^\s*(?:[•*·▪◦●■□➢►‣⁃\-–—]|[\uf000-\uf0ff])(?:\s|$)")
_HAS_WORD = re.compile(r"\w")


def is_heading_text(text: str) -> bool:
    """False for text that cannot open a section however it is set: a lone bullet or other punctuation, or
    a list item ("• Net sales rose ...", "* The Company is subject to ...")."""
    return bool(_HAS_WORD.search(text)) and not _LIST_MARKER.match(text)


def dominant_size(spans: Iterable[Mapping]) -> float:
    """The font size (to half a point) that carries most of the non-blank characters of `spans` (PyMuPDF span
    dicts with "size" and "text"); 0.0 for no text. For a heading, not its largest size: a bullet or a symbol is
    often set larger than the words beside it. For a page, its body text size."""
    weights: dict[float, int] = {}
    for span in spans:
        chars = len(span.get("text", "").strip())
        if chars:
            size = round(float(span.get("size", 0.0)) * 2) / 2
            weights[size] = weights.get(size, 0) + chars
    return max(weights, key=weights.__getitem__) if weights else 0.0
