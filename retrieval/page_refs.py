"""Pages a question names: "the chart on page 14", "p. 7", "pages 3 and 5", "slide 12", "page(3)", "page two",
"the second page", "the cover page", "the last page", "12페이지", "3쪽", "첫 페이지", "마지막 페이지".

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
# A printed page number in a running head or footer: "Page 3 of 16", "Page: 1 of 17", else the last number standing
# alone ("Version 1.3 9", "2021 FORM 10-K 27", "PEW RESEARCH CENTER | 12"); years and parts of "10-K", "1.3",
# "01/05/2022" are not page numbers.
_PRINTED_PAGE = re.compile(r"\bpage\s*:?\s*(\d{1,4})\b", re.IGNORECASE)
_STANDALONE = re.compile(r"(?<![\w./,:%-])(\d{1,4})(?![\w./,:%-])")
LAST_PAGE = -1  # "the last page": resolved against each document's page count by the caller

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "cover": 1, "front": 1, "title": 1, "last": LAST_PAGE, "final": LAST_PAGE}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10}
_EN_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+(?:pages?|slides?)\b", re.IGNORECASE)
_EN_WORD = re.compile(rf"\b(?:page|slide)\s+({'|'.join(_NUMBERS)})\b", re.IGNORECASE)
_EN_PAREN = re.compile(r"\b(?:page|slide)\s*\(\s*(\d{1,4})\s*\)", re.IGNORECASE)
_KO_ORDINALS = {"첫": 1, "첫째": 1, "첫 번째": 1, "두 번째": 2, "둘째": 2, "세 번째": 3, "셋째": 3, "마지막": LAST_PAGE}
_KO_ORDINAL = re.compile(rf"({'|'.join(sorted(_KO_ORDINALS, key=len, reverse=True))})\s*(?:페이지|쪽|장|면)")
_KO_COVER = re.compile(r"표지")


def page_references(query: str) -> tuple[int, ...]:
    """The 1-based page numbers a query names, in order of appearance, without repeats; LAST_PAGE stands for the
    last page of a document ("the last page", "마지막 페이지")."""
    named: list[tuple[int, int]] = []  # (position in the query, page)
    for match in _EN.finditer(query):
        first = int(match.group(1))
        if match.group(3) is None:
            named.append((match.start(), first))
            continue
        last = int(match.group(3))
        if match.group(2).strip() in ("-", "–", "to") and first <= last <= first + MAX_SPAN:
            named.extend((match.start(), page) for page in range(first, last + 1))
        else:  # "pages 7 and 15", "pages 7, 15": two pages
            named.extend(((match.start(), first), (match.start(), last)))
    named += [(m.start(), int(m.group(1))) for m in _KO.finditer(query)]
    named += [(m.start(), _ORDINALS[m.group(1).lower()]) for m in _EN_ORDINAL.finditer(query)]
    named += [(m.start(), _NUMBERS[m.group(1).lower()]) for m in _EN_WORD.finditer(query)]
    named += [(m.start(), int(m.group(1))) for m in _EN_PAREN.finditer(query)]
    named += [(m.start(), _KO_ORDINALS[m.group(1)]) for m in _KO_ORDINAL.finditer(query)]
    named += [(m.start(), 1) for m in _KO_COVER.finditer(query)]
    pages = [page for _, page in sorted(named, key=lambda item: item[0])]  # stable: a range keeps its order
    return tuple(dict.fromkeys(p for p in pages if p >= 1 or p == LAST_PAGE))


def printed_page_number(furniture: str) -> int | None:
    """The page number printed in a page's running head or footer text, or None when it shows none."""
    match = _PRINTED_PAGE.search(furniture)
    if match:
        return int(match.group(1))
    numbers = [int(n) for n in _STANDALONE.findall(furniture) if not 1900 <= int(n) <= 2100]
    return numbers[-1] if numbers else None
