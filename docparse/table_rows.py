"""Table rows the structure model merged, restored from a column of stacked numbers.

Numbers do not wrap: a model cell holding two or more lines that are each one number ("$51.24" over "$51.24") holds
two or more table rows, even when the other cells of the row have fewer lines ("AALAEI, BEHZAD" over "TOTAL", an
empty cell, a one-line city). The row is cut at that column's lines, and every word of the row goes to the line it
sits closest to. docparse.table_repair.split_merged_row handles the stricter case where every cell has the same
lines; this one needs only the numbers to show the rows.
"""
from __future__ import annotations

from typing import Sequence

from docparse.table_repair import _lines, is_amount

Box = Sequence[float]


def _inside(words: Sequence[Sequence], box: Box) -> list[Sequence]:
    return [w for w in words if box[0] <= (w[0] + w[2]) / 2 <= box[2] and box[1] <= (w[1] + w[3]) / 2 <= box[3]]


def split_stacked_rows(row_cells: Sequence[Box], words: Sequence[Sequence]) -> list[list[str]] | None:
    """The rows hidden in one model row, cut at a cell of stacked numbers, or None when no cell stacks them."""
    per_cell = [_lines(_inside(words, box)) for box in row_cells]
    guide: list[list[Sequence]] = []
    for lines in per_cell:
        texts = [" ".join(str(w[4]) for w in sorted(line, key=lambda w: w[0])) for line in lines]
        if len(lines) >= 2 and all(is_amount(t) for t in texts) and len(lines) > len(guide):
            guide = lines
    if not guide:
        return None
    centres = [sum((w[1] + w[3]) / 2 for w in line) / len(line) for line in guide]
    rows = [[[] for _ in row_cells] for _ in centres]
    for j, lines in enumerate(per_cell):
        for line in lines:
            for w in line:
                y = (w[1] + w[3]) / 2
                k = min(range(len(centres)), key=lambda i: abs(centres[i] - y))
                rows[k][j].append(w)
    return [[" ".join(str(w[4]) for w in sorted(cell, key=lambda w: (round((w[1] + w[3]) / 2 / 3), w[0])))
             for cell in row] for row in rows]
