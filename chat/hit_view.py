"""Search hits for the terminal: where each hit is, then what in it matched the query.

A table shows its header and the row whose cells share the most terms with the query (not the table's first
120 characters, which rarely hold the row asked about); text shows a window of words around the matched terms.
Scores are not shown: fused scores are rank-based and, after re-ordering, not monotonic in rank (the rank says
the order; `--json` keeps the scores).
"""
from __future__ import annotations

from typing import Sequence

from chat.answer_terms import overlap, terms
from chat.render import one_line, printable
from chat.table_answer import header_rows, table_grid
from docparse.element import ElementKind

SNIPPET_WORDS = 40  # words of text shown around the matched terms
LINE_CHARS = 300  # a table header or row is cut here


def hit_lines(hit, query: str | None) -> list[str]:
    """The lines that show one hit: rank, file, page and kind, then the matching table row or text snippet."""
    element = hit.element
    lines = [printable(f"{hit.rank:>2}. {element.source} p{element.page} {element.kind.value}")]
    wanted = terms(query or "")
    grid = table_grid(element) if element.kind == ElementKind.TABLE else []
    if grid:
        lines += [f"    {label}: {one_line(' | '.join(c for c in row), LINE_CHARS)}"
                  for label, row in table_rows(grid, wanted)]
    else:
        lines.append(f"    {snippet(element.text, wanted)}")
    return lines


def table_rows(grid: Sequence[Sequence[str]], wanted: dict[str, float]) -> list[tuple[str, Sequence[str]]]:
    """("header", cells) for the header rows, then ("row", cells) for the data row whose cells share the most
    terms with the query (the first data row when none shares any)."""
    head = header_rows(grid)
    body = grid[head:]
    best = max(body, key=lambda row: overlap(wanted, terms(" ".join(row))) if wanted else 0.0)
    return [("header", row) for row in grid[:head]] + [("row", best)]


def snippet(text: str, wanted: dict[str, float], width: int = SNIPPET_WORDS) -> str:
    """The `width` words of `text` that hold the most query terms, with "…" where words were left out."""
    words = text.split()
    if len(words) <= width:
        return one_line(text, LINE_CHARS * 2)
    matched = [1 if wanted and set(terms(word)) & wanted.keys() else 0 for word in words]
    start, best, window = 0, -1, sum(matched[:width])
    for first in range(len(words) - width + 1):
        if first:
            window += matched[first + width - 1] - matched[first - 1]
        if window > best:
            start, best = first, window
    if best > 0:  # centre the window on its matches rather than starting at the first one
        hits = [i for i in range(start, start + width) if matched[i]]
        middle = (hits[0] + hits[-1]) // 2
        start = max(0, min(len(words) - width, middle - width // 2))
    shown = " ".join(words[start:start + width])
    return one_line(("\u2026 " if start else "") + shown + (" \u2026" if start + width < len(words) else ""),
                    LINE_CHARS * 2)
