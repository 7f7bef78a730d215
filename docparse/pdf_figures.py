"""Figures on a PDF page: vector drawings clustered into charts and diagrams, the words inside a figure, crops,
and the page furniture (letterheads, running heads, footers) that must not pass for a figure or body text.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pymupdf

from docparse.element import BBox
from docparse.page_box import PageBox
from docparse.running_lines import RUNNING_BAND
from docparse.vector_clusters import cluster_rects

logger = logging.getLogger(__name__)

MAX_CROP_PIXELS = 2000  # longest side of a table/figure crop
def overlap_fraction(a: BBox, b: BBox) -> float:
    """Intersection area over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def area(b: BBox) -> float:
    """The box's area (0 for an inverted box)."""
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


MARGIN_BAND = 0.12  # share of the page height at the top and bottom where headers and footers live
FURNITURE_WORDS = 12  # a header/footer drawing holds a running title or a page number at most


def vector_figures(page: "pymupdf.Page", boxes: list[PageBox], min_area: float,
                    drawings: list | None = None) -> list[PageBox]:
    """Regions of vector drawings (charts, diagrams) not already covered by a table or figure box."""
    try:
        paths = page.get_cdrawings() if drawings is None else drawings
        clusters = [pymupdf.Rect(r) for r in cluster_rects([p["rect"] for p in paths], tuple(page.rect))]
    except Exception as err:
        logger.debug("clustering drawings failed: %s", err)
        return []
    page_area = page.rect.width * page.rect.height
    taken = [b.bbox for b in boxes if b.kind in ("table", "figure")]
    texts = [b.bbox for b in boxes if b.kind in ("text", "heading")]
    found = []
    for rect in clusters:
        box = tuple(rect)
        area = rect.width * rect.height
        if area < min_area or rect.width < 20 or rect.height < 20 or area > 0.85 * page_area:
            continue  # icons, rules and full-page backgrounds
        if any(overlap_fraction(box, t) > 0.5 for t in taken):
            continue
        if is_page_furniture(page, rect):
            continue
        covered = sum(overlap_fraction(box, t) * (t[2] - t[0]) * (t[3] - t[1]) for t in texts)
        if covered > 0.5 * area:
            continue  # a shaded frame behind a paragraph, not a picture
        found.append(PageBox("figure", box, meta={"source": "vector"}))
        taken.append(box)
    return found


def as_furniture(box: PageBox, body_top: float, height: float) -> PageBox:
    """A running head or footer found by repetition (docparse.running_lines), as a furniture box: a head when it
    lies in the top band or starts above the page's first body box, else a footer (it may have risen with a short
    page's text)."""
    place = "header" if box.bbox[3] <= RUNNING_BAND * height or box.bbox[1] < body_top else "footer"
    return PageBox("furniture", box.bbox, box.text, meta={"place": place})


def furniture_metadata(boxes: list[PageBox]) -> dict[str, str]:
    """{"page_header": ..., "page_footer": ...} from a page's running heads, footers and page numbers."""
    out: dict[str, str] = {}
    for place in ("header", "footer"):
        texts = [b.text for b in sorted(boxes, key=lambda b: (b.bbox[1], b.bbox[0])) if b.meta.get("place") == place]
        if texts:
            out[f"page_{place}"] = " | ".join(texts)
    return out


def is_page_furniture(page: "pymupdf.Page", rect: "pymupdf.Rect") -> bool:
    """A drawing in the top or bottom margin band holding at most a few words: a letterhead, a header strip or
    a footer rule, repeated page furniture rather than a figure."""
    height = page.rect.height
    if rect.y1 > MARGIN_BAND * height and rect.y0 < (1 - MARGIN_BAND) * height:
        return False
    return len(page.get_text("words", clip=rect)) <= FURNITURE_WORDS


def figure_words(page: "pymupdf.Page", bbox: BBox, exclude: list[BBox], margin: float) -> str:
    """Text-layer words inside a figure (axis labels, legends), minus caption lines."""
    clip = pymupdf.Rect(bbox) + (-margin, -margin, margin, margin)
    words = page.get_text("words", clip=clip)
    kept = [w for w in words
            if not any(e[0] <= (w[0] + w[2]) / 2 <= e[2] and e[1] <= (w[1] + w[3]) / 2 <= e[3] for e in exclude)]
    kept.sort(key=lambda w: (w[5], w[6], w[7]))
    return " ".join(w[4] for w in kept)


def crop_image(page: "pymupdf.Page", bbox: BBox, path: Path, dpi: int) -> str | None:
    """Save the page region `bbox` as a PNG at `path` (longest side at most MAX_CROP_PIXELS); None when the region
    lies off the page."""
    rect = pymupdf.Rect(bbox) & page.rect
    if rect.is_empty:
        return None
    longest = max(rect.width, rect.height)
    dpi = min(dpi, max(10, int(MAX_CROP_PIXELS * 72 / longest)))
    path.parent.mkdir(parents=True, exist_ok=True)
    page.get_pixmap(clip=rect, dpi=dpi).save(str(path))
    return str(path)
