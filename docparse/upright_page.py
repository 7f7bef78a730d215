"""Pages whose text runs sideways: an upright copy to analyse, and the way back to the page's own coordinates.

PyMuPDF reports text in the page's unrotated coordinate frame. A landscape table printed on a portrait page (or on
a page turned by /Rotate 90 for display) has its text running up or down that frame, and the layout and table
models, trained on horizontal text, miss or cut such tables. When most of a page's text runs one sideways
direction, the page is shown turned by 90, 180 or 270 degrees on a fresh one-page document (`show_pdf_page`,
which draws the source page's unrotated content), so its text runs left to right; that copy is parsed and
cropped (crops come out upright), and boxes are mapped back to the source page as displayed (top-left origin),
the frame the layout path gives on pages with /Rotate (pymupdf4llm removes a page's rotation before analysing
it); on pages without /Rotate that is the page's own frame.

A page with a few sideways lines (a vertical column header, an axis label) stays as it is: the share of
sideways characters must pass SIDEWAYS_SHARE.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Sequence

from docparse.element import BBox, Element, round_bbox

logger = logging.getLogger(__name__)

SIDEWAYS_SHARE = 0.6  # share of the page's characters that must run one sideways direction
MIN_SIDEWAYS_CHARS = 40  # fewer sideways characters than this never turn a page (a stamp, a margin note)
# The turn (degrees, as show_pdf_page's `rotate`) that makes text of each reading direction run left to right.
_TURN = {(0, -1): 270, (0, 1): 90, (-1, 0): 180}


def _direction(line: dict) -> tuple[int, int] | None:
    dx, dy = line.get("dir", (1.0, 0.0))
    if abs(dx) >= 0.9:
        return (1 if dx > 0 else -1, 0)
    if abs(dy) >= 0.9:
        return (0, 1 if dy > 0 else -1)
    return None  # slanted text (stamps, chart labels) says nothing about the page's orientation


def sideways_turn(blocks: Iterable[dict]) -> int:
    """The turn that sets a page's text upright (90, 180 or 270), or 0 when the page reads as it is.

    `blocks` are the page's text-dict blocks; each line counts with its number of non-space characters."""
    chars: Counter = Counter()
    for block in blocks:
        for line in block.get("lines", ()):
            direction = _direction(line)
            if direction is not None:
                chars[direction] += sum(len("".join(s.get("text", "").split())) for s in line.get("spans", ()))
    total = sum(chars.values())
    if not total:
        return 0
    direction, count = chars.most_common(1)[0]
    if direction == (1, 0) or count < MIN_SIDEWAYS_CHARS or count < SIDEWAYS_SHARE * total:
        return 0
    return _TURN[direction]


def _forward(turn: int, width: float, height: float):
    """The matrix taking a point of the source page's unrotated frame (width x height) to the turned copy."""
    import pymupdf

    if turn == 90:
        return pymupdf.Matrix(0, -1, 1, 0, 0, width)
    if turn == 270:
        return pymupdf.Matrix(0, 1, -1, 0, height, 0)
    return pymupdf.Matrix(-1, 0, 0, -1, width, height)


@dataclass(frozen=True)
class UprightPage:
    """A turned copy of one page. `doc` holds it as page 0; `to_source` maps a box on it back to the source page
    as displayed (top-left origin)."""

    doc: Any  # pymupdf.Document with one page
    turn: int
    inverse: Any  # pymupdf.Matrix from the copy to the source frame

    @property
    def page(self):
        return self.doc[0]

    def to_source(self, bbox: Sequence[float]) -> BBox:
        import pymupdf

        rect = pymupdf.Rect(bbox) * self.inverse
        return round_bbox((rect.x0, rect.y0, rect.x1, rect.y1))

    def restore(self, elements: Iterable[Element]) -> Iterator[Element]:
        """The elements with their boxes mapped back to the source page."""
        for element in elements:
            prov = element.provenance
            if prov.bbox is not None:
                element = replace(element, provenance=replace(prov, bbox=self.to_source(prov.bbox)))
            yield element

    def close(self) -> None:
        self.doc.close()


def upright_page(page, blocks: Iterable[dict], words: Sequence[Sequence] = ()) -> UprightPage | None:
    """The upright copy of `page` when its text runs sideways (see sideways_turn), else None.

    With the page's `words`, the copy is checked against them: the first word must land where the mapping puts
    it, or the copy is dropped (None) and the page is parsed as it is."""
    import pymupdf

    turn = sideways_turn(blocks)
    if not turn:
        return None
    # The unrotated frame's size: page.rect is the displayed one, swapped by a quarter-turn /Rotate.
    width, height = page.rect.width, page.rect.height
    if page.rotation % 180 == 90:
        width, height = height, width
    forward = _forward(turn, width, height)
    size = (height, width) if turn in (90, 270) else (width, height)
    doc = pymupdf.open()
    try:
        # show_pdf_page places a page by its displayed rectangle; an unrotated copy makes it draw the unrotated
        # frame that the words (and the mapping back) use
        plain = pymupdf.open()
        plain.insert_pdf(page.parent, from_page=page.number, to_page=page.number)
        plain[0].set_rotation(0)
        target = doc.new_page(width=size[0], height=size[1])
        target.show_pdf_page(target.rect, plain, 0, rotate=turn)
        plain.close()
    except Exception as err:  # a page MuPDF cannot re-show is parsed as it is
        doc.close()
        logger.warning("page %d: could not turn the sideways page upright (%s: %s)", page.number + 1,
                       type(err).__name__, err)
        return None
    # back from the copy to the unrotated frame, then to the page as displayed
    upright = UprightPage(doc=doc, turn=turn, inverse=~forward * page.rotation_matrix)
    if words and not _lands(upright, forward, words[0]):
        logger.warning("page %d: the turned copy does not match the page's words; parsed as it is",
                       page.number + 1)
        upright.close()
        return None
    return upright


def _lands(upright: UprightPage, forward, word: Sequence) -> bool:
    import pymupdf

    centre = pymupdf.Point((word[0] + word[2]) / 2, (word[1] + word[3]) / 2) * forward
    return any(str(w[4]) == str(word[4]) and abs((w[0] + w[2]) / 2 - centre.x) < 3
               and abs((w[1] + w[3]) / 2 - centre.y) < 3 for w in upright.page.get_text("words"))


def upright_copy(page, scan, source: str) -> UprightPage | None:
    """upright_page for a scanned page (docparse.page_router.PageScan, or None); a failure costs only the turn."""
    if scan is None:
        return None
    try:
        return upright_page(page, scan.blocks, scan.words)
    except Exception as err:
        logger.warning("%s page %d: sideways-text check failed (%s: %s)", source, page.number + 1,
                       type(err).__name__, err)
        return None
