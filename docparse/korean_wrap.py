"""Korean words wrapped across lines, joined back without a space.

Korean word processors break lines between any two syllables (Hancom's default for non-Latin text), so a PDF
line often ends inside a word: "보험회사에서 이" + "미 판매했거나", "적용여부에 대" + "하여". Joining lines with a
space wrote "이 미 판매했거나", "대 하여", "파라 티푸스" into chunks, answers and citations, and split the words
a search looks for.

A line break is closed up only where two signs agree:
- the glyph gap: the line before is full, its last glyph within FULL_LINE_EM of the paragraph's right edge (a
  line that stops short of the edge ended where its author ended a word or a sentence), and Hangul syllables
  meet at the break; and
- the dictionary: Kiwi's spacing model (docparse.ocr.korean_spacing, kiwipiepy), given the paragraph with the
  break closed, does not put a space back there.
Everything else joins as before (docparse.span_text.join_lines: a space, end-of-line hyphens undone). Without
Kiwi, no break is closed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from docparse.scripts import HANGUL_SYLLABLES
from docparse.span_text import line_text

FULL_LINE_EM = 1.0  # a line ending within this many line heights of the right edge is full
_HANGUL = re.compile(f"[{HANGUL_SYLLABLES}]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class WrapLine:
    """One text line of a paragraph: its text, the x of its last glyph's right edge, and its height (the same
    unit as x: PDF points, or pixels for OCR)."""

    text: str
    right: float | None = None
    height: float | None = None


def _full(line: WrapLine, edge: float | None) -> bool:
    if line.right is None or not line.height or edge is None:
        return False
    return edge - line.right <= FULL_LINE_EM * line.height


def join_wrapped(lines: Sequence[WrapLine], edge: float | None = None) -> str:
    """Lines joined into one paragraph: Korean words broken by the wrap are closed up where the glyph gap and
    Kiwi agree; `edge` is the paragraph's right edge (default: the right end of its longest line)."""
    lines = [WrapLine(_SPACES.sub(" ", l.text).strip(), l.right, l.height) for l in lines]
    lines = [l for l in lines if l.text]
    if edge is None:
        edge = max((l.right for l in lines if l.right is not None), default=None)
    out = ""
    candidates: list[int] = []
    previous: WrapLine | None = None
    for line in lines:
        text = line.text
        if not out:
            out = text
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and text[:1].islower():
            out = out[:-1] + text
        elif _HANGUL.match(out[-1]) and _HANGUL.match(text[0]) and _full(previous, edge):
            candidates.append(len(out))
            out += text
        else:
            out = f"{out} {text}"
        previous = line
    if not candidates:
        return out
    from docparse.ocr.korean_spacing import decide_spaces

    spaced = decide_spaces(out, candidates)
    keep_space = set(candidates) if spaced is None else spaced
    for index in sorted(keep_space, reverse=True):
        out = f"{out[:index]} {out[index:]}"
    return out


def join_line_dicts(lines: Sequence[dict]) -> str:
    """`join_wrapped` over PyMuPDF text-dict lines (their spans give the text, their bbox the geometry)."""
    wrap = []
    for line in lines:
        spans = line.get("spans", [])
        bbox = line.get("bbox")
        sizes = [float(s.get("size") or 0) for s in spans if str(s.get("text", "")).strip()]
        right = max((float(s["bbox"][2]) for s in spans if str(s.get("text", "")).strip() and s.get("bbox")),
                    default=float(bbox[2]) if bbox else None)
        wrap.append(WrapLine(line_text(spans), right, max(sizes) if sizes else None))
    return join_wrapped(wrap)


def _wrap_pairs(words: Sequence[Sequence]) -> set[tuple[str, str]]:
    """(last word of a full line, first word of the next line) of each Hangul-to-Hangul wrap among PyMuPDF words
    ((x0, y0, x1, y1, text, block, line, word_no)), lines taken within one text block."""
    lines: dict[tuple[int, int], list[Sequence]] = {}
    for word in words:
        if len(word) > 7:
            lines.setdefault((int(word[5]), int(word[6])), []).append(word)
    edges: dict[int, float] = {}
    for (block, _), line in lines.items():
        edges[block] = max(edges.get(block, 0.0), max(float(w[2]) for w in line))
    pairs: set[tuple[str, str]] = set()
    keys = sorted(lines)
    for (block, number), following in zip(keys, keys[1:]):
        if following[0] != block:
            continue
        last = max(lines[(block, number)], key=lambda w: float(w[2]))
        first = min(lines[following], key=lambda w: float(w[0]))
        a, b = str(last[4]), str(first[4])
        height = float(last[3]) - float(last[1])
        if a and b and _HANGUL.match(a[-1]) and _HANGUL.match(b[0]) \
                and edges[block] - float(last[2]) <= FULL_LINE_EM * height:
            pairs.add((a, b))
    return pairs


def join_table_wraps(grid: Sequence[Sequence[str]], words: Sequence[Sequence]) -> list[list[str]]:
    """A table grid whose cells have Korean words broken by a line wrap closed up (same two signs as
    `join_wrapped`); `words` are the page's PyMuPDF words in the table, whose lines show where wraps were."""
    pairs = _wrap_pairs(words)
    if not pairs:
        return [list(row) for row in grid]
    from docparse.ocr.korean_spacing import decide_spaces

    out = []
    for row in grid:
        cells = []
        for cell in row:
            breaks = sorted({found + len(a) for a, b in pairs for found in _occurrences(cell, f"{a} {b}")})
            removed = set(breaks)
            text = "".join(ch for i, ch in enumerate(cell) if i not in removed)
            candidates = [space - rank for rank, space in enumerate(breaks)]
            if candidates:
                spaced = decide_spaces(text, candidates)
                for index in sorted(set(candidates) if spaced is None else spaced, reverse=True):
                    text = f"{text[:index]} {text[index:]}"
            cells.append(text)
        out.append(cells)
    return out


def _occurrences(text: str, needle: str) -> list[int]:
    found, start = [], 0
    while (index := text.find(needle, start)) >= 0:
        found.append(index)
        start = index + 1
    return found
