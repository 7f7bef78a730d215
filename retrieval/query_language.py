"""Which writing system a query is in, and whether an embedding route's model can read it.

A dense route whose model never learned a script still returns a full ranked list for a query in that script:
near-random pages. Rank fusion cannot tell such a list from a good one and rewards the pages it shares with the
lexical route, pushing the lexical route's right page down. On the Korean dev questions all-MiniLM-L6-v2 (English only: its uncased
WordPiece decomposes Hangul syllables into jamo) found the evidence page in its top 5 for 0.10 of the questions
across the collection, and fusing it cut the lexical route's recall@5 from 0.95 to 0.80 within documents
(bench/results/korean-retrieval.md). So a route votes on a query only when its model reads the query's script.

Scripts, not languages, are detected: letters are counted per Unicode script block, which needs no model and is
exact for Korean (Hangul), while an English-trained model on French or German still reads the letters and keeps
its vote. A query whose letters are mostly (READ_SHARE) in scripts the model reads keeps the route; a query with no
letters (numbers only) keeps it too.
"""
from __future__ import annotations

from typing import Collection, Mapping, TypeVar

# Script names used by text-model profiles (retrieval.model_profiles) to say which scripts a model reads.
LATIN, HANGUL, HAN, KANA = "latin", "hangul", "han", "kana"
CYRILLIC, GREEK, ARABIC, HEBREW, THAI, DEVANAGARI = "cyrillic", "greek", "arabic", "hebrew", "thai", "devanagari"
OTHER = "other"
SCRIPTS = (LATIN, HANGUL, HAN, KANA, CYRILLIC, GREEK, ARABIC, HEBREW, THAI, DEVANAGARI, OTHER)

# (first, last code point, script), sorted; letters outside every range count as OTHER.
_BLOCKS = (
    (0x0041, 0x024F, LATIN), (0x0370, 0x03FF, GREEK), (0x0400, 0x052F, CYRILLIC), (0x0590, 0x05FF, HEBREW),
    (0x0600, 0x06FF, ARABIC), (0x0750, 0x077F, ARABIC), (0x0900, 0x097F, DEVANAGARI), (0x0E00, 0x0E7F, THAI),
    (0x1100, 0x11FF, HANGUL), (0x1E00, 0x1EFF, LATIN), (0x1F00, 0x1FFF, GREEK), (0x3040, 0x30FF, KANA),
    (0x3130, 0x318F, HANGUL), (0x3400, 0x4DBF, HAN), (0x4E00, 0x9FFF, HAN), (0xA960, 0xA97F, HANGUL),
    (0xAC00, 0xD7AF, HANGUL), (0xF900, 0xFAFF, HAN), (0xFF21, 0xFF5A, LATIN), (0xFF66, 0xFF9F, KANA),
)
# A route keeps its vote when at least this share of the query's letters is in scripts its model reads: "What
# does 매출액 mean?" stays English, "2023년 GDP 성장률은?" is Korean.
READ_SHARE = 0.5

R = TypeVar("R")


def script_of(ch: str) -> str:
    """The script of one letter (see SCRIPTS); OTHER for letters outside the blocks listed here."""
    code = ord(ch)
    for first, last, script in _BLOCKS:
        if code < first:
            break
        if code <= last:
            return script
    return OTHER


def script_counts(text: str) -> dict[str, int]:
    """How many letters of `text` are in each script (digits, spaces and punctuation are not letters)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = script_of(ch)
            counts[script] = counts.get(script, 0) + 1
    return counts


def dominant_script(text: str) -> str | None:
    """The script holding most of `text`'s letters, or None when it has none."""
    counts = script_counts(text)
    return max(counts, key=lambda s: (counts[s], s)) if counts else None


def reads_query(scripts: Collection[str] | None, query: str) -> bool:
    """Whether a model reading `scripts` (None: every script) understands `query`: at least READ_SHARE of its
    letters are in those scripts, or it has no letters."""
    if scripts is None:
        return True
    counts = script_counts(query)
    letters = sum(counts.values())
    if not letters:
        return True
    return sum(n for script, n in counts.items() if script in scripts) >= READ_SHARE * letters


def voting_routes(per_route: Mapping[str, R], query: str,
                  route_scripts: Mapping[str, Collection[str] | None]) -> dict[str, R]:
    """`per_route` without the routes whose model cannot read `query` (route_scripts: route -> the scripts its
    model reads, None = every script; routes not named there always vote)."""
    return {route: ranked for route, ranked in per_route.items()
            if reads_query(route_scripts.get(route), query)}
