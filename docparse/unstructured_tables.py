"""HTML tables -> dense grids (spans resolved), for unstructured's `text_as_html` and for the tables of HTML files.

unstructured writes `colspan` / `rowspan` into `text_as_html` for DOCX, PPTX and XLSX tables, but its HTML
partitioner rebuilds each table without those attributes, so header cells shift left. For HTML files the grid is
therefore taken from the source page's own <table> with the same text (`SourceTables`), falling back to
`text_as_html` when no source table matches.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from docparse.table_grid import Grid, clean_cell

logger = logging.getLogger(__name__)

MAX_SPAN = 1000  # larger colspan/rowspan values (or 0, "to the end") are clamped to the table's real size
_NO_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class HtmlTable:
    """A table read from HTML: its dense grid and its <caption> text (None when it has none)."""

    grid: Grid
    caption: str | None


def _span(cell: Any, name: str) -> int:
    try:
        value = int(str(cell.get(name, "1")).strip() or "1")
    except ValueError:
        return 1
    return MAX_SPAN if value <= 0 else min(value, MAX_SPAN)


def _own_rows(table: Any) -> list[Any]:
    """The <tr> rows of `table` itself (directly or through thead/tbody/tfoot), not those of nested tables."""
    rows = []
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if isinstance(r.tag, str) and r.tag == "tr")
    return rows


def _text(node: Any) -> str:
    return clean_cell(" ".join(t.strip() for t in node.itertext() if t and t.strip()))


def table_from_element(table: Any) -> HtmlTable:
    """The dense grid of an lxml <table>: a spanning cell's text sits in its first slot, covered slots are ""."""
    rows = _own_rows(table)
    taken: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            colspan, rowspan = _span(cell, "colspan"), min(_span(cell, "rowspan"), len(rows) - r)
            for dr in range(rowspan):
                for dc in range(colspan if colspan < MAX_SPAN else 1):
                    taken[(r + dr, c + dc)] = ""
            taken[(r, c)] = _text(cell)
            c += colspan if colspan < MAX_SPAN else 1
            width = max(width, c)
    grid = [[taken.get((r, c), "") for c in range(width)] for r in range(len(rows))]
    grid = [row for row in grid if any(row)]
    captions = [child for child in table if isinstance(child.tag, str) and child.tag == "caption"]
    caption = _text(captions[0]) if captions else ""
    return HtmlTable(grid=grid, caption=caption or None)


def table_from_html(html_text: str) -> HtmlTable | None:
    """The first <table> in an HTML fragment (unstructured's `text_as_html`), or None if there is none."""
    import lxml.html

    if not html_text or "<table" not in html_text.lower():
        return None
    root = lxml.html.fragment_fromstring(html_text, create_parent="div")
    table = root.find(".//table")
    return table_from_element(table) if table is not None else None


def text_key(text: str) -> str:
    """A comparison key for table text: white space removed (unstructured joins cells with single spaces)."""
    return _NO_SPACE.sub("", text)


class SourceTables:
    """The outermost tables of an HTML page, looked up by their text so each unstructured Table finds its own."""

    def __init__(self, html_bytes: bytes) -> None:
        import lxml.html

        self._by_text: dict[str, list[HtmlTable]] = {}
        try:
            root = lxml.html.document_fromstring(html_bytes)
        except (ValueError, SyntaxError) as err:  # lxml's ParserError is a SyntaxError; fall back to text_as_html
            logger.debug("source tables unavailable: %s", err)
            return
        for table in root.iter("table"):
            if any(ancestor.tag == "table" for ancestor in table.iterancestors()):
                continue
            # <caption> is a table's first child, so this is unstructured's "caption, then cells" text order
            self._by_text.setdefault(text_key(_text(table)), []).append(table_from_element(table))

    def take(self, table_text: str) -> HtmlTable | None:
        """The next unused source table whose text equals `table_text` (ignoring white space), or None."""
        candidates = self._by_text.get(text_key(table_text))
        return candidates.pop(0) if candidates else None
