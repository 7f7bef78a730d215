"""Scanned and image-only PDF pages: detect them per page, OCR them, and hand the parser ordinary page boxes.

A page needs OCR when its text layer is missing or unusable while a picture covers most of it (a scan, a slide
exported as one image), when its text layer is mostly undecodable glyphs (fonts without a Unicode map), or when a
page-size picture lies under a text layer of a few words only (a court's filing stamp printed over a scan: the
stamp alone would stand for the whole page).
Invisible text over a scan is an earlier OCR layer (usually from the scanner's own, stronger engine) and is kept,
not re-read. Pages with a good text layer are never OCR'd: OCR costs seconds per page, text extraction
milliseconds.

The page is rendered in grey at up to OCR_DPI within `ParseOptions.max_image_pixels`, the engine's lines are
mapped back to PDF points, grouped into paragraphs by geometry (the same way for every engine), and returned as
heading/text/figure `PageBox`es, so chunking, captions and section paths work exactly as on born-digital pages.

Figures elsewhere (on pages with a text layer) whose region holds no text-layer words get their labels and
legends from OCR of the crop (`FigureOcr`), a bounded number per page.
"""
from __future__ import annotations

import logging
import math
import re
import statistics
from typing import TYPE_CHECKING, Sequence

import numpy as np

from docparse.fast_page import reading_order
from docparse.korean_wrap import WrapLine, join_wrapped
from docparse.ocr import OcrEngine, OcrLine, PixelBox, engine_for
from docparse.ocr.page_regions import region_of, text_regions
from docparse.page_box import PageBox

if TYPE_CHECKING:
    import pymupdf

    from docparse.base import ParseOptions
    from docparse.page_router import PageScan

logger = logging.getLogger(__name__)

OCR_DPI = 300  # Tesseract's documented sweet spot; body text is then ~30-40 px high
MIN_TEXT_CHARS = 20  # fewer readable text-layer characters than this = no text layer (a page number on a scan)
MIN_IMAGE_COVER = 0.5  # fraction of the page that pictures must cover for a textless page to count as a scan
# A scan under a thin text layer: a court's filing stamp ("Case 2:18-cv-... Page 1 of 16") or a Bates number printed
# over a page-size picture. An earlier OCR layer of a real page holds far more than THIN_LAYER_CHARS.
THIN_LAYER_CHARS = 200
THIN_LAYER_COVER = 0.8
MAX_GARBAGE_SHARE = 0.5  # share of undecodable characters above which the text layer is unusable
MIN_LINE_CONFIDENCE = 0.3  # page lines below this are noise read from pictures, stains, rules
HEADING_HEIGHT_RATIO = 1.3  # a short paragraph whose lines are this much taller than body lines is a heading

FIGURE_OCR_DPI = 200
FIGURE_OCR_PIXELS = 4_000_000  # pixel budget of one figure crop
MIN_FIGURE_OCR_AREA = 15_000.0  # PDF points^2 (e.g. 150 x 100): smaller figures hold no legible labels
MAX_FIGURE_OCR_PER_PAGE = 2  # bound the cost on pages full of pictures
MIN_FIGURE_LINE_CONFIDENCE = 0.6  # photos make engines "read" texture; labels are read with high confidence

_GARBAGE = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b-\x1f]")
_WORDY = re.compile(r"\w")


def _engine(options: "ParseOptions") -> OcrEngine | None:
    return engine_for(options.ocr, options.ocr_languages)


def _image_cover(image_rects: Sequence[Sequence[float]], width: float, height: float) -> float:
    """Fraction of the page covered by pictures (overlaps counted once, on a coarse grid)."""
    if not image_rects or width <= 0 or height <= 0:
        return 0.0
    n = 32
    covered = 0
    for i in range(n):
        y = (i + 0.5) * height / n
        for j in range(n):
            x = (j + 0.5) * width / n
            covered += any(r[0] <= x <= r[2] and r[1] <= y <= r[3] for r in image_rects)
    return covered / (n * n)


def ocr_reason(scan: "PageScan", width: float, height: float) -> str | None:
    """Why this page needs OCR ("image-only page", "undecodable text layer"), or None when its text layer is
    good (or it has neither text nor pictures, e.g. a blank page)."""
    text = "".join(w[4] for w in scan.words)
    garbage = len(_GARBAGE.findall(text))
    readable = len(_WORDY.findall(_GARBAGE.sub("", text)))
    if readable >= MIN_TEXT_CHARS and garbage <= MAX_GARBAGE_SHARE * len(text):
        if readable < THIN_LAYER_CHARS and _image_cover(scan.image_rects, width, height) >= THIN_LAYER_COVER:
            return "page-size picture under a thin text layer"
        return None
    if readable >= MIN_TEXT_CHARS:
        return "undecodable text layer"
    if _image_cover(scan.image_rects, width, height) >= MIN_IMAGE_COVER:
        return "image-only page"
    return None


def _render_gray(page: "pymupdf.Page", clip=None, dpi: int = OCR_DPI, max_pixels: int = 10_000_000):
    """A greyscale PIL image of the page (or `clip`) at `dpi`, lowered to fit `max_pixels`; and the dpi used."""
    import pymupdf
    from PIL import Image

    rect = pymupdf.Rect(clip) & page.rect if clip is not None else page.rect
    inches = (rect.width / 72) * (rect.height / 72)
    if inches <= 0:
        return None, dpi
    dpi = min(dpi, math.sqrt(max_pixels / inches))  # a page of any size stays within the budget
    zoom = dpi / 72.0
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=rect, colorspace=pymupdf.csGRAY, alpha=False)
    return Image.frombytes("L", (pix.width, pix.height), pix.samples), dpi


def _to_points(line: OcrLine, scale: float, x0: float, y0: float) -> tuple[float, float, float, float]:
    b = line.bbox
    return (x0 + b[0] * scale, y0 + b[1] * scale, x0 + b[2] * scale, y0 + b[3] * scale)


def _geometric_paragraphs(lines: list[tuple[OcrLine, tuple]]) -> list[list[tuple[OcrLine, tuple]]]:
    """Lines grouped into paragraphs by position: a line joins the paragraph whose last line sits just above it,
    overlaps it horizontally and has about its height."""
    paragraphs: list[list[tuple[OcrLine, tuple]]] = []
    for item in sorted(lines, key=lambda it: (it[1][1], it[1][0])):
        box = item[1]
        h = box[3] - box[1]
        for para in reversed(paragraphs):
            last = para[-1][1]
            lh = last[3] - last[1]
            gap = box[1] - last[3]
            overlap = min(box[2], last[2]) - max(box[0], last[0])
            if -0.5 * h <= gap <= 0.9 * max(h, lh) and overlap > 0 and 0.75 <= h / max(lh, 1e-6) <= 1.33:
                para.append(item)
                break
        else:
            paragraphs.append([item])
    return paragraphs


def _union(boxes: Sequence[tuple]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _inside(box: tuple, area: Sequence[float]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def lines_to_boxes(lines: Sequence[OcrLine], scale: float, origin: tuple[float, float], page_width: float,
                   figures: Sequence[Sequence[float]] = (), regions: Sequence[PixelBox] = ()) -> list[PageBox]:
    """Heading, text and figure page boxes in reading order from OCR lines (pixel boxes times `scale` plus
    `origin` give PDF points). Lines inside one of `figures` (PDF-point boxes) become that figure's text.

    `regions`: the image's white-space regions in reading order (docparse.ocr.page_regions.text_regions), which
    set the order: boxes follow their region, top to bottom within it. Without them, a two-column guess on the
    boxes themselves (fast_page.reading_order), which needs long paragraphs to see the columns."""
    placed = [(line, _to_points(line, scale, *origin)) for line in lines
              if line.confidence >= MIN_LINE_CONFIDENCE and _WORDY.search(line.text)]
    figure_boxes = [PageBox("figure", tuple(f), meta={"ocr": "page"}) for f in figures]
    body = []
    for item in placed:
        home = next((f for f in figure_boxes if _inside(item[1], f.bbox)), None)
        if home is not None:
            home.text = f"{home.text} {item[0].text}".strip()
        else:
            body.append(item)
    paragraphs = _geometric_paragraphs(body)
    # The body line height, weighted by characters so that a few big title lines do not set it.
    heights = [b[3] - b[1] for line, b in body for _ in range(max(1, len(line.text)))]
    median = statistics.median(heights) if heights else 0.0
    out: list[PageBox] = list(figure_boxes)
    for para in paragraphs:
        text = join_wrapped([WrapLine(line.text, b[2], b[3] - b[1]) for line, b in para])
        bbox = _union([b for _, b in para])
        height = statistics.mean(b[3] - b[1] for _, b in para)
        if len(para) <= 2 and len(text) <= 120 and median and height >= HEADING_HEIGHT_RATIO * median:
            out.append(PageBox("heading", bbox, text, size=float(round(height))))
        else:
            out.append(PageBox("text", bbox, text))
    if not regions:
        return reading_order(out, page_width)

    def region_rank(box: PageBox) -> tuple[int, float, float]:
        x = ((box.bbox[0] + box.bbox[2]) / 2 - origin[0]) / scale
        y = ((box.bbox[1] + box.bbox[3]) / 2 - origin[1]) / scale
        return region_of(regions, x, y), box.bbox[1], box.bbox[0]

    return sorted(out, key=region_rank)


def ocr_page_boxes(page: "pymupdf.Page", scan: "PageScan", source: str,
                   options: "ParseOptions") -> list[PageBox] | None:
    """Page boxes read by OCR when this page needs OCR and an engine is available; None means "use the text
    layer" (the page does not need OCR, OCR is off, or no engine can run)."""
    reason = ocr_reason(scan, page.rect.width, page.rect.height)
    if reason is None:
        return None
    engine = _engine(options)
    if engine is None:
        return None
    try:
        image, dpi = _render_gray(page, max_pixels=options.max_image_pixels)
        if image is None:
            return []
        lines = engine.recognize(image, options.ocr_languages)
        regions = text_regions(np.asarray(image))
    except Exception as err:  # an engine crash or timeout costs this page its OCR text, not the document
        logger.warning("%s page %d: OCR by %s failed (%s: %s); using the text layer", source, page.number + 1,
                       engine.name, type(err).__name__, err)
        return None
    logger.info("%s page %d: %s, OCR by %s at %d dpi: %d lines", source, page.number + 1, reason, engine.name,
                dpi, len(lines))
    area = page.rect.width * page.rect.height
    # Pictures that are not the scan itself (each under half the page) stay figures, their text inside them.
    figures = [r for r in scan.image_rects
               if (r[2] - r[0]) * (r[3] - r[1]) < MIN_IMAGE_COVER * area
               and (r[2] - r[0]) * (r[3] - r[1]) >= options.min_figure_area]
    return lines_to_boxes(lines, 72.0 / dpi, (page.rect.x0, page.rect.y0), page.rect.width, figures, regions)


class FigureOcr:
    """OCR of figure crops on one page, for figures whose region has no text-layer words (a chart pasted as a
    picture): at most MAX_FIGURE_OCR_PER_PAGE figures of at least MIN_FIGURE_OCR_AREA, so pages full of
    pictures stay cheap."""

    def __init__(self, page: "pymupdf.Page", options: "ParseOptions"):
        self.page = page
        self.options = options
        self.done = 0

    def text(self, bbox: Sequence[float]) -> str:
        """The confident OCR lines inside `bbox` (PDF points), or "" when OCR is off, unavailable or spent."""
        area = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1])
        if self.done >= MAX_FIGURE_OCR_PER_PAGE or area < MIN_FIGURE_OCR_AREA or self.options.ocr == "off":
            return ""
        engine = _engine(self.options)
        if engine is None:
            return ""
        self.done += 1
        try:
            image, _ = _render_gray(self.page, clip=bbox, dpi=FIGURE_OCR_DPI,
                                    max_pixels=min(FIGURE_OCR_PIXELS, self.options.max_image_pixels))
            if image is None:
                return ""
            lines = engine.recognize(image, self.options.ocr_languages, sparse=True)
        except Exception as err:  # the figure keeps its caption; the page goes on
            logger.warning("page %d: OCR of a figure failed (%s: %s)", self.page.number + 1, type(err).__name__, err)
            return ""
        return " ".join(line.text for line in lines
                        if line.confidence >= MIN_FIGURE_LINE_CONFIDENCE and _WORDY.search(line.text))
