"""What a long table sends an answer model: its header and the rows the question names, not every row.

A 60-row financial table costs more than a thousand tokens, and the question usually names one or two of its rows
("total net sales", "research and development"). Sending the header and those rows leaves the budget for more
evidence items; the citation still points at the whole table, and a note says how many rows were left out, so
the model knows the table is longer than what it sees.
"""
from __future__ import annotations

import re
from typing import Callable

from docparse.element import Element, ElementKind
from chat.answer_terms import overlap, terms

# Tables with at most this many body rows are sent whole: trimming them saves little and loses context.
MIN_BODY_ROWS = 8
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def table_excerpt(text: str, question: dict[str, float], min_body_rows: int = MIN_BODY_ROWS) -> str | None:
    """The Markdown table `text` with its header (the lines through the |---| separator, or the first row when
    there is none) and only the body rows sharing a content term with `question` (chat.answer_terms), followed
    by a note naming how many rows were left out. Lines outside the table are kept. None when the table is
    short, when no row or every row matches (the whole table is then the better evidence)."""
    lines = text.splitlines()
    table = [i for i, line in enumerate(lines) if line.lstrip().startswith("|")]
    if not table:
        return None
    separator = next((i for i in table if _SEPARATOR.match(lines[i].strip())), None)
    header_end = separator if separator is not None else table[0]
    body = [i for i in table if i > header_end]
    if len(body) <= min_body_rows:
        return None
    kept = {i for i in body if overlap(question, terms(lines[i])) > 0}
    if not kept or len(kept) == len(body):
        return None
    out = [line for i, line in enumerate(lines) if i not in body or i in kept]
    last_table_line = max(i for i, line in enumerate(out) if line.lstrip().startswith("|"))
    out.insert(last_table_line + 1, f"({len(body) - len(kept)} of {len(body)} rows not matching the question "
                                    "left out)")
    return "\n".join(out)


def excerpt_for(question: str) -> Callable[[Element], str | None]:
    """For chat.context.select_evidence: a long table's header and matching rows for `question`; None (whole
    text) for every other element."""
    wanted = terms(question)

    def excerpt(element: Element) -> str | None:
        if element.kind is not ElementKind.TABLE or not wanted:
            return None
        return table_excerpt(element.text, wanted)

    return excerpt
