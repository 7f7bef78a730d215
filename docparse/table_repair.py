"""Structural repairs of a layout table's grid, from the page's words and ruling lines.

The table-structure model finds rows and columns well but makes three recurring mistakes, each fixed here by
evidence the model does not use:

- a column split inside a phrase ("43 | years" in every row of an age table): two columns are joined when, in
  nearly every row that fills both, the text on either side of the border is one line of text with an ordinary
  word space between (the layout model sees a gap; the text layer says it is one phrase);
- one logical row split into two at a line break or a font change ("Total: 47%" / "(Fruit d'or, ...)"): in a
  table whose rows are separated by ruling lines, a row with no rule above it and an empty first cell continues
  the row above;
- a header cell wrapped over two lines ("Total" / "population"): in the rows above the first row of numbers, a
  row whose filled cells all sit under filled cells and all start in lower case continues the row above.

Two numbers are never joined into one cell by any of these repairs: in tables that is almost always two cells.
"""
from __future__ import annotations

import re
from typing import Sequence

Grid = list[list[str]]
Box = Sequence[float]
Rule = tuple[float, float, float]  # x0, y, x1 of a horizontal ruling line

_AMOUNT = re.compile(r"^[(\-–$€£¥]*\d[\d,.]*\s*(%|[MBK]|bn|m)?\)?$")
PHRASE_GAP = 0.6  # word gap, in line heights, still read as an ordinary space inside one phrase
MIN_JOINED_ROWS = 3  # rows that must show a phrase across a border before two columns are joined
JOINED_SHARE = 0.8  # ... and the share of rows filling both columns that must do so
RULED_SHARE = 0.6  # share of row borders carrying a rule that makes a table "ruled"


def is_amount(text: str) -> bool:
    """True for a number as tables write it: "82,959", "(1,234)", "12.5%", "$3.4bn"."""
    return bool(_AMOUNT.match(text.strip()))


def horizontal_rules(drawings: Sequence[dict]) -> list[Rule]:
    """Thin horizontal lines and the top/bottom edges of filled bands, from `page.get_cdrawings()` paths."""
    rules: list[Rule] = []
    for path in drawings or ():
        for item in path.get("items", ()):
            if item[0] == "l":
                (x0, y0), (x1, y1) = (item[1][0], item[1][1]), (item[2][0], item[2][1])
                if abs(y1 - y0) <= 1.0:
                    rules.append((min(x0, x1), (y0 + y1) / 2, max(x0, x1)))
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                if y1 - y0 <= 2.5:
                    rules.append((x0, (y0 + y1) / 2, x1))
                else:  # a cell border or a shaded band: its edges separate rows
                    rules.extend(((x0, y0, x1), (x0, y1, x1)))
    return rules


def _row_words(words: Sequence[Sequence], band: tuple[float, float], x0: float, x1: float) -> list[Sequence]:
    return [w for w in words if band[0] <= (w[1] + w[3]) / 2 <= band[1] and x0 <= (w[0] + w[2]) / 2 <= x1]


def _column_of(x: float, col_edges: Sequence[float]) -> int:
    for j in range(len(col_edges) - 1):
        if x < col_edges[j + 1]:
            return j
    return len(col_edges) - 2


def _same_line(a: Sequence, b: Sequence) -> bool:
    return len(a) > 7 and len(b) > 7 and (a[5], a[6]) == (b[5], b[6])


def _joined_columns(grid: Grid, bands: Sequence[tuple[float, float] | None], col_edges: Sequence[float],
                    words: Sequence[Sequence]) -> list[int]:
    """Borders j (between column j and j+1) that a phrase crosses in nearly every row filling both columns."""
    width = len(col_edges) - 1
    both = [0] * width
    joined = [0] * width
    for i, band in enumerate(bands):
        if band is None or i >= len(grid):
            continue
        by_col: dict[int, list[Sequence]] = {}
        for w in _row_words(words, band, col_edges[0], col_edges[-1]):
            by_col.setdefault(_column_of((w[0] + w[2]) / 2, col_edges), []).append(w)
        for j in range(width - 1):
            left, right = by_col.get(j), by_col.get(j + 1)
            if not left or not right:
                continue
            both[j] += 1
            a = max(left, key=lambda w: w[2])
            b = min(right, key=lambda w: w[0])
            height = max(a[3] - a[1], 1.0)
            if (_same_line(a, b) and 0 <= b[0] - a[2] < PHRASE_GAP * height
                    and not is_amount(str(b[4]))):
                joined[j] += 1
    return [j for j in range(width - 1)
            if joined[j] >= MIN_JOINED_ROWS and joined[j] >= JOINED_SHARE * both[j]]


def _join(a: str, b: str) -> str:
    return f"{a} {b}".strip() if a and b else (a or b)


def merge_split_columns(grid: Grid, bands: Sequence[tuple[float, float] | None], col_edges: Sequence[float],
                        words: Sequence[Sequence]) -> Grid:
    """Join columns that the model split inside a phrase (see module docstring)."""
    if not grid or len(col_edges) != len(grid[0]) + 1:
        return grid
    borders = _joined_columns(grid, bands, col_edges, words)
    for j in sorted(borders, reverse=True):  # right to left keeps the lower indexes valid
        grid = [row[:j] + [_join(row[j], row[j + 1])] + row[j + 2:] for row in grid]
    return grid


def _ruled_above(band: tuple[float, float], previous: tuple[float, float], x0: float, x1: float,
                 rules: Sequence[Rule]) -> bool:
    """True when ruling lines between two rows cover at least half the table's width (rules are often drawn
    cell by cell, so their union counts)."""
    low, high = previous[1] - 2.0, band[0] + 2.5
    spans = sorted((max(rx0, x0), min(rx1, x1)) for rx0, y, rx1 in rules if low <= y <= high and rx1 > x0 and rx0 < x1)
    covered, reach = 0.0, x0
    for start, end in spans:
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered >= 0.5 * (x1 - x0)


def merge_continuation_rows(grid: Grid, bands: Sequence[tuple[float, float] | None], x0: float, x1: float,
                            rules: Sequence[Rule]) -> Grid:
    """In a ruled table, fold an unruled row with an empty first cell into the row above."""
    if len(grid) < 4 or len(bands) != len(grid) or any(b is None for b in bands):
        return grid
    ruled = [_ruled_above(bands[i], bands[i - 1], x0, x1, rules) for i in range(1, len(grid))]
    if sum(ruled) < RULED_SHARE * len(ruled):
        return grid
    out = [list(grid[0])]
    for row, has_rule in zip(grid[1:], ruled):
        above = out[-1]
        if (not has_rule and not row[0] and any(row) and len(out) > 1
                and not any(is_amount(a) and is_amount(b) for a, b in zip(above, row) if a and b)):
            out[-1] = [_join(a, b) for a, b in zip(above, row)]
        else:
            out.append(list(row))
    return out


def merge_wrapped_header(grid: Grid) -> Grid:
    """Fold header rows that continue a wrapped header cell ("Total" / "population") into the row above."""
    out: list[list[str]] = []
    for i, row in enumerate(grid):
        if any(is_amount(c) for c in row if c):  # the header ends at the first row holding a number
            return out + [list(r) for r in grid[i:]]
        filled = [j for j, c in enumerate(row) if c]
        if out and filled and all(out[-1][j] for j in filled) and all(row[j][0].islower() for j in filled):
            out[-1] = [_join(a, b) for a, b in zip(out[-1], row)]
        else:
            out.append(list(row))
    return out


def drop_empty_lines(grid: Grid) -> Grid:
    """Rows and columns with no text add nothing to a grid; drop them."""
    rows = [r for r in grid if any(c for c in r)]
    if not rows:
        return []
    keep = [j for j in range(len(rows[0])) if any(r[j] for r in rows)]
    return [[r[j] for j in keep] for r in rows]


def _strip_punct(text: str) -> str:
    return "".join(ch for ch in text if ch not in " ,.;:")


def reread_cell(model_text: str, words: Sequence[Sequence], box: Box) -> str:
    """The cell's text re-read from the words whose centres lie in it, when the model's text differs from it only
    in punctuation: the model assigns single glyphs by their own boxes, and a comma whose glyph box hangs below
    the baseline lands in the next row ("3031" above ", 131,418")."""
    inside = [w for w in words if box[0] <= (w[0] + w[2]) / 2 <= box[2] and box[1] <= (w[1] + w[3]) / 2 <= box[3]]
    if not inside:
        return model_text
    inside.sort(key=lambda w: (round((w[1] + w[3]) / 2 / 3), w[0]))
    text = " ".join(str(w[4]) for w in inside).strip()
    if text != model_text and _strip_punct(text) == _strip_punct(model_text):
        return text
    return model_text


def _lines(words: Sequence[Sequence]) -> list[list[Sequence]]:
    """Words grouped into text lines by their vertical centres."""
    lines: list[list[Sequence]] = []
    for w in sorted(words, key=lambda w: (w[1] + w[3]) / 2):
        centre, height = (w[1] + w[3]) / 2, max(w[3] - w[1], 1.0)
        if lines and abs(centre - (lines[-1][-1][1] + lines[-1][-1][3]) / 2) < 0.5 * height:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


def split_merged_row(row_cells: Sequence[Box], words: Sequence[Sequence]) -> list[list[str]] | None:
    """The rows hidden in one model row that holds two or more table rows ("Utah Washington" over
    "30,252 61,274"), or None when it is one row. A row is split only when every filled cell has the same number
    of lines, at the same heights, and every line holds a number, so wrapped labels and headers stay whole."""
    per_cell: list[list[list[Sequence]]] = []
    for box in row_cells:
        inside = [w for w in words
                  if box[0] <= (w[0] + w[2]) / 2 <= box[2] and box[1] <= (w[1] + w[3]) / 2 <= box[3]]
        per_cell.append(_lines(inside))
    filled = [c for c in per_cell if c]
    count = len(filled[0]) if filled else 0
    if count < 2 or len(filled) < 2 or any(len(c) != count for c in filled):
        return None
    for k in range(count):
        centres = [(c[k][0][1] + c[k][0][3]) / 2 for c in filled]
        height = max(c[k][0][3] - c[k][0][1] for c in filled)
        if max(centres) - min(centres) > 0.5 * height:
            return None
    texts = [[" ".join(str(w[4]) for w in sorted(c[k], key=lambda w: w[0])) if c else "" for c in per_cell]
             for k in range(count)]
    if not all(any(is_amount(t) for t in row) for row in texts):
        return None
    return texts
