"""Element kinds a question names: "the revenue table", "which chart shows", "Figure 3", "[표 1]", "그림 2".

When a question names a kind, that kind should speak for its page: page crowding (retrieval.page_crowding) keeps one
element per page near the top, and without this the page's prose paragraph would often stand in for the table
that was asked about. Nothing is filtered out; only the order of one page's elements changes.
"""
from __future__ import annotations

import re

from docparse.scripts import HANGUL_SYLLABLES as _HANGUL

# Korean particles that may follow a noun ("표에서", "그림의"); anything longer is another word ("대표", "표준").
_PARTICLE = "(?:에서|에는|에|의|를|은|는|이|가|과|와|로|으로|을)?"
_WORDS = {
    "table": re.compile(rf"\btables?\b|(?<![{_HANGUL}])(?:표|도표){_PARTICLE}(?![{_HANGUL}])", re.IGNORECASE),
    "figure": re.compile(
        rf"\b(?:figures?|fig\.|charts?|graphs?|plots?|diagrams?|images?|pictures?|photos?|photographs?|maps?)"
        rf"(?![\w])|(?<![{_HANGUL}])(?:그림|차트|그래프|도식|사진){_PARTICLE}(?![{_HANGUL}])", re.IGNORECASE),
}


def kind_references(query: str) -> frozenset[str]:
    """The element kinds ("table", "figure") that `query` names; empty when it names none."""
    return frozenset(kind for kind, pattern in _WORDS.items() if pattern.search(query))
