"""What a question asks, without how to write the answer or where to look for it.

Questions often carry instructions ("Answer in millions.", "Round your answer to two decimal places.", "Please write
down the answer in integer format.") and clauses naming where to look ("By drawing conclusions from the information
stated only in the income statement,", "Using the cash flow statement, answer the following question:"). Their
words are no part of the fact asked for: scored as question terms, "information", "cash" and "flow" would pull in
"SUPPLEMENTAL CASH FLOW INFORMATION: Cash paid for income taxes" over the "Net income" asked for, and the "1" of
"with 1 decimal" would weigh as a number the question names. The extractive answerer scores candidates with
`asked_part(question)`, which keeps the statement such a clause names ("cash flow statement": its rows' context
holds those words); the retriever and the ratio reader still read the whole question. Units ("in USD millions",
"Answer in thousands") go too: "million" is in every other sentence of a filing whose tables state the scale once.
A question naming a year also scores without its period words (see question_terms).
"""
from __future__ import annotations

import re

from chat.answer_terms import terms
from chat.arithmetic_ask import PERIOD_WORDS, YEAR

# A clause (split at . ? ! : ;) that speaks of the answer or the question rather than of the documents.
_META_CLAUSE = re.compile(
    r"^\s*(?:please\s+)?(?:"
    r"(?:answer|anwser|respond|reply)\s+(?:in|with\s+(?:a|an|the)\b|using|as|the\s+following)\b"
    r"|(?:write|writhe)(?:\s+down)?\s+(?:the\s+|your\s+)?answer"
    r"|round(?:ed)?\s+(?:your|the|it|to)\b"
    r"|give\s+(?:me\s+)?(?:a|an|the|your)\b(?:\s+\w+)?\s+(?:integer|number|value|percentage|percantage|float|"
    r"answer|response)\b"
    r"|return\s+(?:me\s+)?(?:a|an|the)\b"
    r"|format\s+(?:the|your)\b"
    r"|represent\s+(?:these|the|this|it)\b"
    r"|(?:the|your)\s+answer\s+should\b"
    r"|(?:calculate|compute)\s+(?:\(or\s+extract\)\s+)?(?:the\s+answer|what\s+was\s+asked|it)\b"
    r"|base\s+your\b"
    r"|help\s+us\s+(?:calculate|compute|answer)\b"
    r"|address\s+the\s+question\b"
    r"|approach\s+the\s+question\b"
    r"|assume\s+(?:that\s+)?you\b"
    r"|here(?:'s|\s+is)\s+the\s+question\b"
    r"|we\s+want\s+to\s+(?:calculate|compute|know)\b"
    r"|(?:using|by\s+\w+ing|based\s+on)\b.*\banswer\s+the\s+(?:following\s+)?question\b"
    r")", re.I)
# A leading "where to look" clause: "According to this report,", "Using only the information within the balance
# sheet,", "Based on the information provided primarily in the balance sheet,", "By drawing conclusions from the
# information stated only in the income statement,".
_WHERE_CLAUSE = re.compile(
    r"^\s*(?:according\s+to|based\s+(?:on|upon)|using|by\s+\w+ing|relying\s+on|looking\s+at)\b[^,?]{0,120}?"
    r"\b(?:statements?|sheets?|reports?|documents?|filings?|slides?|information|details|data|papers?)\b[^,?]{0,40},",
    re.I)
# "(in USD millions)", "in USD million", "(in units of percents ...)": the unit the answer is wanted in.
_UNIT = re.compile(r"\(\s*in\s+[^()\d]*\)|\bin\s+(?:usd|us\$|\$|units\s+of)?\s*(?:millions?|billions?|thousands?|"
                   r"percents?)\b(?!\s+of\b)", re.I)
# The statement a dropped clause points at stays: "the cash flow statement" says which table holds the answer.
_STATEMENT = re.compile(r"\b(?:(?:income|cash\s+flows?|balance)\s+(?:statements?|sheets?)|statements?\s+of\s+"
                        r"(?:income|operations|earnings|cash\s+flows?|financial\s+position))\b", re.I)
# "?Answer in millions." is a clause of its own; "3.5" is not split.
_CLAUSE_END = re.compile(r"(?<=[?!:;])\s*|(?<=\.)\s+|\n+")


def asked_part(question: str) -> str:
    """`question` without its answer-format instructions, "where to look" clauses and answer units, followed by
    the financial statement such a clause names; the whole question when nothing would be left."""
    kept, named = [], []
    for clause in _CLAUSE_END.split(question):
        if clause and _META_CLAUSE.match(clause):
            named += _STATEMENT.findall(clause)
        elif clause:
            kept.append(clause)
    text = " ".join(kept)
    where = _WHERE_CLAUSE.match(text)
    if where:
        named += _STATEMENT.findall(where.group())
        text = text[where.end():]
    text = " ".join(_UNIT.sub(" ", " ".join([text, *named])).split())
    return text if re.search(r"\w", text) else question


# A question naming a year ("in FY2021", "for the fiscal year ending January 28, 2023") and not asking for a period
# wants a value for that period; its period words say when, not what: the year's number already picks the column
# or sentence, and "fiscal year ending January" would make an auditor's "as of January 28, 2023 ... for the year
# ended" outweigh the item asked for.
_ASKS_PERIOD = re.compile(r"\b(?:when|which\s+(?:year|quarter|month|period)|what\s+(?:year|date|quarter|month))\b", re.I)


def names_a_year(question: str) -> bool:
    """Whether the question names a year it wants a value for (not "which year ...", "when ...")."""
    return bool(YEAR.search(question)) and not _ASKS_PERIOD.search(question)


def question_terms(question: str) -> dict[str, float]:
    """The terms (chat.answer_terms) the extractive answerer scores candidates by: those of `asked_part`, without
    period words when the question names a year."""
    q = terms(asked_part(question))
    if names_a_year(question):
        q = {t: w for t, w in q.items() if t not in PERIOD_WORDS} or q
    return q
