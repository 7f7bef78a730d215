"""Lexical tokens for the BM25 route: one function from text to the terms a document is indexed and queried under.

- English (and any Latin-script word): NFKC, lower case, a small stop-word list, Snowball stemming (PyStemmer)
  so "revenues" meets "revenue".
- Numbers as tables write them: thousands separators and accounting brackets are dropped and a trailing percent
  sign is ignored, so "82,959", "82959" and "(82,959)" are one term and "12.5%" meets "12.5". A leading currency
  sign or minus is dropped too: people ask "how much was revenue" with the number, not with its sign. Letters
  and digits split ("FY2019" -> "fy", "2019"), so "FY 2019" and "FY2019" match.
- Korean (Hangul runs): an analyzer from KOREAN_ANALYZERS (the korean_analyzer setting, chat.settings). The default is kiwipiepy's
  morphemes, so particles and endings fall away ("매출액이" -> "매출액"); character bigrams are the alternative. On
  the Korean dev questions morphemes beat bigrams as the lexical route (recall@5 0.957 against 0.946 within
  documents, 0.946 against 0.924 across the collection, recall@1 0.804 against 0.761;
  bench/results/korean-retrieval.md). The price is Kiwi's load, about 3 CPU-seconds, paid once per process and only
  when Korean text or a Korean query is met: English-only libraries never load it.
- Other scripts (Chinese, Japanese): character bigrams as well: no segmenter is needed to match substrings.

Documents and queries go through the same function, so any normalisation applies to both sides.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import Callable, Protocol, runtime_checkable

from docparse.scripts import is_han_or_kana, is_hangul
from retrieval.english_words import INDEX_STOPWORDS, snowball_stemmer

log = logging.getLogger(__name__)

TOKENIZER_VERSION = 1  # bump when tokens change: lexical indexes built with another version are rebuilt

ENGLISH_STOPWORDS = INDEX_STOPWORDS  # the name tests and callers know

# Thousands separators inside numbers ("82,959" -> "82959"); a comma before other than exactly three digits is
# punctuation ("1,2" and "in 2019, sales" are left alone).
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# A term: a number with an optional decimal part (brackets, signs, currency and % fall away as punctuation), or a
# run of letters. One findall over the whole text: per-word Python work is what makes tokenizing slow.
_TERM = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")


def normalize_number(raw: str) -> str:
    """The term for a number as written: "82,959" -> "82959", "(1,234)" -> "1234", "12.5%" -> "12.5",
    "$3.20" -> "3.20"."""
    terms = _TERM.findall(_THOUSANDS.sub("", raw))
    return terms[0] if terms else ""


def char_bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a run of letters ("매출액" -> ["매출", "출액"]); a single letter stays whole."""
    if len(run) < 2:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


@runtime_checkable
class KoreanAnalyzer(Protocol):
    """Turns runs of Hangul (space-separated words of one text) into index terms."""

    name: str

    def terms(self, runs: list[str]) -> list[str]:
        """Index terms for these Hangul words, in order."""
        ...


class BigramKorean:
    """Character bigrams of each Hangul word: no model, no load time, robust to inflection and spacing."""

    name = "bigram"

    def terms(self, runs: list[str]) -> list[str]:
        return [gram for run in runs for gram in char_bigrams(run)]


# Kiwi part-of-speech tags kept as terms: nouns, numerals, verb and adjective stems, roots, foreign words, adverbs.
_KIWI_KEEP = ("NN", "NR", "NP", "VV", "VA", "XR", "SL", "SH", "SN", "MAG")


class KiwiKorean:
    """Morphemes from kiwipiepy (its model ships in the kiwipiepy_model wheel and loads offline, ~3 s)."""

    name = "kiwi"

    def __init__(self) -> None:
        self._kiwi = None
        self._lock = threading.Lock()

    def terms(self, runs: list[str]) -> list[str]:
        if not runs:
            return []
        with self._lock:
            if self._kiwi is None:
                try:
                    from kiwipiepy import Kiwi
                except ImportError as err:
                    raise RuntimeError("the 'kiwi' Korean analyzer needs kiwipiepy (pip install kiwipiepy); or set "
                                       f"korean_analyzer to one of {sorted(KOREAN_ANALYZERS)}") from err
                log.info("loading the Kiwi Korean morpheme analyzer (once per process)")
                self._kiwi = Kiwi()
        return [token.form for token in self._kiwi.tokenize(" ".join(runs))
                if token.tag.startswith(_KIWI_KEEP)]


KOREAN_ANALYZERS: dict[str, Callable[[], KoreanAnalyzer]] = {"bigram": BigramKorean, "kiwi": KiwiKorean}
DEFAULT_KOREAN = "kiwi"


class LexicalTokenizer:
    """text -> BM25 terms (see the module docstring). name identifies the tokens it makes: an index built with
    another name is stale (rebuilt on its next use). korean: a key of KOREAN_ANALYZERS; None = DEFAULT_KOREAN."""

    def __init__(self, korean: str | None = None) -> None:
        korean = korean or DEFAULT_KOREAN
        if korean not in KOREAN_ANALYZERS:
            raise ValueError(f"unknown Korean analyzer {korean!r} (the korean_analyzer setting); choose one "
                             f"of {sorted(KOREAN_ANALYZERS)}")
        self.korean = KOREAN_ANALYZERS[korean]()
        stem = "snowball" if snowball_stemmer() is not None else "nostem"
        self.name = f"docrag-lex-v{TOKENIZER_VERSION}-{stem}-ko:{self.korean.name}"

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)

    def tokenize(self, text: str) -> list[str]:
        """The terms of one text (repeats kept: BM25 counts them; Korean terms follow the others)."""
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        text = text.lower()
        if "," in text:
            text = _THOUSANDS.sub("", text)
        raw = _TERM.findall(text)
        stemmer = snowball_stemmer()
        if text.isascii():  # the common case, without a per-term Python loop
            words = [w for w in raw if w not in INDEX_STOPWORDS]
            return stemmer.stemWords(words) if stemmer is not None else words
        terms: list[str] = []
        hangul: list[str] = []
        for term in raw:
            if is_hangul(term[0]):
                hangul.append(term)
            elif is_han_or_kana(term[0]):
                terms.extend(char_bigrams(term))
            elif term not in INDEX_STOPWORDS:
                terms.append(term)
        if stemmer is not None:
            terms = stemmer.stemWords(terms)  # numbers and non-Latin words come back unchanged
        if hangul:
            terms.extend(self.korean.terms(hangul))
        return terms

    def tokenize_many(self, texts: list[str]) -> list[list[str]]:
        """tokenize() for each text."""
        return [self.tokenize(t) for t in texts]


def has_searchable_text(query: str) -> bool:
    """Whether a query holds any letter or digit (a blank or punctuation-only query has nothing to search for)."""
    return any(ch.isalnum() for ch in query)
