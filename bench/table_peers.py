"""Table extraction by docrag and its peers, each as the `parse --json` contract's table elements.

Every system maps one PDF to `{"elements": [{"kind": "table", "page", "bbox", "cells"}]}` (PDF points, top-left
origin, 1-based pages, dense grid with a spanning cell's text in its first slot), so the same scorers read all.

- docrag: docparse in process (the CLI's `parse` without its process start-up).
- pymupdf4llm_md: pymupdf4llm's layout tables as it writes them in Markdown (`table["markdown"]`).
- pymupdf4llm_html: the same layout with `render_html_tables=True` (its HTML grid engine, spans kept).
- camelot: camelot-py, lattice on every page, stream on the pages where lattice finds nothing.
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys
from html.parser import HTMLParser
from pathlib import Path

logger = logging.getLogger(__name__)


def _docrag(path: Path, password: str | None) -> list[dict]:
    from docparse.base import ParseOptions
    from docparse.registry import open_document

    _, elements = open_document(path, ParseOptions(password=password))
    return [{"kind": "table", "page": e.page, "bbox": list(e.bbox) if e.bbox else None,
             "cells": [list(r) for r in e.cells or ()]} for e in elements if e.kind.value == "table"]


class _HtmlGrid(HTMLParser):
    """Dense grids of the <table>s in an HTML string; colspan/rowspan slots after the first stay ""."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._rows: list[list[str | None]] | None = None
        self._cell: list[str] | None = None
        self._col = 0
        self._span = (1, 1)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
            self._col = 0
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
            self._span = (int(attrs.get("rowspan") or 1), int(attrs.get("colspan") or 1))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._rows:
            r = len(self._rows) - 1
            row = self._rows[r]
            while self._col < len(row) and row[self._col] is not None:
                self._col += 1
            rowspan, colspan = self._span
            for dr in range(rowspan):
                while len(self._rows) <= r + dr:
                    self._rows.append([])
                target = self._rows[r + dr]
                for dc in range(colspan):
                    c = self._col + dc
                    while len(target) <= c:
                        target.append(None)
                    target[c] = "".join(self._cell).strip() if dr == 0 and dc == 0 else ""
            self._col += colspan
            self._cell = None
        elif tag == "table" and self._rows is not None:
            width = max((len(r) for r in self._rows), default=0)
            self.tables.append([[c or "" for c in r] + [""] * (width - len(r)) for r in self._rows])
            self._rows = None


def html_grids(text: str) -> list[list[list[str]]]:
    parser = _HtmlGrid()
    parser.feed(text or "")
    return parser.tables


def _pymupdf4llm(path: Path, password: str | None, html: bool) -> list[dict]:
    import pymupdf
    from pymupdf4llm.helpers.document_layout import parse_document

    from docparse.table_grid import parse_markdown_table

    doc = pymupdf.open(path)
    if password:
        doc.authenticate(password)
    out = []
    with contextlib.redirect_stdout(io.StringIO()):
        parsed = parse_document(doc, use_ocr=False, force_text=True, render_html_tables=html)
    for page in parsed.pages:
        for box in page.boxes:
            if box.boxclass != "table" or not box.table:
                continue
            if html and box.table.get("html_tables"):
                for item in box.table["html_tables"]:
                    for grid in html_grids(item.get("html")):
                        out.append({"kind": "table", "page": page.page_number, "bbox": item["bbox"], "cells": grid})
                continue
            grid = parse_markdown_table((box.table.get("markdown") or "").strip().splitlines())
            if grid:
                out.append({"kind": "table", "page": page.page_number,
                            "bbox": list(box.table.get("bbox") or (box.x0, box.y0, box.x1, box.y1)), "cells": grid})
    doc.close()
    return out


def _camelot(path: Path, password: str | None) -> list[dict]:
    import camelot
    import pymupdf

    heights = {}
    with pymupdf.open(path) as doc:
        if password:
            doc.authenticate(password)
        n_pages = doc.page_count
        for page in doc:
            heights[page.number + 1] = page.rect.height
    kwargs = {"password": password} if password else {}
    found = list(camelot.read_pdf(str(path), pages="all", flavor="lattice", **kwargs))
    done = {int(t.page) for t in found}
    rest = [p for p in range(1, n_pages + 1) if p not in done]
    if rest:
        found += list(camelot.read_pdf(str(path), pages=",".join(map(str, rest)), flavor="stream", **kwargs))
    out = []
    for t in found:
        page = int(t.page)
        x0, y0, x1, y1 = t._bbox  # PDF space, bottom-left origin
        h = heights.get(page, 0.0)
        out.append({"kind": "table", "page": page, "bbox": [x0, h - y1, x1, h - y0],
                    "cells": [[str(c) for c in row] for row in t.df.values.tolist()]})
    return out


SYSTEMS = {
    "docrag": _docrag,
    "pymupdf4llm_md": lambda p, pw: _pymupdf4llm(p, pw, html=False),
    "pymupdf4llm_html": lambda p, pw: _pymupdf4llm(p, pw, html=True),
    "camelot": _camelot,
}


def predict(system: str, path: Path, password: str | None = None) -> dict:
    """The contract object of one PDF; a failure is recorded as {"elements": [], "error": ...}."""
    try:
        return {"elements": SYSTEMS[system](Path(path), password)}
    except Exception as err:  # one bad PDF must not stop a benchmark run
        logger.warning("%s: %s failed (%s: %s)", Path(path).name, system, type(err).__name__, err)
        return {"elements": [], "error": f"{type(err).__name__}: {err}"[:300]}


if __name__ == "__main__":  # python bench/table_peers.py SYSTEM PDF [PASSWORD]
    import json

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    print(json.dumps(predict(sys.argv[1], Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)))
