"""Per-page routing: decide from a cheap PyMuPDF pass whether a page needs the layout models.

The layout models (pymupdf4llm's GNN layout + table-grid ONNX models) cost about a second per page on one CPU
core; plain text extraction costs a few milliseconds. Most pages of most documents are running text, so the
models run only where they add something the fast path cannot do:

- possible tables: label-and-amount rows (three or more baselines whose last segment, after a wide gap, is a
  number, as in a two-column budget table), ruled structure (three or more horizontal rules or bands sharing one
  left and right edge, as in grid and booktabs tables), whitespace tables (several text rows split into three or
  more segments by wide gaps, as in financial statements), or a "Table N" caption;
- layouts with three or more columns (they look like whitespace tables to the row test, and take the same path);
- text drawn over pictures (slides, infographics), where text and figure must be told apart.

Everything else (running text in one or two columns, headings, raster images, simple vector charts) takes the
fast path. A router that misses a table costs table recall, so every test errs towards the layout path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from docparse.captions import caption_kind

# Row test: a gap wider than this many line heights between two words on one baseline splits a row into segments
# (ordinary word spaces are ~0.3 line heights, justified text rarely passes 0.7).
SEGMENT_GAP = 0.9
MIN_TABULAR_ROWS = 3  # rows of >= 3 segments that make a page tabular
MIN_SHARED_RULES = 3  # horizontal rules/bands with the same x-span that make a ruled table
MIN_WORDS_OVER_IMAGE = 8  # words inside raster images that make a page a slide/infographic

_AMOUNT = re.compile(r"^[(\-–$€£¥]*\d[\d,.]*\s*(%|[MBK]|bn|m)?\)?$")
_TABLE_CAPTION = re.compile(r"^\s*(Table|TABLE)\s*[A-Z]?\d")


@dataclass(frozen=True)
class PageSignals:
    """What the cheap pass saw on one page."""

    words: int
    tabular_rows: int  # baselines split into >= 3 segments by wide gaps
    amount_rows: int  # baselines split by a wide gap whose last segment is a number
    shared_rules: int  # most horizontal rules/bands sharing one x-span
    table_caption: bool
    words_over_images: int


@dataclass(frozen=True)
class Route:
    """The router's decision for one page; `reason` names the signal that chose the layout path."""

    layout: bool
    reason: str
    signals: PageSignals


def _row_segments(words: Sequence[Sequence]) -> list[list[str]]:
    """The text segments of each baseline: words joined unless a gap wider than SEGMENT_GAP heights parts them."""
    rows: dict[int, list[Sequence]] = {}
    for w in words:
        rows.setdefault(round(w[3] / 2), []).append(w)  # 2-point baseline buckets
    out = []
    for row in rows.values():
        row.sort(key=lambda w: w[0])
        segments = [[row[0][4]]]
        for a, b in zip(row, row[1:]):
            height = max(a[3] - a[1], b[3] - b[1], 1.0)
            if b[0] - a[2] > SEGMENT_GAP * height:
                segments.append([])
            segments[-1].append(b[4])
        out.append([" ".join(seg) for seg in segments])
    return out


def _shared_rules(drawings: Sequence[dict], page_width: float) -> int:
    """The largest number of thin horizontal rules or row bands that share one left and right edge.

    Table rules and zebra row shading repeat the same x-span; chart bars, underlines and frame lines do not (a
    vertical bar chart's bars differ in x, a horizontal one's in length)."""
    spans: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for path in drawings:
        for item in path.get("items", ()):
            kind = item[0]
            if kind == "l":
                (x0, y0), (x1, y1) = (item[1][0], item[1][1]), (item[2][0], item[2][1])
                if abs(y1 - y0) > 1.0:
                    continue
            elif kind == "re":
                x0, y0, x1, y1 = item[1]
                if y1 - y0 > 40:  # taller than a table row band
                    continue
            else:
                continue
            left, right = min(x0, x1), max(x0, x1)
            if right - left < 40 or right - left > 0.92 * page_width:
                continue  # short strokes; page frames and full-bleed decorations
            spans.setdefault((round(left / 3), round(right / 3)), []).append((min(y0, y1), max(y0, y1)))
    best = 0
    for intervals in spans.values():
        # Touching bands are one shaded block (a code listing), and a frame's double strokes are one rule.
        intervals.sort()
        groups, bottom = 0, float("-inf")
        for top, low in intervals:
            if top > bottom + 1.5:
                groups += 1
            bottom = max(bottom, low)
        best = max(best, groups)
    return best


def _words_over_images(words: Sequence[Sequence], image_rects: Sequence[Sequence[float]]) -> int:
    rects = [r for r in image_rects if (r[2] - r[0]) > 50 and (r[3] - r[1]) > 50]
    if not rects:
        return 0
    return sum(1 for w in words if any(r[0] <= (w[0] + w[2]) / 2 <= r[2] and r[1] <= (w[1] + w[3]) / 2 <= r[3]
                                       for r in rects))


def page_signals(words: Sequence[Sequence], drawings: Sequence[dict], image_rects: Sequence[Sequence[float]],
                 line_texts: Sequence[str], page_width: float) -> PageSignals:
    """Signals from data the caller already extracted: words ("words" text output), drawings (get_cdrawings),
    raster image rectangles and the text of each line (for captions)."""
    rows = _row_segments(words)
    return PageSignals(
        words=len(words),
        tabular_rows=sum(1 for r in rows if len(r) >= 3),
        amount_rows=sum(1 for r in rows if len(r) >= 2 and _AMOUNT.match(r[-1])),
        shared_rules=_shared_rules(drawings, page_width),
        table_caption=any(_TABLE_CAPTION.match(t) or caption_kind(t) == "table" for t in line_texts),
        words_over_images=_words_over_images(words, image_rects),
    )


def route(signals: PageSignals) -> Route:
    """The layout path when any table, many-column or text-over-picture signal fires, else the fast path."""
    if signals.words == 0:
        return Route(False, "no text layer", signals)
    if signals.table_caption:
        return Route(True, "table caption", signals)
    if signals.shared_rules >= MIN_SHARED_RULES:
        return Route(True, "ruled structure", signals)
    if signals.tabular_rows >= MIN_TABULAR_ROWS:
        return Route(True, "tabular rows", signals)
    if signals.amount_rows >= MIN_TABULAR_ROWS:
        return Route(True, "label and amount rows", signals)
    if signals.words_over_images >= MIN_WORDS_OVER_IMAGE:
        return Route(True, "text over images", signals)
    return Route(False, "plain text", signals)


@dataclass(frozen=True)
class PageScan:
    """The cheap pass over one page, kept so that the fast path and figure finding reuse it."""

    blocks: list  # text-dict blocks (text only; raster images are in image_rects)
    words: list  # page.get_text("words") tuples
    drawings: list  # page.get_cdrawings() paths
    image_rects: list  # bounding boxes of raster images drawn on the page


def scan_page(page) -> PageScan:
    """One text extraction (dict and words from the same text page), the drawings and the image boxes."""
    import pymupdf

    # Images are listed by get_image_info instead of the text dict, which would copy every image's bytes.
    flags = pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    textpage = page.get_textpage(flags=flags)
    blocks = page.get_text("dict", textpage=textpage)["blocks"]
    words = page.get_text("words", textpage=textpage)
    drawings = page.get_cdrawings()
    images = [tuple(info["bbox"]) for info in page.get_image_info()]
    page_rect = page.rect
    images = [r for r in images if r[2] > r[0] and r[3] > r[1]
              and r[0] < page_rect.x1 and r[2] > page_rect.x0 and r[1] < page_rect.y1 and r[3] > page_rect.y0]
    return PageScan(blocks=blocks, words=words, drawings=drawings, image_rects=images)


def route_page(page, scan: PageScan | None = None) -> Route:
    """The route for one PyMuPDF page (scanning it unless a scan is given)."""
    scan = scan or scan_page(page)
    lines = [" ".join(s["text"] for s in line["spans"]).strip()
             for block in scan.blocks for line in block.get("lines", ())]
    return route(page_signals(scan.words, scan.drawings, scan.image_rects, lines, page.rect.width))
