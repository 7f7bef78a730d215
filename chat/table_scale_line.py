"""A table's scale printed as a line of its own: filings often set "(In millions, except per share amounts)" or
"(Dollars in thousands)" under a statement's title, or at the foot of its page, and the parser keeps that line as
a text element beside the table rather than in its caption. `with_scale_lines` gives a table hit without a stated
scale the nearest such line on its page as its caption, so an answer reads "$82,959 million", not "$82,959", and a
model sees the unit beside the cells.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol, Sequence

from chat.table_answer import scale_unit
from docparse.element import Element, ElementKind
from retrieval.hit import Hit

# A whole line in parentheses that states a scale: "(In millions, except per share amounts)", "(Dollars in
# thousands)", "($ in millions)", "(in USD millions)"; short, since a sentence that mentions millions is no label.
_SCALE_LINE = re.compile(r"^\(\s*[^()]{0,40}?\b(?:thousands|millions|billions)\b[^()]{0,120}\)\s*$", re.I)
# A sentence that introduces the table and ends with its scale: "The following table shows net sales by category
# ... (dollars in millions):".
_INTRODUCING = re.compile(r"\(\s*[^()]{0,20}?\bin\s+(?:[$\u20ac\u00a3\u00a5]\s*)?(?:us\s*)?(?:thousands|millions|"
                          r"billions)\b[^()]{0,60}\)\s*:\s*$", re.I)
_REACH = 3  # elements before and after the table searched for its line


class ElementLookup(Protocol):
    """What `with_scale_lines` reads from the store's catalog (retrieval.catalog.Catalog)."""

    def element_position(self, element_id: str) -> tuple[str, int] | None: ...

    def elements_between(self, doc_id: str, first: int, last: int) -> list[Element]: ...


def scale_line(text: str) -> str:
    """The scale label `text` opens with: its whole first line in parentheses ("(In millions, except per share
    amounts)"), or the parentheses closing an introducing first line ("... (dollars in millions):"); else ""."""
    first = text.strip().split("\n", 1)[0].strip()
    if _SCALE_LINE.match(first) and scale_unit(first):
        return first
    introducing = _INTRODUCING.search(first)
    label = introducing.group().rstrip(" :") if introducing else ""
    return label if scale_unit(label) else ""


def with_scale_lines(hits: Sequence[Hit], catalog: ElementLookup) -> list[Hit]:
    """`hits` with each table that states no scale (caption, section or header rows) captioned by the nearest
    scale line on its page, when there is one within a few elements."""
    out = []
    for hit in hits:
        element = hit.element
        if element.kind is ElementKind.TABLE and not _states_scale(element):
            line = _nearest_line(element, catalog)
            if line:
                caption = f"{element.caption} {line}" if element.caption else line
                hit = replace(hit, element=replace(element, caption=caption))
        out.append(hit)
    return out


def _states_scale(element: Element) -> bool:
    header = "\n".join(element.text.splitlines()[:4])  # the markdown header rows
    return bool(scale_unit(" ".join([element.caption or "", " ".join(element.section), header])))


def _nearest_line(element: Element, catalog: ElementLookup) -> str:
    position = catalog.element_position(element.id)
    if position is None:
        return ""
    doc_id, ordinal = position
    near = catalog.elements_between(doc_id, ordinal - _REACH, ordinal + _REACH)
    at = next((i for i, e in enumerate(near) if e.id == element.id), None)
    if at is None:
        return ""
    page = element.provenance.page
    lines = [(abs(i - at), scale_line(e.text)) for i, e in enumerate(near)
             if e.kind is ElementKind.TEXT and e.provenance.page == page]
    lines = [(distance, line) for distance, line in lines if line]
    return min(lines)[1] if lines else ""
