"""Running heads and footers found by repetition across pages ("Not Reported in A.3d, 2012 WL 3860732", "Pew
Research Center", "Take a Step Back: Evoking Reasoning via Abstraction ...").

The page-by-page rules (docparse.fast_page: a short run in the outer 6% of the page; the layout model's
page-header class) miss a running head that is long, sits lower, or is set like a heading. Left in the body, such a
line becomes a chunk on every page, all alike, that crowd a search's results, or a heading that resets the section
path on each page. A line is running when it sits in the top or bottom RUNNING_BAND of the page and, with digits
and spacing ignored ("Page 3 of 16" = "Page 9 of 16"), recurs on at least half of up to SAMPLE_PAGES pages spread
through the document (and on at least MIN_PAGES). The sample costs about 2 ms a page, once per document.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import pymupdf

RUNNING_BAND = 0.12  # share of the page height, top and bottom, where a repeated line is page furniture
SAMPLE_PAGES = 16
MIN_PAGES = 3
MIN_SHARE = 0.5
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")


def line_key(text: str) -> str:
    """A line as compared across pages: lower case, digit runs as "#", no white space."""
    return _SPACE.sub("", _DIGITS.sub("#", text)).lower()


def in_running_band(bbox: Sequence[float], height: float) -> bool:
    """True when the box lies wholly inside the top or bottom RUNNING_BAND of a page `height` points tall."""
    return bbox[3] <= RUNNING_BAND * height or bbox[1] >= (1 - RUNNING_BAND) * height


def running_lines(doc: "pymupdf.Document") -> frozenset[str]:
    """The line keys (see line_key) of the document's running heads and footers; empty for short documents."""
    count = doc.page_count
    if count < MIN_PAGES:
        return frozenset()
    step = max(1, count // SAMPLE_PAGES)
    sample = list(range(0, count, step))[:SAMPLE_PAGES]
    seen: Counter[str] = Counter()
    for pno in sample:
        page = doc[pno]
        height = page.rect.height
        keys = set()
        for block in page.get_text("dict", flags=0)["blocks"]:
            for line in block.get("lines", ()):
                if not in_running_band(line["bbox"], height):
                    continue
                text = "".join(span["text"] for span in line["spans"])
                if _LETTER.search(text):  # a bare page number is furniture by the page rules already
                    keys.add(line_key(text))
        seen.update(keys)
    needed = max(MIN_PAGES, MIN_SHARE * len(sample))
    return frozenset(key for key, pages in seen.items() if pages >= needed)


def _made_of(key: str, keys: frozenset[str]) -> bool:
    """True when `key` is one or more running-line keys end to end (a box may join two running lines)."""
    reachable = [True] + [False] * len(key)
    for start in range(len(key)):
        if reachable[start]:
            for part in keys:
                if key.startswith(part, start):
                    reachable[start + len(part)] = True
    return reachable[-1]


def is_running(text: str, bbox: Sequence[float], height: float, keys: frozenset[str]) -> bool:
    """True when `text`, a box at `bbox` on a page `height` points tall, consists of running lines only."""
    if not keys or not in_running_band(bbox, height):
        return False
    key = line_key(text)
    return bool(key) and (key in keys or _made_of(key, keys))
