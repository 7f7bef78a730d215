"""Column borders the table-structure model missed, restored from the page's own evidence.

The model sometimes reads two columns as one ("648765 AAA", "County Plan Name"). Two kinds of evidence place a
border inside such a column:

- a vertical ruling line that runs down most of the table (ruled tables draw every column border), or
- a whitespace gap that lines up through nearly every row of the table's text (docparse.table_text_grid).

A column is split at such a border only when, in most of its rows that hold text, the text lies on both sides of
the border and almost never across it; each side's text is then read again from the words.
"""
from __future__ import annotations

from typing import Sequence

from docparse.table_text_grid import text_borders

Grid = list[list[str]]
VRule = tuple[float, float, float]  # x, y0, y1 of a vertical ruling line

EDGE_MARGIN = 3.0  # a border this close to a model column edge is that edge
BOTH_SIDES_SHARE = 0.5  # share of the column's filled rows that must hold text on both sides of the border
MIN_BOTH_SIDES = 3
ACROSS_SHARE = 0.1  # share of those rows whose text may run across the border (spanning headers)
RULE_COVER = 0.5  # share of the table's height a vertical rule (its pieces together) must cover


def vertical_rules(drawings: Sequence[dict]) -> list[VRule]:
    """Thin vertical lines and the left/right edges of rectangles, from `page.get_cdrawings()` paths."""
    rules: list[VRule] = []
    for path in drawings or ():
        for item in path.get("items", ()):
            if item[0] == "l":
                (x0, y0), (x1, y1) = (item[1][0], item[1][1]), (item[2][0], item[2][1])
                if abs(x1 - x0) <= 1.0:
                    rules.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                if x1 - x0 <= 2.5:
                    rules.append(((x0 + x1) / 2, y0, y1))
                else:
                    rules.extend(((x0, y0, y1), (x1, y0, y1)))
    return rules


def _ruled_borders(verticals: Sequence[VRule], x0: float, x1: float, top: float, bottom: float) -> list[float]:
    """x positions inside (x0, x1) where vertical rules cover RULE_COVER of the height from top to bottom."""
    height = bottom - top
    if height <= 0:
        return []
    by_x: dict[int, list[tuple[float, float]]] = {}
    for x, y0, y1 in verticals:
        if x0 < x < x1 and y1 > top and y0 < bottom:
            by_x.setdefault(round(x), []).append((max(y0, top), min(y1, bottom)))
    out = []
    for key in sorted(by_x):
        spans = sorted(by_x[key] + by_x.get(key - 1, []) + by_x.get(key + 1, []))
        covered, reach = 0.0, top
        for start, end in spans:
            if end > reach:
                covered += end - max(start, reach)
                reach = end
        if covered >= RULE_COVER * height and not any(abs(key - x) < 2 for x in out):
            out.append(float(key))
    return out


def _words_in(words: Sequence[Sequence], x0: float, x1: float, band: tuple[float, float]) -> list[Sequence]:
    return [w for w in words if x0 <= (w[0] + w[2]) / 2 <= x1 and band[0] <= (w[1] + w[3]) / 2 <= band[1]]


def _text(words: Sequence[Sequence]) -> str:
    ordered = sorted(words, key=lambda w: (round((w[1] + w[3]) / 2 / 3), w[0]))
    return " ".join(str(w[4]) for w in ordered).strip()


def _splits(bands: Sequence[tuple[float, float] | None], x0: float, x1: float, border: float,
            words: Sequence[Sequence], ruled: bool) -> bool:
    """A drawn rule needs only MIN_BOTH_SIDES rows with text on both sides (a row-spanning cell leaves its
    column empty below it); a whitespace gap needs BOTH_SIDES_SHARE of the filled rows as well."""
    filled = both = across = 0
    for band in bands:
        if band is None:
            continue
        inside = _words_in(words, x0, x1, band)
        if not inside:
            continue
        filled += 1
        if any(w[0] < border - 0.5 and w[2] > border + 0.5 for w in inside):
            across += 1
        elif any(w[2] <= border for w in inside) and any(w[0] >= border for w in inside):
            both += 1
    share = 0.0 if ruled else BOTH_SIDES_SHARE
    return both >= max(MIN_BOTH_SIDES, share * filled) and across <= ACROSS_SHARE * filled


def split_missed_columns(grid: Grid, bands: Sequence[tuple[float, float] | None], col_edges: Sequence[float],
                         words: Sequence[Sequence], verticals: Sequence[VRule] = ()) -> tuple[Grid, list[float]]:
    """The grid with missed column borders restored, and the new column edges (see module docstring)."""
    edges = list(col_edges)
    if not grid or len(edges) != len(grid[0]) + 1 or len(bands) != len(grid) or not words:
        return grid, edges
    known = [b for b in bands if b is not None]
    if not known:
        return grid, edges
    top, bottom = min(b[0] for b in known), max(b[1] for b in known)
    table_words = [w for w in words if edges[0] <= (w[0] + w[2]) / 2 <= edges[-1]]
    ruled = _ruled_borders(verticals, edges[0], edges[-1], top, bottom)
    # drawn rules first: a whitespace gap beside a rule is the same border, placed less exactly
    candidates = [(x, True) for x in ruled] + [(x, False) for x in text_borders(table_words)]
    grid = [list(r) for r in grid]
    for border, is_rule in candidates:
        j = next((k for k in range(len(edges) - 1)
                  if edges[k] + EDGE_MARGIN < border < edges[k + 1] - EDGE_MARGIN), None)
        if j is None or not _splits(bands, edges[j], edges[j + 1], border, table_words, is_rule):
            continue
        for i, band in enumerate(bands):
            if band is None:
                grid[i].insert(j + 1, "")
                continue
            inside = _words_in(table_words, edges[j], edges[j + 1], band)
            left = [w for w in inside if (w[0] + w[2]) / 2 < border]
            right = [w for w in inside if (w[0] + w[2]) / 2 >= border]
            grid[i][j:j + 1] = [_text(left), _text(right)] if inside else [grid[i][j], ""]
        edges.insert(j + 1, border)
    return grid, edges
