"""A PDF page's boxes (headings, text, tables, figures, page furniture) from pymupdf4llm's layout model, or, where
that fails, from MuPDF's own text blocks and table finder.
"""
from __future__ import annotations

import contextlib
import logging
import sys

import pymupdf

from docparse.captions import is_caption
from docparse.headings import dominant_size, is_heading_text
from docparse.korean_wrap import join_line_dicts
from docparse.page_box import PageBox

logger = logging.getLogger(__name__)

_FURNITURE_CLASSES = {"page-header", "page-footer"}  # kept out of chunks, kept as metadata


def line_text(lines: list[dict]) -> str:
    """Join layout text lines into one paragraph (docparse.span_text; Korean words broken by the wrap closed up by
    docparse.korean_wrap)."""
    return join_line_dicts(lines)


def layout_boxes(doc: "pymupdf.Document", pno: int) -> list:
    """pymupdf4llm layout boxes for one page (a module attribute so that tests can make one page fail)."""
    from pymupdf4llm.helpers.document_layout import parse_document

    # The layout helper prints its progress messages; keep stdout clean for JSON output.
    with contextlib.redirect_stdout(sys.stderr):
        return parse_document(doc, pages=[pno], use_ocr=False, force_text=True).pages[0].boxes


def boxes_from_layout(doc: "pymupdf.Document", pno: int) -> list[PageBox]:
    """The page's boxes from the layout model: headings, text, tables, pictures, page headers and footers."""
    out: list[PageBox] = []
    for box in layout_boxes(doc, pno):
        bbox = (box.x0, box.y0, box.x1, box.y1)
        cls = box.boxclass
        if cls in _FURNITURE_CLASSES:
            text = line_text(box.textlines or [])
            if text:
                out.append(PageBox("furniture", bbox, text,
                                   meta={"place": "header" if cls == "page-header" else "footer"}))
            continue
        if cls in ("title", "section-header"):
            text = line_text(box.textlines or [])
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
            text = line_text(box.textlines or [])
            if text:
                out.append(PageBox("text", bbox, text, meta={"class": cls}))
    return out


def boxes_from_plain(page: "pymupdf.Page") -> list[PageBox]:
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
        text = line_text(block["lines"])
        if not text:
            continue
        size = max(s["size"] for l in block["lines"] for s in l["spans"])
        if size >= 1.25 * body and len(text) < 200:
            out.append(PageBox("heading", tuple(rect), text, size=round(size)))
        else:
            out.append(PageBox("text", tuple(rect), text))
    out.sort(key=lambda b: (b.bbox[1], b.bbox[0]))
    return out
