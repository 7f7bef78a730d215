"""Paragraphs put back together from text blocks that hold one line each.

Some PDFs (page 4 of the Korean sample, written by a Korean word processor) draw every line as a text object of
its own, and PyMuPDF then reports every line as a block of its own. Each line became a page box of its own: a
word wrapped at the line end stayed broken ("세" + "계경제", not seen by docparse.korean_wrap, which joins lines
within a block), and with no box long enough to show the columns, the two columns of the page were read line by
line across both ("... 검토할 필 / 선과제에 대하여 ... / 요가 있다고 판단된다").

On pages where most text blocks hold one line (SINGLE_LINE_SHARE), a block is appended to the one before it (in
content-stream order) when it reads as that paragraph's next line: directly below it (a gap under CONTINUATION_GAP
line heights), in the same column (horizontal overlap), in the same type size, not indented further than the line
above (an indent opens a paragraph), with the line above at least MIN_LINE_EM wide, full (ending within FULL_LINE_EM
of the column's right edge; a short line ends a paragraph) and not ending a sentence, and with the line not starting
an item of a list. Pages whose blocks MuPDF built itself are left alone.
"""
from __future__ import annotations

import re
from typing import Sequence

from docparse.headings import dominant_size

CONTINUATION_GAP = 0.8  # line heights between one line's bottom and the next one's top
FULL_LINE_EM = 2.0  # the line above ends within this many ems of the right edge
INDENT_EM = 0.5  # a line starting this much right of the line above opens a new paragraph
MIN_LINE_EM = 12.0  # shorter lines are labels, cells or titles, whose right edge says nothing
SINGLE_LINE_SHARE = 0.6  # only pages where at least this share of the text blocks hold one line are mended
# A line that starts an item ("•", "-", "1.", "2-4.", "(a)", "가)", "※") opens a block of its own; so does the line after
# one that ends a sentence or a label.
_ITEM_START = re.compile(r"^\s*(?:[•\-–—*·▪◦●■□○◆◇※☐➢►\x00-\x1f\uf000-\uf0ff]"  # bullets
                         r"|\d+(?:[.\-]\d+)+\.?(?:\s|$)"  # 2.1, 2-4.
                         r"|\(?[0-9A-Za-z가-힣]{1,3}\)"  # (a) 3) 가)
                         r"|[0-9A-Za-z]{1,3}\.(?:\s|$))")  # 1. a. (not "다.": a wrapped sentence end)
_ITEM_END = re.compile(r"(?:[.!?:;。]|\.{3,}\s*\d+)\s*$")


def _size(lines: Sequence[dict]) -> float:
    return dominant_size(span for line in lines for span in line.get("spans", ()))


def _text(line: dict) -> str:
    return "".join(span.get("text", "") for span in line.get("spans", ()))


def _continues(above: dict, below: dict) -> bool:
    """True when `below`'s first line is the next line of `above`'s paragraph."""
    if not above.get("lines") or not below.get("lines"):
        return False
    last, first = above["lines"][-1], below["lines"][0]
    size = _size([last])
    if not size or abs(size - _size([first])) > 0.5:
        return False
    lb, fb = last["bbox"], first["bbox"]
    if lb[2] - lb[0] < MIN_LINE_EM * size:
        return False
    height = lb[3] - lb[1]
    gap = fb[1] - lb[3]
    if not -0.2 * height <= gap <= CONTINUATION_GAP * height:
        return False
    if min(lb[2], fb[2]) - max(lb[0], fb[0]) <= 0.5 * min(lb[2] - lb[0], fb[2] - fb[0]):
        return False  # another column, or a short fragment beside it
    if fb[0] > lb[0] + INDENT_EM * size:
        return False
    if _ITEM_END.search(_text(last)) or _ITEM_START.match(_text(first)):
        return False
    right = max(above["bbox"][2], below["bbox"][2])
    return right - lb[2] <= FULL_LINE_EM * size


def merge_line_blocks(blocks: Sequence[dict]) -> list[dict]:
    """Text blocks (PyMuPDF text dict, type 0) with each run of blocks that continue one paragraph merged into one
    block (lines concatenated, box the union); image blocks and everything else pass through unchanged."""
    text_blocks = [b for b in blocks if b.get("type", 0) == 0]
    single = sum(1 for b in text_blocks if len(b.get("lines") or ()) == 1)
    if not text_blocks or single < SINGLE_LINE_SHARE * len(text_blocks):
        return list(blocks)  # MuPDF found the paragraphs itself
    out: list[dict] = []
    for block in blocks:
        previous = out[-1] if out else None
        if block.get("type", 0) == 0 and previous is not None and previous.get("type", 0) == 0 \
                and _continues(previous, block):
            a, b = previous["bbox"], block["bbox"]
            out[-1] = {**previous, "lines": list(previous["lines"]) + list(block["lines"]),
                       "bbox": (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))}
        else:
            out.append(block)
    return out
