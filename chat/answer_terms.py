"""The content terms of questions and evidence, shared by the extractive answerer, its table and sentence readers
and the follow-up rule.

English words are lower-cased, stop-words dropped and plural `s` stripped, and overlap also matches other
inflections of a word by its Snowball stem at half weight; Korean (and other CJK) text is compared
by character bigrams because Korean words inflect (`매출은`, `매출이`, `매출을` share the bigram `매출`); numbers
count extra because a question that names a number or year usually wants the row or sentence holding it.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import unicodedata
from typing import Iterator

from docparse.scripts import CJK
from retrieval.english_words import QUESTION_STOPWORDS, fold_plural
from retrieval.tokenize import char_bigrams

# Question-word and instruction bigrams that carry no content, as "what", "explain" and "describe" are English
# stop words: 얼마인가 "how much is", 무엇 "what", 입니까 "is it?", 어떤/어떠한 "what kind of", 설명하시오
# "explain", 구체적으로 "in detail", 알려주세요 "tell me", 있는지/인지 "whether".
_CJK_STOP = frozenset({"무엇", "얼마", "인가", "입니", "니까", "습니", "나요", "어떻", "떻게", "엇인", "었나", "는가",
                       "어떤", "어떠", "떠한", "엇이", "설명", "명하", "하시", "시오", "해주", "주세", "세요", "주실",
                       "구체", "체적", "적으", "알려", "려주", "는지", "인지", "까요", "가요", "되나"})
_CJK_RUN = re.compile(f"[{CJK}]+")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(rf"[^\W\d_{CJK}]+")

NUMBER_WEIGHT = 3.0
# Inflections match at half weight: they order candidates ("we repurchased" for "repurchasing") without lifting a
# weak one over the abstention threshold, which is checked on exact terms (see exact_words).
INFLECTION_WEIGHT = 0.5
_INFLECTIONS: contextvars.ContextVar[bool] = contextvars.ContextVar("answer_terms_inflections", default=True)


def terms(text: str) -> dict[str, float]:
    """Content terms of `text` with their weights: words 1, CJK bigrams 1, numbers (commas removed) 3."""
    lowered = unicodedata.normalize("NFKC", text).lower()
    out: dict[str, float] = {}
    for number in NUMBER.findall(lowered):
        out[number.replace(",", "")] = NUMBER_WEIGHT
    for word in _WORD.findall(lowered):
        if word not in QUESTION_STOPWORDS and len(word) > 1:
            out.setdefault(fold_plural(word), 1.0)
    for run in _CJK_RUN.findall(lowered):
        for gram in char_bigrams(run):
            if gram not in _CJK_STOP:
                out.setdefault(gram, 1.0)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _stem(term: str) -> str:
    """The Snowball stem of an English term ("repurchas" for "repurchasing" and "repurchased"); other terms as
    they are (numbers, CJK bigrams, words under four letters, or all of them without PyStemmer)."""
    from retrieval.english_words import snowball_stemmer

    stemmer = snowball_stemmer()
    if stemmer is None or len(term) < 4 or not term.isascii() or not term.isalpha():
        return term
    return stemmer.stemWord(term)


@contextlib.contextmanager
def exact_words() -> Iterator[None]:
    """Within the block, overlap and focus count exact terms only (the support an abstention threshold was
    calibrated on)."""
    token = _INFLECTIONS.set(False)
    try:
        yield
    finally:
        _INFLECTIONS.reset(token)


def overlap(question: dict[str, float], candidate: dict[str, float] | set[str]) -> float:
    """Sum of the weights of question terms present in the candidate; a term present only in another inflection
    ("repurchasing" / "repurchased") counts INFLECTION_WEIGHT of its weight."""
    held = sum(weight for term, weight in question.items() if term in candidate)
    if not _INFLECTIONS.get():
        return held
    stems = {_stem(t) for t in candidate}
    return held + INFLECTION_WEIGHT * sum(weight for term, weight in question.items()
                                          if term not in candidate and _stem(term) in stems)


def focus(question: dict[str, float], candidate: dict[str, float]) -> float:
    """Share of the candidate's terms that the question names: between two rows that match "total net sales"
    equally, "Total net sales" (1.0) is the one asked for, not "Percentage of total net sales" (0.75)."""
    if not candidate:
        return 0.0
    if not _INFLECTIONS.get():
        return sum(1 for term in candidate if term in question) / len(candidate)
    stems = {_stem(t) for t in question}
    return sum(1 for term in candidate if term in question or _stem(term) in stems) / len(candidate)


def coverage(question: dict[str, float], candidate: dict[str, float] | set[str]) -> float:
    """Share of the question's term weight that the candidate holds (0 for a question without content terms)."""
    total = sum(question.values())
    return overlap(question, candidate) / total if total else 0.0
