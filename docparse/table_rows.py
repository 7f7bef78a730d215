"""Table rows the structure model merged, restored from a column of stacked numbers.

Numbers do not wrap: a model cell holding two or more lines that are each one number ("$51.24" over "$51.24") holds
two or more table rows, even when the other cells of the row have fewer lines ("AALAEI, BEHZAD" over "TOTAL", an
empty cell, a one-line city). The row is cut at that column's lines, and every word of the row goes to the line it
sits closest to. docparse.table_repair.split_merged_row handles the stricter case where every cell has the same
lines; this one needs only the numbers to show the rows.
"""
from __future__ import annotations

from typing import Sequence

from docparse.table_repair import Rule, _lines, is_amount

Box = Sequence[float]


def _inside(words: Sequence[Sequence], box: Box) -> list[Sequence]:
    return [w for w in words if box[0] <= (w[0] + w[2]) / 2 <= box[2] and box[1] <= (w[1] + w[3]) / 2 <= box[3]]


def _ruled(x0: float, x1: float, y: float, rules: Sequence[Rule]) -> bool:
    """Horizontal rules within 3 points of y cover half of [x0, x1]."""
    return sum(min(rx1, x1) - max(rx0, x0) for rx0, ry, rx1 in rules
               if abs(ry - y) <= 3.0 and rx1 > x0 and rx0 < x1) >= 0.5 * (x1 - x0)


def split_stacked_rows(row_cells: Sequence[Box], words: Sequence[Sequence],
                       rules: Sequence[Rule] = ()) -> list[list[str]] | None:
    """The rows hidden in one model row, cut at a cell of stacked numbers, or None when no cell stacks them.

    A row drawn between two ruling lines with none between its lines is one row whatever it holds (two amounts
    in two currencies, one above the other): `rules` (horizontal ruling lines) veto the cut then; a rule between
    the stacked lines confirms it."""
    per_cell = [_lines(_inside(words, box)) for box in row_cells]
    guide: list[list[Sequence]] = []
    for lines in per_cell:
        texts = [" ".join(str(w[4]) for w in sorted(line, key=lambda w: w[0])) for line in lines]
        if len(lines) >= 2 and all(is_amount(t) for t in texts) and len(lines) > len(guide):
            guide = lines
    if not guide:
        return None
    centres = [sum((w[1] + w[3]) / 2 for w in line) / len(line) for line in guide]
    x0, x1 = row_cells[0][0], row_cells[-1][2]
    top, bottom = min(b[1] for b in row_cells), max(b[3] for b in row_cells)
    if _ruled(x0, x1, top, rules) and _ruled(x0, x1, bottom, rules) and not any(
            _ruled(x0, x1, (a + b) / 2, [r for r in rules if a < r[1] < b]) for a, b in zip(centres, centres[1:])):
        return None
    rows = [[[] for _ in row_cells] for _ in centres]
    for j, lines in enumerate(per_cell):
        for line in lines:
            for w in line:
                y = (w[1] + w[3]) / 2
                k = min(range(len(centres)), key=lambda i: abs(centres[i] - y))
                rows[k][j].append(w)
    return [[" ".join(str(w[4]) for w in sorted(cell, key=lambda w: (round((w[1] + w[3]) / 2 / 3), w[0])))
             for cell in row] for row in rows]
