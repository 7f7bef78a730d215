"""Running heads and footers found by repetition across pages ("Not Reported in A.3d, 2012 WL 3860732", "Pew
Research Center", "Take a Step Back: Evoking Reasoning via Abstraction ...").

The page-by-page rules (docparse.fast_page: a short run in the outer 6% of the page; the layout model's
page-header class) miss a running head that is long, sits lower, or is set like a heading. Left in the body, such a
line becomes a chunk on every page, all alike, that crowd a search's results, or a heading that resets the section
path on each page. A line is running when, with digits and spacing ignored ("Page 3 of 16" = "Page 9 of 16"), it
recurs on up to SAMPLE_PAGES pages spread through the document (and on at least MIN_PAGES):
- in the top or bottom RUNNING_BAND of the page, on at least half of them (any length);
- anywhere, on at least ANYWHERE_SHARE of them, when it has at most SHORT_WORDS words: a footer that follows the
  text up the page when a page is short ("2021 FORM 10-K 27" at a third of the page, under "Not applicable.").
The sample costs about 2 ms a page, once per document.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import pymupdf

    from docparse.page_box import PageBox

RUNNING_BAND = 0.12  # share of the page height, top and bottom, where a repeated line is page furniture
SAMPLE_PAGES = 16
MIN_PAGES = 3
MIN_SHARE = 0.5
ANYWHERE_SHARE = 0.8  # body lines seldom recur on 4 of 5 pages; table captions such as "(In millions)" can on half
SHORT_WORDS = 12
MIN_ANYWHERE_CHARS = 6  # a key found anywhere must be more than a word such as "and" left alone on a table line
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")


def line_key(text: str) -> str:
    """A line as compared across pages: lower case, digit runs as "#", no white space."""
    return _SPACE.sub("", _DIGITS.sub("#", text)).lower()


def in_running_band(bbox: Sequence[float], height: float) -> bool:
    """True when the box lies wholly inside the top or bottom RUNNING_BAND of a page `height` points tall."""
    return bbox[3] <= RUNNING_BAND * height or bbox[1] >= (1 - RUNNING_BAND) * height


def _band_and_short_keys(page: "pymupdf.Page") -> tuple[set[str], set[str]]:
    """The keys of a page's lines in the top or bottom RUNNING_BAND, and of its short lines anywhere."""
    height = page.rect.height
    band_keys, short_keys = set(), set()
    for block in page.get_text("dict", flags=0)["blocks"]:
        for line in block.get("lines", ()):
            text = "".join(span["text"] for span in line["spans"])
            if not text.strip():
                continue
            if in_running_band(line["bbox"], height):
                band_keys.add(line_key(text))
            if _LETTER.search(text) and len(text.split()) <= SHORT_WORDS:
                short_keys.add(line_key(text))
    return band_keys, short_keys


def document_line_keys(doc: "pymupdf.Document") -> tuple[frozenset[str], frozenset[str]]:
    """From one sample of up to SAMPLE_PAGES pages: the keys of the running heads and footers (see
    running_lines), and the keys of every line found in the page bands of at least two sampled pages (a page
    header or footer that repeats; see FurnitureCheck)."""
    count = doc.page_count
    if count < 2:
        return frozenset(), frozenset()
    step = max(1, count // SAMPLE_PAGES)
    sample = list(range(0, count, step))[:SAMPLE_PAGES]
    in_band: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for pno in sample:
        band_keys, short_keys = _band_and_short_keys(doc[pno])
        in_band.update(band_keys)
        anywhere.update(short_keys)
    repeated = frozenset(key for key, pages in in_band.items() if pages >= 2)
    if count < MIN_PAGES:
        return frozenset(), repeated
    band_needed = max(MIN_PAGES, MIN_SHARE * len(sample))
    anywhere_needed = max(MIN_PAGES, ANYWHERE_SHARE * len(sample))
    # a bare page number is furniture by the page rules already
    running = frozenset([key for key, pages in in_band.items() if pages >= band_needed and _LETTER.search(key)]
                        + [key for key, pages in anywhere.items()
                           if pages >= anywhere_needed and len(key) >= MIN_ANYWHERE_CHARS])
    return running, repeated


def running_lines(doc: "pymupdf.Document") -> frozenset[str]:
    """The line keys (see line_key) of the document's running heads and footers; empty for short documents."""
    return document_line_keys(doc)[0]


def _made_of(key: str, keys: frozenset[str]) -> bool:
    """True when `key` is one or more running-line keys end to end (a box may join two running lines)."""
    reachable = [True] + [False] * len(key)
    for start in range(len(key)):
        if reachable[start]:
            for part in (*keys, "#"):  # page numbers may stand between and after them
                if key.startswith(part, start):
                    reachable[start + len(part)] = True
    return reachable[-1]


def is_running(text: str, bbox: Sequence[float], height: float, keys: frozenset[str]) -> bool:
    """True when `text`, a box at `bbox` on a page `height` points tall, consists of running lines only and lies
    in the page's top or bottom band or is short (a footer risen with a short page's text)."""
    if not keys or not (in_running_band(bbox, height) or len(text.split()) <= SHORT_WORDS):
        return False
    key = line_key(text)
    if not key.strip("#"):  # a bare number is not known to be running from this alone
        return False
    return key in keys or _made_of(key, keys)


class FurnitureCheck:
    """Whether a line that a page rule or the layout model took for a page header or footer repeats on another
    page of the document. Only a repeated line may leave the body as furniture: the top line of a one-page
    document, or a heading set in a page's margin once, is the only copy of its text.

    A line repeats when its key is one of the document sample's repeated band lines, or lies in the band of a
    page up to NEIGHBOURS pages away (read on demand, once per page: a chapter's running head repeats on the
    pages near it even when the sample met it once)."""

    NEIGHBOURS = 2

    def __init__(self, doc: "pymupdf.Document", repeated: frozenset[str]):
        self.doc = doc
        self.repeated = repeated
        self._bands: dict[int, set[str]] = {}

    def _band(self, pno: int) -> set[str]:
        if pno not in self._bands:
            try:
                self._bands[pno] = _band_and_short_keys(self.doc[pno])[0]
            except Exception:  # an unreadable neighbour only costs the comparison
                self._bands[pno] = set()
        return self._bands[pno]

    def repeats(self, text: str, pno: int) -> bool:
        """True when `text`, found in the margin of page `pno` (0-based), is made of lines that repeat."""
        key = line_key(text)
        if not key:
            return False
        if key in self.repeated or _made_of(key, self.repeated):
            return True
        near = [p for d in range(1, self.NEIGHBOURS + 1) for p in (pno - d, pno + d) if 0 <= p < len(self.doc)]
        return any(key in band or _made_of(key, frozenset(band)) for band in map(self._band, near))


def restore_unrepeated(boxes: list["PageBox"], check: FurnitureCheck | None, pno: int) -> list["PageBox"]:
    """`boxes` with each furniture box whose text does not repeat (FurnitureCheck) turned back into body text:
    a header's text first, a footer's last, the rest in their order."""
    if check is None or not any(b.kind == "furniture" for b in boxes):
        return boxes
    from docparse.page_box import PageBox

    heads, body, feet = [], [], []
    for box in boxes:
        if box.kind != "furniture" or check.repeats(box.text, pno):
            body.append(box)
        else:
            restored = PageBox("text", box.bbox, box.text, meta={"class": "margin"})
            (heads if box.meta.get("place") == "header" else feet).append(restored)
    heads.sort(key=lambda b: (b.bbox[1], b.bbox[0]))
    feet.sort(key=lambda b: (b.bbox[1], b.bbox[0]))
    return heads + body + feet
