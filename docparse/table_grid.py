"""Table grids: turn a layout table (cell boxes + per-cell text) into a dense grid of strings, and render it.

A dense grid has one string per row x column slot. A cell that spans several columns keeps its text in its first
(left-most) slot and leaves "" in the slots it covers, which is what the table-structure scorer and the
Markdown/HTML renderers expect.
"""
from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence

from docparse.table_repair import (Rule, drop_empty_lines, is_amount, merge_continuation_rows,
                                   merge_split_columns, merge_wrapped_header, reread_cell, split_merged_row)
from docparse.table_columns import VRule, split_missed_columns
from docparse.table_rows import split_stacked_rows
from docparse.table_text_grid import split_at_leaders, strip_leaders, text_grid, under_split_rows

Grid = list[list[str]]
# A word as PyMuPDF's page.get_text("words") returns it: (x0, y0, x1, y1, text, block, line, word_no).
Word = Sequence[Any]

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def clean_cell(text: Any) -> str:
    """A cell's text on one line: "<br>" and newlines become spaces, bold/italic markup is dropped."""
    if text is None:
        return ""
    text = _BR.sub(" ", str(text)).replace("**", "")
    return _SPACE.sub(" ", text).strip()


def _column_groups(row_box: Sequence[float], col_edges: Sequence[float], words: Sequence[Word]) -> list[int]:
    """For one row, the group id of each column: columns joined by a word or phrase crossing their border share one."""
    ncols = len(col_edges) - 1
    parent = list(range(ncols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def col_of(x: float) -> int:
        for j in range(ncols):
            if x < col_edges[j + 1]:
                return j
        return ncols - 1

    y0, y1 = row_box[1], row_box[3]
    row_words = [w for w in words if y0 <= (w[1] + w[3]) / 2 <= y1
                 and col_edges[0] <= (w[0] + w[2]) / 2 <= col_edges[-1]]
    for w in row_words:
        # a word crossing a column border by more than a sliver joins the columns it touches
        first, last = col_of(w[0] + 1.0), col_of(w[2] - 1.0)
        for j in range(first, last):
            parent[find(j + 1)] = find(first)
    # consecutive words of one text line separated by an ordinary space are one phrase ("Three Months | Ended")
    ordered = sorted(row_words, key=lambda w: (w[5], w[6], w[7]) if len(w) > 7 else (w[1], w[0]))
    for a, b in zip(ordered, ordered[1:]):
        if len(a) > 7 and (a[5], a[6]) != (b[5], b[6]):
            continue
        height = max(a[3] - a[1], 1.0)
        gap = b[0] - a[2]
        if 0 <= gap < 0.35 * height and not (is_amount(str(a[4])) and is_amount(str(b[4]))):
            ja, jb = col_of((a[0] + a[2]) / 2), col_of((b[0] + b[2]) / 2)
            for j in range(min(ja, jb), max(ja, jb)):
                parent[find(j + 1)] = find(min(ja, jb))
    return [find(j) for j in range(ncols)]


def _words_text(words: Sequence[Word], box: Sequence[float]) -> str:
    inside = [w for w in words if box[0] <= (w[0] + w[2]) / 2 <= box[2] and box[1] <= (w[1] + w[3]) / 2 <= box[3]]
    inside.sort(key=lambda w: (round((w[1] + w[3]) / 2 / 3), w[0]))
    return clean_cell(" ".join(str(w[4]) for w in inside))


def _amount_words(words: Sequence[Word], box: Sequence[float]) -> int:
    return sum(1 for w in words if box[0] <= (w[0] + w[2]) / 2 <= box[2] and box[1] <= (w[1] + w[3]) / 2 <= box[3]
               and is_amount(str(w[4])))


def dense_grid(table: Mapping[str, Any], words: Sequence[Word] | None = None,
               rules: Sequence[Rule] | None = None, verticals: Sequence[VRule] = ()) -> Grid:
    """The dense grid of a layout table dict ({"cells": boxes by row, "extract": text by row, ...}).

    With `words` (the page's words inside the table), cells that one piece of text spans are merged (the text,
    re-read from the words, goes to the first slot and the covered slots become ""), and the model's split
    phrases and rows are repaired (docparse.table_repair), using `rules` (the page's horizontal ruling lines)
    to tell one logical row from two; rows merged over a column of stacked numbers are cut (docparse.table_rows);
    columns the model missed are restored at `verticals` (vertical ruling lines) or aligned whitespace gaps
    (docparse.table_columns); a whitespace table whose numeric columns the model merged is read from the words'
    positions (docparse.table_text_grid); dot leaders are dropped, and a value printed after them moves into the
    empty cell to its right.
    """
    grid = _model_grid(table, words, rules, verticals)
    return drop_empty_lines([[strip_leaders(c) for c in split_at_leaders(row)] for row in grid])


# A model grid is read again from the text when this share of its rows (and at least MIN_UNDER_SPLIT) has a cell
# holding numbers that the text sets apart as separate cells.
UNDER_SPLIT_SHARE = 0.3
MIN_UNDER_SPLIT = 3


def _model_grid(table: Mapping[str, Any], words: Sequence[Word] | None, rules: Sequence[Rule] | None,
                verticals: Sequence[VRule]) -> Grid:
    extract = table.get("extract") or []
    grid: Grid = [[clean_cell(c) for c in row] for row in extract]
    width = max((len(r) for r in grid), default=0)
    grid = [row + [""] * (width - len(row)) for row in grid]
    cells = table.get("cells")
    if not words or not cells or len(cells) != len(grid):
        return drop_empty_lines(grid)
    if under_split_rows(cells, words) >= max(MIN_UNDER_SPLIT, UNDER_SPLIT_SHARE * len(cells)):
        # the model merged columns of a whitespace table: its columns are read from the words' positions
        text = text_grid(words)
        if text and len(text[0]) > width:
            return merge_wrapped_header(text)
    col_edges: list[float] = []
    rows: Grid = []
    bands: list[tuple[float, float] | None] = []
    for row, row_cells in zip(grid, cells):
        boxes = [c for c in row_cells if c is not None]
        band = (min(b[1] for b in boxes), max(b[3] for b in boxes)) if boxes else None
        if len(row_cells) != width or len(boxes) != width:
            rows.append(row)
            bands.append(band)
            continue
        split = split_merged_row(boxes, words) or split_stacked_rows(boxes, words, rules or ())
        if split:
            step = (band[1] - band[0]) / len(split)
            rows.extend(split)
            bands.extend((band[0] + k * step, band[0] + (k + 1) * step) for k in range(len(split)))
            continue
        row = [reread_cell(text, words, box) for text, box in zip(row, boxes)]
        edges = [b[0] for b in boxes] + [boxes[-1][2]]
        col_edges = col_edges or edges
        row_box = (boxes[0][0], band[0], boxes[-1][2], band[1])
        groups = _column_groups(row_box, edges, words)
        for j in range(width):
            if groups[j] != j:
                continue
            last = max(k for k in range(width) if groups[k] == j)
            if last == j:
                continue
            span_box = (edges[j], row_box[1], edges[last + 1], row_box[3])
            if _amount_words(words, span_box) >= 2:
                continue  # several numbers are several cells, whatever the model's column edges say
            row[j] = _words_text(words, span_box)
            for k in range(j + 1, last + 1):
                row[k] = ""
        rows.append(row)
        bands.append(band)
    grid = rows
    if col_edges:
        grid, col_edges = split_missed_columns(grid, bands, col_edges, words, verticals)
        grid = merge_split_columns(grid, bands, col_edges, words)
        grid = merge_continuation_rows(grid, bands, col_edges[0], col_edges[-1], rules or ())
    return merge_wrapped_header(drop_empty_lines(grid))


def grid_to_markdown(grid: Sequence[Sequence[str]]) -> str:
    """A GitHub-style pipe table; the first row is the header."""
    if not grid:
        return ""
    width = max(len(r) for r in grid)

    def line(row: Sequence[str]) -> str:
        cells = [str(c).replace("|", "\\|") for c in row] + [""] * (width - len(row))
        return "| " + " | ".join(cells) + " |"

    return "\n".join([line(grid[0]), "|" + "---|" * width] + [line(r) for r in grid[1:]])


def grid_to_html(grid: Sequence[Sequence[str]], header_rows: int = 1) -> str:
    """An HTML table; the first `header_rows` rows use <th> cells."""
    rows = []
    for i, row in enumerate(grid):
        tag = "th" if i < header_rows else "td"
        rows.append("<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def parse_markdown_table(lines: Sequence[str]) -> Grid | None:
    """The grid of a Markdown pipe table (header, separator, rows), or None if `lines` are not one."""
    if len(lines) < 2 or not re.match(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", lines[1]):
        return None

    def split(line: str) -> list[str]:
        body = line.strip()
        if body.startswith("|"):
            body = body[1:]
        if body.endswith("|") and not body.endswith("\\|"):
            body = body[:-1]
        return [clean_cell(c.replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", body)]

    rows = [split(lines[0])] + [split(line) for line in lines[2:]]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]
