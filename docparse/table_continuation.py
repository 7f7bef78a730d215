"""Header rows, and tables continued across pages.

A long table broken over pages comes out of the layout models as one table per page. Each part stays its own
element (a citation must point at one page and box), but a continuation knows the part it continues (metadata
`continues`, the first part's id) and that part's header rows (metadata `header`, when the continuation does not
repeat them), so a row on page 7 is indexed and shown under the column names printed on page 6.

A table continues the open table of the page before when it is the first content of its page (running headers
and page numbers do not count), has no caption of its own, and has the same number of columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from docparse.table_repair import is_amount

MAX_HEADER_ROWS = 3
_YEAR = re.compile(r"(19|20)\d\d")
_CURRENCY = re.compile(r"^[\s$€£¥₩]+")


def header_row_count(grid: Sequence[Sequence[str]]) -> int:
    """Leading rows that hold no numbers in their value columns (years such as "2022" are column names); in a
    table of words only (no amounts anywhere), the first row."""
    def amounts(row: Sequence[str]) -> bool:  # "$ 82,959": a currency sign split off by a space still counts
        return any(is_amount(_CURRENCY.sub("", c)) and not _YEAR.fullmatch(c.strip()) for c in row[1:] if c)

    count = 0
    for row in grid[:MAX_HEADER_ROWS]:
        if not any(c for c in row[1:]) or amounts(row):
            break
        count += 1
    if not any(amounts(row) for row in grid[count:]):  # words only: nothing tells header from body but order
        return min(1, len(grid))
    return count


def _norm(row: Sequence[str]) -> tuple[str, ...]:
    return tuple(" ".join(c.split()).lower() for c in row)


@dataclass(frozen=True)
class OpenTable:
    """The last table seen, while nothing but page furniture has followed it."""

    element_id: str
    header: tuple[tuple[str, ...], ...]
    columns: int
    caption: str | None


class TableRun:
    """Running state across the pages of one document (one per parse stream)."""

    def __init__(self) -> None:
        self.open: OpenTable | None = None
        self.page_has_content = False

    def new_page(self) -> None:
        self.page_has_content = False

    def content(self) -> None:
        """Body text, a heading or a figure: a table before it is closed, and one after it starts afresh."""
        self.page_has_content = True
        self.open = None

    def continued(self, grid: Sequence[Sequence[str]], caption: str | None) -> OpenTable | None:
        """The open table this one continues, or None."""
        if self.page_has_content or self.open is None or caption or not grid:
            return None
        if len(grid[0]) != self.open.columns:
            return None
        return self.open

    def opened(self, element_id: str, grid: Sequence[Sequence[str]], caption: str | None,
               continues: OpenTable | None) -> None:
        """Record a table just emitted (a continuation keeps the first part's id, header and caption)."""
        self.page_has_content = True
        if continues is not None:
            self.open = continues
            return
        n = header_row_count(grid)
        self.open = OpenTable(element_id, tuple(tuple(r) for r in grid[:n]), len(grid[0]) if grid else 0, caption)


def repeats_header(grid: Sequence[Sequence[str]], header: Sequence[Sequence[str]]) -> bool:
    """True when the table starts with the given header rows again."""
    return bool(header) and len(grid) >= len(header) and all(
        _norm(a) == _norm(b) for a, b in zip(grid, header))
