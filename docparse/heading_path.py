"""The running section path of a document (the headings above the element being read), shared by every parser
that reads headings in order: PDF, HWP, images, and the replay of parallel page ranges (docparse.parallel).
"""
from __future__ import annotations

import re

from docparse.table_continuation import TableRun

_NUMBERING = re.compile(r"^\s*((?:\d+|[IVXLC]+|[A-Z])(?:\.\d+)*)[.)]?\s+\S")


def _heading_rank(text: str, size: float) -> tuple[float, int]:
    """(font size, numbering depth) of a heading; depth 0 when it is not numbered ("2.1" has depth 2)."""
    numbering = _NUMBERING.match(text)
    depth = numbering.group(1).count(".") + 1 if numbering and any(c.isdigit() for c in numbering.group(1)) else 0
    return size, depth


# A run of same-size headings with no body between them is one title set on several lines ("NETFLIX, INC." /
# "CONSOLIDATED BALANCE SHEETS" / "(in thousands ...)"): it becomes one section, up to this many characters.
# Taking each line as its own heading would leave a statement's table under "(in thousands ...)" alone.
MAX_STACKED_TITLE_CHARS = 200


class HeadingPath:
    """The running heading path. Nesting comes from font size (bigger = outer) and, when both headings are
    numbered ("2", "2.1"), from numbering depth; this needs no document-wide pass, so pages can stream.
    Callers take `body_path()` for body elements (text, tables, figures): a heading pushed right after another
    of its size, with no body element between, continues that heading (MAX_STACKED_TITLE_CHARS)."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, float, int]] = []
        self.tables = TableRun()  # tables continued across pages ride along with the heading path
        self._title_open = False  # the top heading has no body element under it yet

    def path(self) -> tuple[str, ...]:
        return tuple(t for t, _, _ in self.stack)

    def body_path(self) -> tuple[str, ...]:
        """The path of a body element placed now (it closes the heading above it to continuation lines)."""
        self._title_open = False
        return self.path()

    def push(self, text: str, size: float) -> None:
        size_, depth = _heading_rank(text, size)
        if self._title_open and self.stack and not depth:
            top_text, top_size, top_depth = self.stack[-1]
            if abs(top_size - size_) <= 0.5 and len(top_text) + len(text) < MAX_STACKED_TITLE_CHARS:
                self.stack[-1] = (f"{top_text} {text}", top_size, top_depth)
                return
        self._title_open = True
        while self.stack:
            _, top_size, top_depth = self.stack[-1]
            if depth and top_depth:
                outer = top_depth < depth
            else:
                outer = top_size > size_ + 0.5
            if outer:
                break
            self.stack.pop()
        self.stack.append((text, size_, depth))
