"""Reading text for a question: whole sentences, never cut inside a word (Korean and other scripts included).

Sentences end at ., !, ? or 。 followed by a blank, or at a line break; a sentence longer than the limit is cut
at the last blank before it (then "…"), and a run without blanks (CJK without spaces) only at a character
boundary, which for those scripts is a word boundary's nearest approximation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from chat.answer_terms import overlap, terms

_SENTENCE_END = re.compile(r"((?<=[.!?\u3002])\s+|\n+)")
# A period that does not end a sentence: "U.S.", "e.g.", "No. 3", "Fig. 2", "approx. 5", decimal points.
_ABBREVIATION = re.compile(r"(?:\b[A-Z]\.|\b(?:e\.g|i\.e|etc|vs|No|Fig|approx|Inc|Corp|Ltd|Co|Mr|Ms|Dr|St|Jan|Feb|"
                           r"Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$")
MAX_SENTENCE_CHARS = 400
_SHORT_WORDS = 4  # "GOVERNOR", "Produced by:": a label whose value is the next line


def clip(text: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    """`text` cut to at most `limit` characters at the last blank (then "…"); unchanged when it fits."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:") + " \u2026"


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of `text`, whitespace-normalised, long ones clipped at a blank."""
    parts: list[str] = []
    line_break = True
    pieces = _SENTENCE_END.split(text)
    # re.split with a capture group alternates text and separators: the separator tells a line break apart.
    for part, separator in zip(pieces[::2], pieces[1::2] + [""]):
        sentence = " ".join(part.split())
        if sentence:
            # Rejoin a split after an abbreviation ("U.S. sales") to the sentence it belongs to.
            if parts and not line_break and _ABBREVIATION.search(parts[-1]):
                parts[-1] = f"{parts[-1]} {sentence}"
            else:
                parts.append(sentence)
        line_break = "\n" in separator
    return [clip(p) for p in parts]


@dataclass(frozen=True)
class SentencePick:
    """The sentence(s) chosen from one text element: their text, the first sentence's position, and the
    question-term weight they hold (score) alone and with the element's section headings (context_score)."""

    text: str
    index: int
    score: float
    context_score: float
    terms: dict


def sentence_candidates(question: dict[str, float], text: str, section: Sequence[str] = ()) -> list[SentencePick]:
    """Every sentence of `text` that shares a term with the question; a short one (a label, a line ending with a
    colon: "Produced by:") comes with its follower, or with the line before it when it is the last one."""
    sentences = split_sentences(text)
    heading_terms = terms(" ".join(section))
    scored = [(s, terms(s)) for s in sentences]
    out: list[SentencePick] = []
    for i, (sentence, own) in enumerate(scored):
        score = overlap(question, own)
        if score <= 0:
            continue
        picked, picked_terms, last = sentence, own, i
        # A label takes the line after it, and so does a label reached that way ("Revised May 2016" "Produced
        # by:" "Florida Department of Health"), up to three lines.
        while (last + 1 < len(scored) and last - i < 2
               and (len(scored[last][0].split()) < _SHORT_WORDS or scored[last][0].endswith(":"))):
            last += 1
            picked, picked_terms = f"{picked} {scored[last][0]}", {**scored[last][1], **picked_terms}
        if last == i and i > 0 and i + 1 == len(scored) and len(sentence.split()) < _SHORT_WORDS:
            before, before_terms = scored[i - 1]
            picked, picked_terms = f"{before} {sentence}", {**before_terms, **own}
        score = overlap(question, picked_terms)
        context = overlap(question, {**heading_terms, **picked_terms})
        out.append(SentencePick(picked, i, score, context, picked_terms))
    return out
