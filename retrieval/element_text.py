"""What text an element is embedded (and lexically indexed) from.

A text embedder reads only its first ~256 tokens, so what goes first matters most. Every element is prefixed with
the words of its file name (which document: company, year, quarter) and its nearest section headings (a chunk
of "Note 2 - Revenue" is about revenue even when its sentences never say so). A table's Markdown is mostly
numbers, which dense models read poorly; its embedding text leads with the caption, the header rows and the row
labels (the words people ask with: "Total net sales", "Diluted"), then the Markdown. A figure leads with its
caption, then the words found inside it.
"""
from __future__ import annotations

import re

from docparse.element import Element, ElementKind

_NUMERIC = re.compile(r"^[\s$€£¥%()\-–—.,+*/0-9]*$")
SECTION_LEVELS = 2  # nearest headings used as context; deeper paths repeat the document title


def _is_numeric(cell: str) -> bool:
    return bool(_NUMERIC.match(cell))


def table_summary(cells: tuple[tuple[str, ...], ...]) -> str:
    """Header rows (leading rows whose value cells hold no numbers) and the row labels of a table grid."""
    rows = [tuple(c.strip() for c in row) for row in cells if any(c.strip() for c in row)]
    header_rows: list[str] = []
    body_start = 0
    for row in rows[:3]:
        values = [c for c in row[1:] if c]
        if values and all(not _is_numeric(c) or re.fullmatch(r"(19|20)\d\d", c) for c in values):
            header_rows.append(" | ".join(c for c in row if c))
            body_start += 1
        else:
            break
    labels = [row[0] for row in rows[body_start:] if row and row[0] and not _is_numeric(row[0])]
    parts = header_rows[:]
    if labels:
        parts.append("rows: " + "; ".join(dict.fromkeys(labels)))
    return "\n".join(parts)


_NAME_PIECES = re.compile(r"[^\W_]+")
_CODE_LIKE = re.compile(r"(?=.*\d)(?=.*[^\W\d_])\w{9,}|\d{9,}|[0-9a-f]{12,}", re.IGNORECASE)


def document_label(source: str) -> str:
    """The words of a file name that say which document this is ("3M_2018_10K.pdf" -> "3M 2018 10K",
    "2023 Q2 AAPL.pdf" -> "2023 Q2 AAPL"). Every view of the document starts with it: a passage on page 38 of a
    filing seldom names the company or the year it is about, and a question over a whole library does. Hashes
    and other machine names ("a5879805d70c....pdf") give no words and are left out."""
    stem = source.rsplit(".", 1)[0]
    pieces = [piece for piece in _NAME_PIECES.findall(stem) if not _CODE_LIKE.fullmatch(piece)]
    return " ".join(pieces)


LABEL_MIN_BODY_WORDS = 12  # a text chunk shorter than this is led by its section headings only


def _lead(element: Element, body: str) -> str:
    """Document label and nearest section headings, as one line ("3M 2018 10K | RESULTS > Net Sales:").

    A text chunk of a few words ("Not applicable.", "None.") gets no document label: its vector and its BM25
    terms would be mostly the label, and it would then match every question naming the company and year better
    than the passages that answer it."""
    context = [h for h in element.section[-SECTION_LEVELS:] if h and h not in body[:200]]
    short = element.kind is ElementKind.TEXT and len(body.split()) < LABEL_MIN_BODY_WORDS
    label = "" if short else document_label(element.source)
    return " | ".join(p for p in (label, " > ".join(context)) if p)


def embedding_text(element: Element) -> str:
    """The text a vector is made from; blank means "no vector" (the element stays in the catalog)."""
    body = (element.text or "").strip()
    if not body and element.kind is not ElementKind.TABLE:
        return ""
    parts: list[str] = []
    if element.kind is not ElementKind.TITLE:
        parts.append(_lead(element, body))
    caption = (element.caption or "").strip()
    if caption and caption not in body[:len(caption) + 50]:
        parts.append(caption)
    if element.kind is ElementKind.TABLE and element.cells:
        header = dict(element.metadata).get("header")  # a continued table's column names, from its first page
        if header:
            parts.append(header)
        parts.append(table_summary(element.cells))
    parts.append(body)
    return "\n".join(p for p in parts if p).strip()


ROWS_PER_VIEW = 8  # a row group small enough that its numbers and labels fit the embedder's window


def _markdown_rows(rows: list[tuple[str, ...]]) -> str:
    return "\n".join("| " + " | ".join(" ".join(c.split()) for c in row) + " |" for row in rows)


def embedding_views(element: Element) -> list[str]:
    """The texts an element is indexed under: one for most elements; for a long table, also one per group of
    ROWS_PER_VIEW body rows, each repeating the context, caption and header rows, so a question about row 20
    meets a text where row 20 is inside the embedder's window. Hits from any view count for the element."""
    if element.kind is ElementKind.TITLE:
        return []  # a heading is indexed through the section context of the elements under it
    first = embedding_text(element)
    if not first or element.kind is not ElementKind.TABLE or not element.cells:
        return [first] if first else []
    rows = [tuple(c.strip() for c in row) for row in element.cells if any(c.strip() for c in row)]
    summary = table_summary(element.cells)
    n_header = len([line for line in summary.splitlines() if not line.startswith("rows: ")])
    body = rows[n_header:]
    if len(body) <= ROWS_PER_VIEW:
        return [first]
    lead = [_lead(element, ""), (element.caption or "").strip(), dict(element.metadata).get("header", "")]
    lead = [p for p in lead if p]
    views = [first]
    for start in range(0, len(body), ROWS_PER_VIEW):
        group = rows[:n_header] + body[start:start + ROWS_PER_VIEW]
        views.append("\n".join(lead + [_markdown_rows(group)]))
    return views


def view_id(element_id: str, view: int) -> str:
    """Vector id of an element's view; view 0 keeps the element id itself."""
    return element_id if view == 0 else f"{element_id}#{view}"


def element_of_view(vector_id: str) -> str:
    """The element id a vector id belongs to."""
    return vector_id.split("#", 1)[0]
