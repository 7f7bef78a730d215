"""The box of the cell, row or sentence an answer used, found in the page's text layer.

Table elements store their grid as text only (no per-cell boxes), and text elements one box per chunk, so the
sub-box is looked up at answer time: the words of the cited page inside the element's box (PyMuPDF), matched
against the span's text. A cell is the value's words on the line of its row label; a row is every word on that
line inside the table; a sentence is the run of words from its first to its last word. Pages without a text layer
(scans read by OCR) and formats without geometry give no span box; the element's box still stands.
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from chat.answer import Answer, Citation, Span
from docparse.element import BBox

log = logging.getLogger(__name__)

Word = tuple[float, float, float, float, str]
_MARGIN = 3.0
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _norm(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _union(words: Sequence[Word]) -> BBox | None:
    if not words:
        return None
    return (round(min(w[0] for w in words), 2), round(min(w[1] for w in words), 2),
            round(max(w[2] for w in words), 2), round(max(w[3] for w in words), 2))


def _flat(words: Sequence[Word]) -> list[tuple[str, int]]:
    """(token, index of its word) for every token of every word, in reading order."""
    out = []
    for i, w in enumerate(words):
        out += [(t, i) for t in _norm(w[4])]
    return out


def _find_run(words: Sequence[Word], text: str, start: int = 0) -> tuple[int, int] | None:
    """Word indices (first, last) of the first place where `text`'s tokens appear in order, from `start`."""
    wanted = _norm(text)
    if not wanted:
        return None
    flat = _flat(words)
    tokens = [t for t, _ in flat]
    n = len(wanted)
    for i in range(len(tokens) - n + 1):
        if flat[i][1] >= start and tokens[i:i + n] == wanted:
            return flat[i][1], flat[i + n - 1][1]
    return None


def _same_line(a: Word, b: Word) -> bool:
    middle = (b[1] + b[3]) / 2
    return a[1] - 1 <= middle <= a[3] + 1


def cell_box(words: Sequence[Word], label: str, value: str) -> BBox | None:
    """The value's words on the line of the row label (or its only occurrence when the label is not found)."""
    label_run = _find_run(words, label) if label else None
    value_tokens = _norm(value)
    candidates = []
    i = 0
    while True:
        run = _find_run(words, value, i)
        if run is None or not value_tokens:
            break
        candidates.append(run)
        i = run[0] + 1
    if label_run is not None:
        anchor = words[label_run[0]]
        on_line = [r for r in candidates if _same_line(anchor, words[r[0]]) and r[0] > label_run[1]]
        if on_line:
            first, last = on_line[0]
            return _union(words[first:last + 1])
    if len(candidates) == 1:
        first, last = candidates[0]
        return _union(words[first:last + 1])
    return None


def row_box(words: Sequence[Word], label: str) -> BBox | None:
    """Every word on the row label's line(s)."""
    run = _find_run(words, label) if label else None
    if run is None:
        return None
    anchors = words[run[0]:run[1] + 1]
    return _union([w for w in words if any(_same_line(a, w) for a in anchors)])


def sentence_box(words: Sequence[Word], sentence: str) -> BBox | None:
    """The words from the sentence's first few words to its last few (the text between may differ in layout
    details such as hyphenation)."""
    tokens = _norm(sentence.rstrip(" \u2026"))
    if not tokens:
        return None
    head = " ".join(tokens[:4])
    start = _find_run(words, head)
    if start is None:
        return None
    tail = " ".join(tokens[-3:])
    end = _find_run(words, tail, start[0])
    last = end[1] if end is not None else start[1]
    return _union(words[start[0]:last + 1])


def span_box(words: Sequence[Word], span: Span) -> BBox | None:
    """The box of `span` among the element's words, or None when it cannot be placed."""
    if span.kind == "cell" and len(span.texts) >= 2:
        return cell_box(words, span.texts[0], span.texts[1])
    if span.kind == "row" and span.texts:
        return row_box(words, span.texts[0])
    if span.kind == "sentence" and span.texts:
        return sentence_box(words, span.texts[0])
    return None


def element_words(path: str, page: int, bbox: BBox) -> list[Word]:
    """The words of PDF page `page` (1-based) inside `bbox` (plus a small margin), in reading order."""
    import pymupdf

    with pymupdf.open(path) as doc:
        if not 1 <= page <= doc.page_count:
            return []
        clip = pymupdf.Rect(bbox) + (-_MARGIN, -_MARGIN, _MARGIN, _MARGIN)
        words = doc[page - 1].get_text("words", clip=clip, sort=True)
    return [(w[0], w[1], w[2], w[3], w[4]) for w in words]


def locate_spans(answer: Answer, document_path: Callable[[str], str | None]) -> Answer:
    """The answer with `span_bbox` set on each citation whose span can be found in its PDF page's text layer."""
    located: list[Citation] = []
    changed = False
    for citation in answer.citations:
        box = _locate(citation, document_path)
        if box is not None:
            citation, changed = replace(citation, span_bbox=box), True
        located.append(citation)
    return replace(answer, citations=tuple(located)) if changed else answer


def _locate(citation: Citation, document_path: Callable[[str], str | None]) -> BBox | None:
    element = citation.element
    if citation.span is None or element.bbox is None:
        return None
    path = document_path(element.provenance.doc_id)
    if not path or Path(path).suffix.lower() != ".pdf" or not Path(path).is_file():
        return None
    try:
        words = element_words(path, element.page, element.bbox)
    except Exception as err:  # a damaged or replaced file costs the sub-box, never the answer
        log.info("%s p%d: span box not located (%s)", element.source, element.page, err)
        return None
    return span_box(words, citation.span)
