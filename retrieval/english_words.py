"""English stop words and stemming, for the lexical index (retrieval.tokenize) and the answerer's term overlap
(chat.answer_terms).

Two stop-word lists because the two readers want different things:
- INDEX_STOPWORDS is deliberately small: BM25's idf already discounts frequent words, and every word dropped here
  is gone from the index (changing it changes the tokens: bump retrieval.tokenize.TOKENIZER_VERSION).
- QUESTION_STOPWORDS adds the words a question is phrased with ("tell", "show", "table", "page", pronouns and
  modals): the extractive answerer scores evidence by the question's content words, and "table" or "please"
  would make every row look relevant.

Two stemmers for the same reason: the index uses Snowball (PyStemmer) so "revenues" meets "revenue" across a whole
library; the answerer's terms only fold plurals, and its overlap lets other inflections ("repurchasing" /
"repurchased") match by the Snowball stem at half weight (chat.answer_terms), without PyStemmer exactly.
"""
from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)

INDEX_STOPWORDS = frozenset("""
a an and are as at be but by for from has have in into is it its of on or that the their there these this those
to was were which will with what when where who how does did do
""".split())

QUESTION_STOPWORDS = INDEX_STOPWORDS | frozenset("""
about according all also am answer any been being can could describe document documents done each enumerate
explain figure find float format give had having he her here him his i if integer list many may me mentioned
might much must my no nor not onto our over page pages per please report shall she should show slide slides so
some such table tell than them then they under us via vs we whom whose why without would write you your
""".split())


@functools.lru_cache(maxsize=1)
def snowball_stemmer():
    """PyStemmer's English Snowball stemmer (`stemWords(list)`), or None (with one warning) when it is missing."""
    try:
        import Stemmer  # PyStemmer: Snowball stemmers compiled in C
    except ImportError:
        log.warning("PyStemmer is not installed: lexical search runs without stemming (pip install PyStemmer)")
        return None
    return Stemmer.Stemmer("english")


def fold_plural(word: str) -> str:
    """Crude plural folding so "sales" matches "sale"; enough for overlap scoring, not linguistics."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
