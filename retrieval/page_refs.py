"""Pages a question names: "the chart on page 14", "p. 7", "pages 3 and 5", "slide 12", "12페이지", "3쪽".

People often point at the page they are looking at; the search then favours that page's elements (a "page" route
in fusion, see retrieval.index) without filtering others out, because printed page labels and PDF page numbers
can differ by a few pages.
"""
from __future__ import annotations

import re

_EN = re.compile(r"\b(?:pages?|pp?\.|slides?)\s*(\d{1,4})(?:(\s*(?:-|–|to)\s*|\s*(?:and|&)\s*|,\s+)(\d{1,4}))?(?!\d|,\d)",
                 re.IGNORECASE)
_KO = re.compile(r"(\d{1,4})\s*(?:페이지|쪽|면)")
MAX_SPAN = 10  # "pages 3-5" names 3, 4, 5; longer ranges are not a pointer at a page


def page_references(query: str) -> tuple[int, ...]:
    """The 1-based page numbers a query names, in order of appearance, without repeats."""
    pages: list[int] = []
    for match in _EN.finditer(query):
        first = int(match.group(1))
        if match.group(3) is None:
            pages.append(first)
            continue
        last = int(match.group(3))
        if match.group(2).strip() in ("-", "–", "to") and first <= last <= first + MAX_SPAN:
            pages.extend(range(first, last + 1))
        else:  # "pages 7 and 15", "pages 7, 15": two pages
            pages.extend((first, last))
    pages.extend(int(m.group(1)) for m in _KO.finditer(query))
    return tuple(dict.fromkeys(p for p in pages if p >= 1))
