"""The parse stage's output: one `Element` per text chunk, heading, table, figure or caption, with provenance.

Everything downstream (embedding, the store, citations) works on these records, so they are plain frozen
dataclasses that round-trip through `to_dict()` / `from_dict()` (the JSON form of the CLI contract).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, Sequence

BBox = tuple[float, float, float, float]


class ElementKind(str, Enum):
    """What an element holds. `page` is a whole-page image record (for page-level image search)."""

    TEXT = "text"
    TITLE = "title"
    TABLE = "table"
    FIGURE = "figure"
    CAPTION = "caption"
    PAGE = "page"


@dataclass(frozen=True)
class Provenance:
    """Where an element came from: document (content hash), file name, 1-based page, box in PDF points.

    `bbox` uses the PDF point grid with the origin at the TOP-left of the page (PyMuPDF's convention);
    it is None for formats that have no page geometry (Markdown, plain text).
    """

    doc_id: str
    source: str
    page: int
    bbox: BBox | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "source": self.source, "page": self.page,
                "bbox": list(self.bbox) if self.bbox is not None else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Provenance":
        bbox = data.get("bbox")
        return cls(doc_id=data["doc_id"], source=data["source"], page=int(data["page"]),
                   bbox=tuple(float(v) for v in bbox) if bbox is not None else None)


def round_bbox(bbox: Sequence[float], ndigits: int = 2) -> BBox:
    """A bbox as a 4-tuple of floats rounded for stable ids and compact JSON."""
    x0, y0, x1, y1 = (round(float(v), ndigits) for v in bbox)
    return (x0, y0, x1, y1)


def element_id(doc_id: str, kind: str, page: int, ordinal: int, text: str) -> str:
    """A content-derived id: the same document parsed again yields the same ids (re-ingestion is idempotent)."""
    digest = hashlib.sha1(f"{doc_id}|{kind}|{page}|{ordinal}|{text}".encode("utf-8")).hexdigest()
    return f"{doc_id[:16]}-{digest[:20]}"


@dataclass(frozen=True)
class Element:
    """One retrievable unit of a document.

    text: for tables the Markdown rendering (caption first), for figures the caption plus any text found inside
    the image; cells: tables only, a dense row-major grid where a spanning cell's text sits in its first slot and
    the other slots it covers are empty strings; image: path of the PNG crop (tables and figures), else None;
    section: the heading path above the element, outermost first.
    """

    id: str
    kind: ElementKind
    text: str
    provenance: Provenance
    image: str | None = None
    cells: tuple[tuple[str, ...], ...] | None = None
    section: tuple[str, ...] = ()
    caption: str | None = None
    metadata: tuple[tuple[str, str], ...] = field(default=())

    @property
    def source(self) -> str:
        return self.provenance.source

    @property
    def page(self) -> int:
        return self.provenance.page

    @property
    def bbox(self) -> BBox | None:
        return self.provenance.bbox

    @property
    def place(self) -> str:
        """Where a citation points: "page N", or "section S, paragraph P" for documents whose pages are unknown
        (HWP/HWPX files saved without Hancom's line layout: their `page` holds the section number)."""
        meta = dict(self.metadata)
        if meta.get("page_source") == "section" and meta.get("position"):
            return meta["position"]
        return f"page {self.page}"

    @property
    def box_text(self) -> str:
        """The element's box for a citation line: its coordinates, else its section and paragraph where the
        format gives those (HWP/HWPX), else "whole page"."""
        if self.bbox:
            return ", ".join(f"{v:.0f}" for v in self.bbox)
        return dict(self.metadata).get("position") or "whole page"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind.value, "text": self.text,
                "provenance": self.provenance.to_dict(), "image": self.image,
                "cells": [list(row) for row in self.cells] if self.cells is not None else None,
                "section": list(self.section), "caption": self.caption,
                "metadata": dict(self.metadata)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Element":
        cells = data.get("cells")
        return cls(id=data["id"], kind=ElementKind(data["kind"]), text=data.get("text", ""),
                   provenance=Provenance.from_dict(data["provenance"]), image=data.get("image"),
                   cells=tuple(tuple(str(c) for c in row) for row in cells) if cells is not None else None,
                   section=tuple(data.get("section") or ()), caption=data.get("caption"),
                   metadata=tuple(sorted((str(k), str(v)) for k, v in (data.get("metadata") or {}).items())))

    def to_contract(self) -> dict[str, Any]:
        """The flat element form of `docrag parse --json` (see docs/design.md, CLI contract)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind.value, "page": self.page,
                               "bbox": list(self.bbox) if self.bbox is not None else None,
                               "text": self.text, "image": self.image}
        if self.kind is ElementKind.TABLE:
            from docparse.table_grid import grid_to_html

            meta = dict(self.metadata)
            out["cells"] = [list(row) for row in self.cells or ()]
            header_rows = int(meta.get("header_rows", 1))
            out["header_rows"] = header_rows
            out["html"] = grid_to_html(out["cells"], header_rows)
            if "continues" in meta:
                out["continues"] = meta["continues"]
        if self.section:
            out["section"] = list(self.section)
        if self.caption:
            out["caption"] = self.caption
        meta = dict(self.metadata)
        if "position" in meta:  # formats without page geometry (HWP/HWPX): where the element sits, and what
            out["position"] = meta["position"]  # its "page" means ("layout": the saved page; "section")
            out["page_source"] = meta.get("page_source", "layout")
        return out
