"""PDF parsing with PyMuPDF: validation, then page-by-page analysis into headings, text chunks, tables and figures.

Each page is first scanned cheaply (text, words, drawings, images) and routed (docparse.page_router): pages that may
hold tables, many columns or text over pictures go through pymupdf4llm's `parse_document` (PyMuPDF's bundled ONNX
layout + table-grid models, no OCR), called one page at a time: the models are loaded once per process, and
batching pages measured no faster, so single pages keep memory flat. All other pages take the fast path
(docparse.fast_page), about a hundred times cheaper. If layout analysis fails on a page, that page falls back to
plain PyMuPDF text blocks and `find_tables`; if that fails too the page is skipped with a warning.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pymupdf

from docparse import pdf_boxes
from docparse.base import DocumentInfo, ParseOptions, file_doc_id, stored_path
from docparse.captions import is_caption, link_captions
from docparse.chunking import TextBlock, chunk_blocks, token_counter
from docparse.element import BBox, Element, ElementKind, Provenance, element_id, round_bbox
from docparse.errors import DocumentTooLargeError
from docparse.fast_page import fast_boxes
from docparse.heading_path import HeadingPath
from docparse.page_box import PageBox
from docparse.page_image import page_image_file, render_page_image
from docparse.page_scale import boxes_within_budget
from docparse.page_router import PageScan, route_page, scan_page
from docparse.scanned_page import FigureOcr, ocr_page_boxes
from docparse.korean_wrap import join_table_wraps
from docparse.split_words import WordRepair, page_repairs
from docparse.table_grid import dense_grid, grid_to_markdown
from docparse.layout_model import use_layout_features
from docparse.pdf_figures import (FURNITURE_WORDS, area, as_furniture, crop_image, figure_words, furniture_metadata,
                                   is_page_furniture, overlap_fraction, vector_figures)
from docparse.pdf_empty import start_content_check, warn_content_errors
from docparse.pdf_open import open_pdf
from docparse.pdf_limits import oversized_content
from docparse.running_lines import FurnitureCheck, document_line_keys, is_running, restore_unrepeated
from docparse.decorative import decorative_image_xrefs, decorative_rects, is_decorative
from docparse.table_columns import vertical_rules
from docparse.table_continuation import header_row_count, repeats_header
from docparse.table_repair import horizontal_rules
from docparse.upright_page import upright_copy

logger = logging.getLogger(__name__)



def _write_page_image(page: "pymupdf.Page", folder: Path, pageno: int, source: str) -> None:
    """The page's JPEG (docparse.page_image), unless an earlier run wrote it; a failure costs only the image."""
    target = page_image_file(folder, pageno)
    if target.is_file():
        return
    try:
        render_page_image(page, target)
    except Exception as err:
        logger.warning("%s page %d: page image not written (%s: %s)", source, pageno, type(err).__name__, err)


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
        sections = HeadingPath()
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
        sections = HeadingPath()
        count = token_counter(options.tokenizer)
        try:
            furniture = FurnitureCheck(doc, info.margin_lines)
            for pno in range(start, min(stop, doc.page_count)):
                for element in self.page_elements(doc, pno, info, options, sections, count, furniture):
                    yield element, (sections.stack[-1][1] if element.kind is ElementKind.TITLE else None)
        finally:
            doc.close()

    def page_elements(self, doc: "pymupdf.Document", pno: int, info: DocumentInfo, options: ParseOptions,
                      sections: "HeadingPath", count, furniture: FurnitureCheck | None = None) -> Iterator[Element]:
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
                               info: DocumentInfo, options: ParseOptions, sections: "HeadingPath",
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
            return boxes_within_budget(pdf_boxes.boxes_from_layout, doc, pno, max_pixels)
        except Exception as err:
            logger.warning("%s page %d: layout analysis failed (%s: %s); using plain text extraction",
                           info.source, pageno, type(err).__name__, err)
        try:
            return pdf_boxes.boxes_from_plain(doc[pno])
        except Exception as err:
            logger.warning("%s page %d: skipped, text extraction failed (%s: %s)",
                           info.source, pageno, type(err).__name__, err)
            return None

    def _page_elements(self, page: "pymupdf.Page", pageno: int, boxes: list[PageBox], info: DocumentInfo,
                       options: ParseOptions, sections: HeadingPath, count,
                       drawings: list | None = None, repair: WordRepair | None = None) -> Iterator[Element]:
        repair = repair if repair is not None else WordRepair({})
        page_area = page.rect.width * page.rect.height
        if info.running_lines:
            running = {id(b) for b in boxes if b.kind in ("text", "heading")
                       and is_running(b.text, b.bbox, page.rect.height, info.running_lines)}
            body_top = min((b.bbox[1] for b in boxes if b.kind != "furniture" and id(b) not in running),
                           default=page.rect.height)
            boxes = [as_furniture(b, body_top, page.rect.height) if id(b) in running else b for b in boxes]
        furniture = furniture_metadata([b for b in boxes if b.kind == "furniture"])
        boxes = [b for b in boxes if b.kind != "furniture"]
        boxes = [b for b in boxes if b.kind != "figure" or (
            (b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]) >= options.min_figure_area
            and (b.bbox[2] - b.bbox[0]) * (b.bbox[3] - b.bbox[1]) < 0.85 * page_area)]
        boxes = [b for b in boxes if b.kind != "figure" or not is_page_furniture(page, pymupdf.Rect(b.bbox))]
        if info.decorative_images:
            logos = decorative_rects(page, info.decorative_images)
            boxes = [b for b in boxes if b.kind != "figure" or not is_decorative(b.bbox, logos)]
        vector = vector_figures(page, boxes, options.min_figure_area, drawings)
        if vector:
            # chart labels and legends are read into the figure's text (below), not repeated as body text
            boxes = [b for b in boxes if b.kind != "text" or b.meta.get("class") == "caption" or is_caption(b.text)
                     or not any(overlap_fraction(b.bbox, f.bbox) > 0.8 and area(b.bbox) < area(f.bbox)
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
            return crop_image(page, bbox, target, options.crop_dpi)

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
                inner = figure_words(page, box.bbox, caption_boxes,
                                      margin=12.0 if box.meta.get("source") == "vector" else 0.0)
                if not inner:  # no text layer inside: text OCR'd with the page, else OCR of the crop (bounded)
                    inner = box.text or ("" if box.meta.get("ocr") else figure_ocr.text(box.bbox))
                inner = repair(inner)
                text = "\n".join(t for t in (box.caption, inner) if t)
                yield make(ElementKind.FIGURE, text, box.bbox, image=crop("figure", box.bbox), caption=box.caption,
                           metadata=tuple(sorted(box.meta.items())))
        yield from flush()
