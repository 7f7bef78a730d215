"""Words that a PDF splits with a stray space ("Cash Flow s", "Balance Shee t", "LIQUIDI TY").

Some generators (3M's 10-K filings among the dev PDFs) place a space glyph inside a word, overlapping the letters
around it, and PyMuPDF reads "Incom e". Such a word is lost to both search routes: BM25 never sees "income" and the
embedder reads two odd tokens, and it sits in exactly the statement titles questions name ("the cash flow
statement"). A space is removed when two signals agree:

- lexicon: the two letter runs around it join into a common English word (wordfreq's "small" list, words used at
  least once per million) while one of them alone is not a word (a fragment such as "Shee", or a lone letter
  other than "a"/"I"), and their letter case fits one word ("Flow s", "ESTIMA TES"; never "Model S");
- geometry: the gap between the glyphs either side of the space is smaller than the space glyph's own width
  (GAP_RATIO; a normal word gap is the space's width). A fragment that is no word at all on one side ("Busines s")
  is trusted up to STRONG_GAP_RATIO, since the lexicon alone is then nearly conclusive.

Over the dev PDFs (about 9,000 pages) every space the rule removes is inside a word, all in the 3M filings, and it
leaves "sentence s", "score s" (variables in papers, normal gaps) and "in vesting" alone; `bench/split_words.py`
lists the decisions. The character boxes come from one extra rawdict extraction, made only on pages where the
lexicon finds a candidate in the page's text.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any, Iterable, Iterator

logger = logging.getLogger(__name__)

GAP_RATIO = 0.99  # neighbours' gap / space width below which a lexical candidate is a stray space
STRONG_GAP_RATIO = 1.1  # the same when one side is a multi-letter fragment that is no word ("Busines s")
# Two letter runs with one space between, not glued to other letters or digits ("3M is" is not "M is") and not
# followed by a hyphen ("Form S-1"). A lookahead, so that overlapping pairs ("Cash Flow s": "Cash Flow", "Flow s")
# are all seen.
_PAIR = re.compile(r"(?=(?<![\w])([A-Za-z]{2,}) ([A-Za-z]+)(?![\w-]))")


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    import wordfreq  # ~75 ms to import, once per process and only when a page has a pair to check

    return frozenset(wordfreq.get_frequency_dict("en", wordlist="small"))


def _is_fragment(piece: str, words: frozenset[str]) -> bool:
    lower = piece.lower()
    return lower not in words or (len(lower) == 1 and lower not in ("a", "i"))


def lexical_strength(left: str, right: str) -> int:
    """0: the pair is two words; 1: it joins into a common word and one side is a lone letter ("Flow s");
    2: it joins into a common word and one side is a longer fragment that is no word ("Shee t", "LIQUIDI TY")."""
    cased = (right.islower() and (left.islower() or left.istitle())) or (left.isupper() and right.isupper())
    if not cased:
        return 0
    words = _common_words()
    if (left + right).lower() not in words:
        return 0
    strong = any(len(p) > 1 and p.lower() not in words for p in (left, right))
    if strong:
        return 2
    return 1 if _is_fragment(left, words) or _is_fragment(right, words) else 0


def _candidates(text: str) -> Iterator[tuple[int, str, str, int]]:
    """(index of the space, left run, right run, lexical strength) for each joinable pair in a line's text."""
    for match in _PAIR.finditer(text):
        left, right = match.group(1), match.group(2)
        strength = lexical_strength(left, right)
        if strength:
            yield match.start() + len(left), left, right, strength


def _line_texts(blocks: Iterable[dict]) -> Iterator[str]:
    for block in blocks:
        for line in block.get("lines", ()):
            yield "".join(span.get("text", "") for span in line.get("spans", ()))


def _gap_ratio(chars: list[dict], space: int) -> float | None:
    """Gap between the glyphs either side of chars[space] over the space glyph's width (None: no width)."""
    before, glyph, after = chars[space - 1], chars[space], chars[space + 1]
    width = glyph["bbox"][2] - glyph["bbox"][0]
    if width <= 0:
        return None
    return (after["bbox"][0] - before["bbox"][2]) / width


def is_stray_space(strength: int, gap_ratio: float | None) -> bool:
    """Whether a candidate of this lexical strength, at this glyph gap ratio, is a space inside one word."""
    limit = STRONG_GAP_RATIO if strength == 2 else GAP_RATIO
    return strength > 0 and gap_ratio is not None and gap_ratio < limit


def page_repairs(page: Any, blocks: Iterable[dict]) -> dict[str, str]:
    """{"Flow s": "Flows", ...}: the split words of one page (a pymupdf.Page whose text-dict blocks are `blocks`).

    Empty, at the cost of one regex pass, when no line of the page holds a lexical candidate."""
    if not any(next(_candidates(text), None) for text in _line_texts(blocks)):
        return {}
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    repairs: dict[str, str] = {}
    for block in page.get_text("rawdict", flags=flags)["blocks"]:
        for line in block.get("lines", ()):
            if tuple(line.get("dir", (1.0, 0.0))) != (1.0, 0.0):
                continue  # the gap test reads x coordinates
            chars = [c for span in line.get("spans", ()) for c in span.get("chars", ())]
            text = "".join(c["c"] for c in chars)
            for space, left, right, strength in _candidates(text):
                if is_stray_space(strength, _gap_ratio(chars, space)):
                    repairs[f"{left} {right}"] = left + right
    if repairs:
        logger.debug("page %d: joined split words %s", page.number + 1, sorted(repairs))
    return repairs


class WordRepair:
    """Applies one page's repairs to any text taken from that page (headings, chunks, table cells, captions)."""

    def __init__(self, repairs: dict[str, str]) -> None:
        self.repairs = repairs
        alternatives = "|".join(re.escape(split) for split in sorted(repairs, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<![\w])(?:{alternatives})(?![\w-])") if repairs else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str | None) -> str | None:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.repairs[m.group(0)], text)
