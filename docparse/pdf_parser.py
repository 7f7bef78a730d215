"""PDF parsing with PyMuPDF: validation, then page-by-page analysis into headings, text chunks, tables and figures.

Each page is first scanned cheaply (text, words, drawings, images) and routed (docparse.page_router): pages that may
hold tables, many columns or text over pictures go through pymupdf4llm's `parse_document` (PyMuPDF's bundled ONNX
layout + table-grid models, no OCR), called one page at a time: the models are loaded once per process, and
batching pages measured no faster, so single pages keep memory flat. All other pages take the fast path
(docparse.fast_page), about a hundred times cheaper. If layout analysis fails on a page, that page falls back to
plain PyMuPDF text blocks and `find_tables`; if that fails too the page is skipped with a warning.
"""
from __future__ import annotations

import contextlib
import logging
import re
import sys
from pathlib import Path
from typing import Iterator

import pymupdf

from docparse.base import DocumentInfo, ParseOptions, file_doc_id, stored_path
from docparse.captions import is_caption, link_captions
from docparse.chunking import TextBlock, chunk_blocks, token_counter
from docparse.element import BBox, Element, ElementKind, Provenance, element_id, round_bbox
from docparse.errors import DocumentTooLargeError
from docparse.fast_page import fast_boxes
from docparse.headings import dominant_size, is_heading_text
from docparse.page_box import PageBox
from docparse.page_image import page_image_file, render_page_image
from docparse.page_scale import boxes_within_budget
from docparse.page_router import PageScan, route_page, scan_page
from docparse.scanned_page import FigureOcr, ocr_page_boxes
from docparse.korean_wrap import join_line_dicts, join_table_wraps
from docparse.split_words import WordRepair, page_repairs
from docparse.table_grid import dense_grid, grid_to_markdown
from docparse.layout_model import use_layout_features
from docparse.pdf_empty import start_content_check, warn_content_errors
from docparse.pdf_open import open_pdf
from docparse.pdf_limits import oversized_content
from docparse.running_lines import (RUNNING_BAND, FurnitureCheck, document_line_keys, is_running,
                                    restore_unrepeated)
from docparse.decorative import decorative_image_xrefs, decorative_rects, is_decorative
from docparse.table_columns import vertical_rules
from docparse.table_continuation import TableRun, header_row_count, repeats_header
from docparse.table_repair import horizontal_rules
from docparse.upright_page import upright_copy
from docparse.vector_clusters import cluster_rects

logger = logging.getLogger(__name__)

MAX_CROP_PIXELS = 2000  # longest side of a table/figure crop
_TEXT_CLASSES = {"text", "list-item", "footnote", "formula", "code", "caption"}
_FURNITURE_CLASSES = {"page-header", "page-footer"}  # kept out of chunks, kept as metadata
_NUMBERING = re.compile(r"^\s*((?:\d+|[IVXLC]+|[A-Z])(?:\.\d+)*)[.)]?\s+\S")


def _write_page_image(page: "pymupdf.Page", folder: Path, pageno: int, source: str) -> None:
    """The page's JPEG (docparse.page_image), unless an earlier run wrote it; a failure costs only the image."""
    target = page_image_file(folder, pageno)
    if target.is_file():
        return
    try:
        render_page_image(page, target)
    except Exception as err:
        logger.warning("%s page %d: page image not written (%s: %s)", source, pageno, type(err).__name__, err)


def _line_text(lines: list[dict]) -> str:
    """Join layout text lines into one paragraph (docparse.span_text; Korean words broken by the wrap closed up by
    docparse.korean_wrap)."""
    return join_line_dicts(lines)


def _layout_boxes(doc: "pymupdf.Document", pno: int) -> list:
    """pymupdf4llm layout boxes for one page (module-level so tests can make one page fail)."""
    from pymupdf4llm.helpers.document_layout import parse_document

    # The layout helper prints its progress messages; keep stdout clean for JSON output.
    with contextlib.redirect_stdout(sys.stderr):
        return parse_document(doc, pages=[pno], use_ocr=False, force_text=True).pages[0].boxes


def _boxes_from_layout(doc: "pymupdf.Document", pno: int) -> list[PageBox]:
    out: list[PageBox] = []
    for box in _layout_boxes(doc, pno):
        bbox = (box.x0, box.y0, box.x1, box.y1)
        cls = box.boxclass
        if cls in _FURNITURE_CLASSES:
            text = _line_text(box.textlines or [])
            if text:
                out.append(PageBox("furniture", bbox, text,
                                   meta={"place": "header" if cls == "page-header" else "footer"}))
            continue
        if cls in ("title", "section-header"):
            text = _line_text(box.textlines or [])
            if text and is_caption(text):
                # bold caption lines ("[표 1] ...") are often classed as headers; they must stay linkable
                out.append(PageBox("text", bbox, text, meta={"class": "caption"}))
            elif text and not is_heading_text(text):  # a lone bullet or a bold list item: body text
                out.append(PageBox("text", bbox, text, meta={"class": "list-item"}))
            elif text:
                spans = [span for line in box.textlines or [] for span in line.get("spans", [])]
                size = dominant_size(spans) or float(box.max_fontsize or 0)
                out.append(PageBox("heading", bbox, text, size=size))
        elif cls == "table":
            table = box.table or {}
            if table.get("extract"):
                out.append(PageBox("table", tuple(table.get("bbox") or bbox), table=table))
        elif cls == "picture":
            out.append(PageBox("figure", bbox))
        else:
            text = _line_text(box.textlines or [])
            if text:
                out.append(PageBox("text", bbox, text, meta={"class": cls}))
    return out


def _boxes_from_plain(page: "pymupdf.Page") -> list[PageBox]:
    """Fallback analysis: MuPDF text blocks, images and find_tables, ordered top to bottom."""
    out: list[PageBox] = []
    tables = []
    try:
        tables = page.find_tables().tables
    except Exception as err:  # table finding is optional on the fallback path
        logger.debug("find_tables failed: %s", err)
    for tab in tables:
        out.append(PageBox("table", tuple(tab.bbox), table={"extract": tab.extract(), "cells": None}))
    table_rects = [pymupdf.Rect(t.bbox) for t in tables]
    blocks = page.get_text("dict")["blocks"]
    sizes = [s["size"] for b in blocks if b["type"] == 0 for l in b["lines"] for s in l["spans"] if s["text"].strip()]
    body = sorted(sizes)[len(sizes) // 2] if sizes else 10.0
    for block in blocks:
        rect = pymupdf.Rect(block["bbox"])
        if any(rect.intersect(t).get_area() > 0.5 * rect.get_area() for t in table_rects):
            continue
        if block["type"] == 1:
            out.append(PageBox("figure", tuple(rect)))
            continue
        text = _line_text(block["lines"])
        if not text:
            continue
        size = max(s["size"] for l in block["lines"] for s in l["spans"])
        if size >= 1.25 * body and len(text) < 200:
            out.append(PageBox("heading", tuple(rect), text, size=round(size)))
        else:
            out.append(PageBox("text", tuple(rect), text))
    out.sort(key=lambda b: (b.bbox[1], b.bbox[0]))
    return out


def _split_word_repair(page: "pymupdf.Page", scan: PageScan, boxes: list[PageBox],
                       source: str) -> WordRepair:
    """Join the page's split words ("Cash Flow s") in its boxes' text, and return the repair for text read from the
    page later (table cells, figure words). A failure costs the repair, never the page."""
    try:
        repair = WordRepair(page_repairs(page, scan.blocks))
    except Exception as err:
        logger.warning("%s page %d: split-word check failed (%s: %s)", source, page.number + 1,
                       type(err).__name__, err)
        return WordRepair({})
    if repair:
        for box in boxes:
            box.text = repair(box.text) or box.text
    return repair


def _overlap_fraction(a: BBox, b: BBox) -> float:
    """Intersection area over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller if smaller > 0 else 0.0


def _area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


MARGIN_BAND = 0.12  # share of the page height at the top and bottom where headers and footers live
FURNITURE_WORDS = 12  # a header/footer drawing holds a running title or a page number at most


def _vector_figures(page: "pymupdf.Page", boxes: list[PageBox], min_area: float,
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
        if any(_overlap_fraction(box, t) > 0.5 for t in taken):
            continue
        if _is_page_furniture(page, rect):
            continue
        covered = sum(_overlap_fraction(box, t) * (t[2] - t[0]) * (t[3] - t[1]) for t in texts)
        if covered > 0.5 * area:
            continue  # a shaded frame behind a paragraph, not a picture
        found.append(PageBox("figure", box, meta={"source": "vector"}))
        taken.append(box)
    return found


def _as_furniture(box: PageBox, body_top: float, height: float) -> PageBox:
    """A running head or footer found by repetition (docparse.running_lines), as a furniture box: a head when it
    lies in the top band or starts above the page's first body box, else a footer (it may have risen with a short
    page's text)."""
    place = "header" if box.bbox[3] <= RUNNING_BAND * height or box.bbox[1] < body_top else "footer"
    return PageBox("furniture", box.bbox, box.text, meta={"place": place})


def _furniture_metadata(boxes: list[PageBox]) -> dict[str, str]:
    """{"page_header": ..., "page_footer": ...} from a page's running heads, footers and page numbers."""
    out: dict[str, str] = {}
    for place in ("header", "footer"):
        texts = [b.text for b in sorted(boxes, key=lambda b: (b.bbox[1], b.bbox[0])) if b.meta.get("place") == place]
        if texts:
            out[f"page_{place}"] = " | ".join(texts)
    return out


def _is_page_furniture(page: "pymupdf.Page", rect: "pymupdf.Rect") -> bool:
    """A drawing in the top or bottom margin band holding at most a few words: a letterhead, a header strip or
    a footer rule, repeated page furniture rather than a figure."""
    height = page.rect.height
    if rect.y1 > MARGIN_BAND * height and rect.y0 < (1 - MARGIN_BAND) * height:
        return False
    return len(page.get_text("words", clip=rect)) <= FURNITURE_WORDS


def _figure_words(page: "pymupdf.Page", bbox: BBox, exclude: list[BBox], margin: float) -> str:
    """Text-layer words inside a figure (axis labels, legends), minus caption lines."""
    clip = pymupdf.Rect(bbox) + (-margin, -margin, margin, margin)
    words = page.get_text("words", clip=clip)
    kept = [w for w in words
            if not any(e[0] <= (w[0] + w[2]) / 2 <= e[2] and e[1] <= (w[1] + w[3]) / 2 <= e[3] for e in exclude)]
    kept.sort(key=lambda w: (w[5], w[6], w[7]))
    return " ".join(w[4] for w in kept)


def _crop(page: "pymupdf.Page", bbox: BBox, path: Path, dpi: int) -> str | None:
    rect = pymupdf.Rect(bbox) & page.rect
    if rect.is_empty:
        return None
    longest = max(rect.width, rect.height)
    dpi = min(dpi, max(10, int(MAX_CROP_PIXELS * 72 / longest)))
    path.parent.mkdir(parents=True, exist_ok=True)
    page.get_pixmap(clip=rect, dpi=dpi).save(str(path))
    return str(path)


def _heading_rank(text: str, size: float) -> tuple[float, int]:
    numbering = _NUMBERING.match(text)
    depth = numbering.group(1).count(".") + 1 if numbering and any(c.isdigit() for c in numbering.group(1)) else 0
    return size, depth


# A run of same-size headings with no body between them is one title set on several lines ("NETFLIX, INC." /
# "CONSOLIDATED BALANCE SHEETS" / "(in thousands ...)"): it becomes one section, up to this many characters.
# Before, each line replaced the one above it, and a statement's table sat under "(in thousands ...)" alone.
MAX_STACKED_TITLE_CHARS = 200


class _Sections:
    """The running heading path. Nesting comes from font size (bigger = outer) and, when both headings are
    numbered ("2", "2.1"), from numbering depth; this needs no document-wide pass, so pages can stream.
    Callers take `body_path()` for body elements (text, tables, figures): a heading pushed right after another
    of its size, with no body element between, continues that heading (MAX_STACKED_TITLE_CHARS)."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, float, int]] = []
        self.tables = TableRun()  # tables continued across pages ride along with the heading path
        self._title_open = False  # the top heading has no body element under it yet

    def path(self) -> tuple[str, ...]:
        return tuple(t for t, _, _ in self.stack)

    def body_path(self) -> tuple[str, ...]:
        """The path of a body element placed now (it closes the heading above it to continuation lines)."""
        self._title_open = False
        return self.path()

    def push(self, text: str, size: float) -> None:
        size_, depth = _heading_rank(text, size)
        if self._title_open and self.stack and not depth:
            top_text, top_size, top_depth = self.stack[-1]
            if abs(top_size - size_) <= 0.5 and len(top_text) + len(text) < MAX_STACKED_TITLE_CHARS:
                self.stack[-1] = (f"{top_text} {text}", top_size, top_depth)
                return
        self._title_open = True
        while self.stack:
            _, top_size, top_depth = self.stack[-1]
            if depth and top_depth:
                outer = top_depth < depth
            else:
                outer = top_size > size_ + 0.5
            if outer:
                break
            self.stack.pop()
        self.stack.append((text, size_, depth))


class PyMuPDFParser:
    """PDF parser built on PyMuPDF and its bundled layout models (offline, no OCR)."""

    name = "pymupdf"
    extensions = (".pdf",)

    def open(self, path: Path, options: ParseOptions) -> DocumentInfo:
        """Validate the file: readable, decryptable, within `options.max_pages`."""
        path = Path(path)
        doc = open_pdf(path, options.password)
        try:
            pages = doc.page_count
            if pages > options.max_pages:
                raise DocumentTooLargeError(
                    f"{path.name}: {pages} pages exceeds the limit max_pages={options.max_pages}")
            try:
                decorative = decorative_image_xrefs(doc)
            except Exception as err:  # a damaged resource tree only costs the filter
                logger.warning("%s: could not look for repeated images (%s: %s)", path.name, type(err).__name__, err)
                decorative = frozenset()
            try:
                running, margin = document_line_keys(doc)
            except Exception as err:  # a page that cannot be read only costs the filter
                logger.warning("%s: could not look for running heads (%s: %s)", path.name, type(err).__name__, err)
                running, margin = frozenset(), frozenset()
        finally:
            doc.close()
        return DocumentInfo(doc_id=file_doc_id(path), source=path.name, path=stored_path(path), pages=pages,
                            format="pdf", decorative_images=decorative, running_lines=running,
                            margin_lines=margin)

    def elements(self, info: DocumentInfo, options: ParseOptions) -> Iterator[Element]:
        """Headings, text chunks, tables and figures, page by page in reading order."""
        use_layout_features(options.layout_features)
        doc = open_pdf(Path(info.path), options.password)
        sections = _Sections()
        count = token_counter(options.tokenizer)
        try:
            furniture = FurnitureCheck(doc, info.margin_lines)
            for pno in range(doc.page_count):
                yield from self.page_elements(doc, pno, info, options, sections, count, furniture)
        finally:
            doc.close()

    def range_elements(self, info: DocumentInfo, options: ParseOptions, start: int,
                       stop: int) -> Iterator[tuple[Element, float | None]]:
        """Elements of pages [start, stop) (0-based), each with its heading font size when it is a title, so that
        a caller joining ranges can rebuild heading paths across them (docparse.parallel)."""
        use_layout_features(options.layout_features)
        doc = open_pdf(Path(info.path), options.password)
        sections = _Sections()
        count = token_counter(options.tokenizer)
        try:
            furniture = FurnitureCheck(doc, info.margin_lines)
            for pno in range(start, min(stop, doc.page_count)):
                for element in self.page_elements(doc, pno, info, options, sections, count, furniture):
                    yield element, (sections.stack[-1][1] if element.kind is ElementKind.TITLE else None)
        finally:
            doc.close()

    def page_elements(self, doc: "pymupdf.Document", pno: int, info: DocumentInfo, options: ParseOptions,
                      sections: "_Sections", count, furniture: FurnitureCheck | None = None) -> Iterator[Element]:
        """The elements of one page (0-based `pno`), advancing the running heading path `sections`; margin lines
        that do not repeat stay body text (`furniture`; None: a check on this page's document alone)."""
        oversized = oversized_content(doc, pno)
        if oversized:
            logger.warning("%s page %d: skipped, %s", info.source, pno + 1, oversized)
            return
        start_content_check()
        if options.page_images_dir is not None:
            _write_page_image(doc[pno], Path(options.page_images_dir) / info.doc_id, pno + 1, info.source)
        scan = None
        try:
            scan = scan_page(doc[pno])
        except Exception as err:  # the layout path below does its own extraction
            logger.warning("%s page %d: page scan failed (%s: %s)", info.source, pno + 1, type(err).__name__, err)
        warn_content_errors(info.source, pno)
        # Margin lines leave the body only when they repeat on other pages of this document (checked on the
        # document as given, also for a page analysed turned upright: the check reads text, not positions).
        check = furniture or FurnitureCheck(doc, info.margin_lines)
        upright = upright_copy(doc[pno], scan, info.source)
        if upright is not None:  # text running sideways: the page is analysed turned upright (docparse.upright_page)
            try:
                elements = self._scanned_page_elements(upright.doc, 0, pno + 1, scan_page(upright.page), info,
                                                       options, sections, count, check, pno)
                yield from upright.restore(elements)
            finally:
                upright.close()
            return
        yield from self._scanned_page_elements(doc, pno, pno + 1, scan, info, options, sections, count, check, pno)

    def _scanned_page_elements(self, doc: "pymupdf.Document", pno: int, pageno: int, scan: PageScan | None,
                               info: DocumentInfo, options: ParseOptions, sections: "_Sections",
                               count, furniture: FurnitureCheck, furniture_pno: int) -> Iterator[Element]:
        # Image-only / scanned pages are read by OCR (None: the page has a usable text layer, or OCR is off).
        boxes = ocr_page_boxes(doc[pno], scan, info.source, options) if scan is not None else None
        repair = WordRepair({})
        if boxes is None:
            boxes = self._page_boxes(doc, pno, info, scan, options.max_image_pixels, pageno)
            if boxes is not None and scan is not None:
                repair = _split_word_repair(doc[pno], scan, boxes, info.source)
        if boxes is None:
            return
        boxes = restore_unrepeated(boxes, furniture, furniture_pno)
        yield from self._page_elements(doc[pno], pageno, boxes, info, options, sections, count,
                                       scan.drawings if scan else None, repair)

    def _page_boxes(self, doc: "pymupdf.Document", pno: int, info: DocumentInfo, scan: PageScan | None,
                    max_pixels: int = 10_000_000, pageno: int | None = None) -> list[PageBox] | None:
        pageno = pno + 1 if pageno is None else pageno
        if scan is not None:
            page = doc[pno]
            decision = route_page(page, scan)
            logger.debug("%s page %d: %s path (%s)", info.source, pageno,
                         "layout" if decision.layout else "fast", decision.reason)
            if not decision.layout:
                try:
                    return fast_boxes(scan.blocks, scan.image_rects, page.rect.width, page.rect.height)
                except Exception as err:
                    logger.warning("%s page %d: fast path failed (%s: %s); using layout analysis",
                                   info.source, pageno, type(err).__name__, err)
        try:
            return boxes_within_budget(_boxes_from_layout, doc, pno, max_pixels)
        except Exception as err:
            logger.warning("%s page %d: layout analysis failed (%s: %s); using plain text extraction",
                           info.source, pageno, type(err).__name__, err)
        try:
            return _boxes_from_plain(doc[pno])
        except Exception as err:
            logger.warning("%s page %d: skipped, text extraction failed (%s: %s)",
                           info.source, pageno, type(err).__name__, err)
            return None

    def _page_elements(self, page: "pymupdf.Page", pageno: int, boxes: list[PageBox], info: DocumentInfo,
                       options: ParseOptions, sections: _Sections, count,
                       drawings: list | None = None, repair: WordRepair | None = None) -> Iterator[Element]:
        repair = repair if repair is not None else WordRepair({})
        page_area = page.rect.width * page.rect.height
        if info.running_lines:
            running = {id(b) for b in boxes if b.kind in ("text", "heading")
                       and is_running(b.text, b.bbox, page.rect.height, info.running_lines)}
            body_top = min((b.bbox[1] for b in boxes if b.kind != "furniture" and id(b) not in running),
                           default=page.rect.height)
            boxes = [_as_furniture(b, body_top, page.rect.height) if id(b) in running else b for b in boxes]
        furniture = _furniture_metadata([b for b in boxes if b.kind == "furniture"])
        boxes = [b for b in boxes if b.kind != "furniture"]
        boxes = [b for b in boxes if b.kind != "figure" or (
            (b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]) >= options.min_figure_area
            and (b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]) < 0.85 * page_area)]
        boxes = [b for b in boxes if b.kind != "figure" or not _is_page_furniture(page, pymupdf.Rect(b.bbox))]
        if info.decorative_images:
            logos = decorative_rects(page, info.decorative_images)
            boxes = [b for b in boxes if b.kind != "figure" or not is_decorative(b.bbox, logos)]
        vector = _vector_figures(page, boxes, options.min_figure_area, drawings)
        if vector:
            # chart labels and legends are read into the figure's text (below), not repeated as body text
            boxes = [b for b in boxes if b.kind != "text" or b.meta.get("class") == "caption" or is_caption(b.text)
                     or not any(_overlap_fraction(b.bbox, f.bbox) > 0.8 and _area(b.bbox) < _area(f.bbox)
                                for f in vector)]
        for fig in vector:
            at = next((i for i, b in enumerate(boxes) if b.bbox[1] > fig.bbox[1]), len(boxes))
            boxes.insert(at, fig)

        targets = [i for i, b in enumerate(boxes) if b.kind in ("table", "figure")]
        candidates = [i for i, b in enumerate(boxes) if b.kind == "text" and is_caption(b.text)]
        links = link_captions([(boxes[i].bbox, boxes[i].kind) for i in targets],
                              [(boxes[i].bbox, boxes[i].text) for i in candidates])
        consumed = set()
        for ti, ci in links.items():
            target, cap = boxes[targets[ti]], boxes[candidates[ci]]
            target.caption, target.caption_box = cap.text, cap.bbox
            consumed.add(candidates[ci])
        caption_boxes = [boxes[i].bbox for i in candidates]

        ordinal = 0
        per_kind: dict[str, int] = {}
        figure_ocr = FigureOcr(page, options)
        rules: list | None = None  # the page's ruling lines, read at the first table
        verticals: list = []
        run = sections.tables
        run.new_page()
        pending: list[TextBlock] = []

        def make(kind: ElementKind, text: str, bbox: BBox, section: tuple[str, ...] | None = None,
                 **extra) -> Element:
            nonlocal ordinal
            ordinal += 1
            if furniture:  # the page's running head and footer travel with each element as metadata
                extra["metadata"] = tuple(sorted({**dict(extra.get("metadata", ())), **furniture}.items()))
            return Element(id=element_id(info.doc_id, kind.value, pageno, ordinal, text), kind=kind, text=text,
                           provenance=Provenance(info.doc_id, info.source, pageno, round_bbox(bbox)),
                           section=sections.body_path() if section is None else section, **extra)

        def flush() -> Iterator[Element]:
            for chunk in chunk_blocks(pending, options.chunk_tokens, options.chunk_overlap, count):
                yield make(ElementKind.TEXT, chunk.text, chunk.bbox)
            pending.clear()

        def crop(kind: str, bbox: BBox) -> str | None:
            per_kind[kind] = per_kind.get(kind, 0) + 1
            if options.assets_dir is None:
                return None
            target = Path(options.assets_dir) / info.doc_id / f"p{pageno}-{kind}-{per_kind[kind]}.png"
            return _crop(page, bbox, target, options.crop_dpi)

        for i, box in enumerate(boxes):
            if i in consumed:
                continue
            if box.kind != "table" and (box.kind != "text" or len(box.text.split()) > FURNITURE_WORDS):
                run.content()  # body text, a heading or a figure ends any table run
            if box.kind == "heading":
                yield from flush()
                sections.push(box.text, box.size)
                yield make(ElementKind.TITLE, box.text, box.bbox, section=sections.path()[:-1])
            elif box.kind == "text":
                pending.append(TextBlock(box.text, box.bbox))
            elif box.kind == "table":
                words = page.get_text("words", clip=pymupdf.Rect(box.bbox) + (-2, -2, 2, 2))
                if rules is None:
                    paths = drawings if drawings is not None else page.get_cdrawings()
                    rules, verticals = horizontal_rules(paths), vertical_rules(paths)
                grid = join_table_wraps(dense_grid(box.table or {}, words, rules, verticals), words)
                if repair:
                    grid = [[repair(cell) for cell in row] for row in grid]
                if not any(any(c for c in row) for row in grid):
                    continue
                continues = run.continued(grid, box.caption)
                caption, meta = box.caption, {"header_rows": str(header_row_count(grid))}
                if continues is not None:
                    meta["continues"] = continues.element_id
                    if repeats_header(grid, continues.header):
                        meta["header_rows"] = str(len(continues.header))
                    elif continues.header:
                        meta["header_rows"] = "0"
                        meta["header"] = "\n".join(" | ".join(c for c in row if c) for row in continues.header)
                    caption = f"{continues.caption} (continued)" if continues.caption else None
                body = grid_to_markdown(grid)
                text = f"{caption}\n\n{body}" if caption else body
                element = make(ElementKind.TABLE, text, box.bbox, image=crop("table", box.bbox),
                               cells=tuple(tuple(r) for r in grid), caption=caption,
                               metadata=tuple(sorted(meta.items())))
                run.opened(element.id, grid, caption, continues)
                yield element
            elif box.kind == "figure":
                inner = _figure_words(page, box.bbox, caption_boxes,
                                      margin=12.0 if box.meta.get("source") == "vector" else 0.0)
                if not inner:  # no text layer inside: text OCR'd with the page, else OCR of the crop (bounded)
                    inner = box.text or ("" if box.meta.get("ocr") else figure_ocr.text(box.bbox))
                inner = repair(inner)
                text = "\n".join(t for t in (box.caption, inner) if t)
                yield make(ElementKind.FIGURE, text, box.bbox, image=crop("figure", box.bbox), caption=box.caption,
                           metadata=tuple(sorted(box.meta.items())))
        yield from flush()
