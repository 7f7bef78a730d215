"""Figure and table labels a question names ("Figure 3", "Fig. 2b", "Table 4", "Chart 1", "그림 2", "[표 3]"), and
the label an element's caption starts with.

"How many green bars appear in Figure 1?" is about one element, but its words ("figure", "1") are everywhere in a
paper: every caption says "Figure", and "1" is the commonest number. The "label" route (retrieval.index) lists the
other routes' candidates whose caption carries a named label, so that element gets a route of its own, as a named
page does (retrieval.page_refs). A label is (kind, number): "Fig. 3", "Figure 3b" and "FIGURE 3" all name
("figure", "3"); "Figure 1.5" names ("figure", "1.5").
"""
from __future__ import annotations

import re

from docparse.scripts import HANGUL_SYLLABLES

Label = tuple[str, str]

_KIND_WORDS = {"figure": "figure", "fig": "figure", "chart": "figure", "table": "table", "그림": "figure",
               "도표": "table", "표": "table"}
_KIND = rf"(?:(?<!\w)(?P<en>figure|fig\.?|chart|table)|(?<![{HANGUL_SYLLABLES}])(?P<ko>그림|도표|표))"
_NUMBER = r"\s*(?P<number>\d{1,3}(?:\.\d{1,3})?)[a-z]?(?![\d,]?\d)"
_IN_QUERY = re.compile(_KIND + _NUMBER, re.IGNORECASE)
_AT_START = re.compile(r"^\W{0,2}" + _KIND + _NUMBER, re.IGNORECASE)


def _label(match: re.Match) -> Label:
    kind_word = (match.group("en") or match.group("ko")).lower().rstrip(".")
    return _KIND_WORDS[kind_word], match.group("number")


def label_references(query: str) -> frozenset[Label]:
    """The (kind, number) labels a question names; empty when it names none."""
    return frozenset(_label(match) for match in _IN_QUERY.finditer(query))


def caption_label(caption: str | None) -> Label | None:
    """The label a caption starts with ("Figure 1: Strong performance ..." -> ("figure", "1")), or None."""
    match = _AT_START.match(caption.strip()) if caption else None
    return _label(match) if match else None
