"""Resolving `[S1]`-style markers in an answer to the evidence they name.

Models sometimes cite keys they were never shown (hallucinated, copied from history, or planted by a document);
those markers are removed so the user never sees a citation that points nowhere. `clean_answer` also removes
links and images (see chat.answer_filter), for every answer that is shown.
"""
from __future__ import annotations

from typing import Sequence

from chat.answer import Citation
from chat.answer_filter import AnswerFilter
from chat.context import EvidenceItem


def parse_citations(text: str, items: Sequence[EvidenceItem]) -> tuple[str, tuple[Citation, ...]]:
    """The answer text with unknown keys removed, and one Citation per known key in order of first appearance.

    Known keys inside a bracket are kept (normalised to `[S1, S3]`); a bracket with no known key disappears along
    with the blank before it, without leaving double spaces or empty brackets. Links are left as written.
    """
    return AnswerFilter(items, links=False).run(text)


def clean_answer(text: str, items: Sequence[EvidenceItem]) -> tuple[str, tuple[Citation, ...]]:
    """An answer as it may be shown: unknown keys removed (as `parse_citations`), images and HTML tags that load
    or link removed, links reduced to their words, and web addresses kept only when cited evidence holds them."""
    return AnswerFilter(items).run(text)
