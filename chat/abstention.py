"""Saying "Not found in the documents" when the evidence does not support an answer.

Extractive answers abstain when their best candidate holds less than `SUPPORT_THRESHOLD` of the question's term
weight (chat.answer_terms.coverage: numbers weigh 3, words 1), or when no evidence item mentions a name the
question asks about ("Amazon" in a deck about Facebook and Twitter), or a number, model version ("GPT-4o") or
month and year ("May 2018") it names; the threshold is calibrated on the dev split
by bench/abstention.py (see bench/results/answers.md). A generator's answer counts as an abstention when it says it
found nothing (the system prompt asks for the words "not found in the documents") and cites nothing, or opens
with those words.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Sequence

from docparse.scripts import CJK

NOT_FOUND = "Not found in the documents."
# Calibrated on the dev split (bench/abstention.py): the threshold that abstains on the most unanswerable questions
# while false abstention on answerable ones stays at or under 10%, the lowest of those that abstain alike.
SUPPORT_THRESHOLD = 0.1
_MAX_NEAREST_CHARS = 240
_DATE_PATTERN = re.compile(r"[YMDHS]+(?:[-/.: ][YMDHS]+)*")  # "YYYY-MM-DD": a format to answer in, not a name
_NAME_TOKEN = re.compile(r"[^\W_][\w'.\-+]*")
_INSTRUCTIONS = frozenset("write answer format list enumerate give please provide note return express round "
                          "output".split())
# Units, fiscal periods and derived metrics that questions write in capitals ("in USD millions", "FY 2021", "the
# EBITDA margin", "PP&E"): a filing prints the amounts and the line items they are computed from, not these words,
# so their absence from the evidence says nothing about whether it answers.
_UNIT_AND_METRIC_WORDS = frozenset(
    "usd eur gbp jpy cny rmb krw inr chf cad aud hkd sgd "
    "fy ytd yoy qoq ttm ltm mom bps "
    "ebitda ebitdar ebit eps cogs sga dpo dso dio ccc roa roe roi roic roce capex opex fcf nopat wacc cagr "
    "pp ppne ppe arpu".split())
# A misspelt name ("Neflix", "Activsion") is held by an evidence word this many edits away (transpositions count
# one); short words get no slack because one edit turns one short name into another ("Iran" / "Iraq").
_TYPO_EDITS = ((8, 2), (5, 1))
_ALIAS = re.compile(r"(?P<name>[^\W\d_][\w.&'-]*(?:\s+[A-Z][\w.&'-]*)*)\s*\(\s*(?:formerly|also|now|previously)\s+"
                    r"(?:known\s+as|called|named)\s+(?P<other>[^)]+?)\s*\)")

_MODEL_NOT_FOUND = re.compile(
    r"not\s+(?:be\s+)?found\s+in\s+the\s+(?:provided\s+|given\s+)?(?:documents?|evidence)"
    r"|(?:documents?|evidence)\s+(?:provided\s+)?(?:do(?:es)?\s+not|don't|doesn't)\s+"
    r"(?:contain|mention|include|provide|say|state|specify)"
    r"|문서에서\s*찾을\s*수\s*없|문서에\s*(?:없|나와\s*있지\s*않)", re.IGNORECASE)


def names(question: str) -> list[str]:
    """The names a question asks about: capitalised words inside a sentence ("Amazon", "HOVER", "LLaVa"), not at
    its start, not instructions ("Write the answer ..."), not units or derived metrics ("USD", "FY", "EBITDA"),
    nothing from an all-capitals question; words with digits are left out (years and figures often live only in
    charts and images)."""
    question = unicodedata.normalize("NFKC", question)  # "𝗖𝗨" is "CU"
    letters = [c for c in question if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) > len(letters) / 2:
        return []
    out = []
    for match in _NAME_TOKEN.finditer(question):
        word = match.group().strip(".'-")
        before = question[:match.start()].rstrip()
        if (not word or not before or before[-1] in ".?!:;\"(\u201c" or any(c.isdigit() for c in word)
                or word.lower() in _INSTRUCTIONS or not any(c.isupper() for c in word)
                or _DATE_PATTERN.fullmatch(word)):
            continue
        # "AMCOR'FY", "Netflix's": each part on its own, possessive "s" and unit words dropped; in Korean the
        # Latin part of a word only ("Workshop에서의" -> "Workshop", "글랜스TV는" -> "TV"): capitals mark names
        # in Latin script alone, and particles are no part of the name.
        out += [part for part in re.split(rf"['\u2019]|[{CJK}]+", word)
                if len(part) > 1 and any(c.isupper() for c in part)
                and re.sub(r"\W", "", part.lower()) not in _UNIT_AND_METRIC_WORDS]
    return out


def missing_names(question: str, vocabulary: Iterable[str], text: str = "") -> list[str]:
    """The question's names (see `names`) of which the evidence holds no term; a term counts as held when the
    evidence has it, or from four letters on a word it begins or that begins it ("Russia" / "Russian"), or from
    five letters on a word with the same first letter one typing slip away (two from eight letters: "Neflix" /
    "Netflix"); a run of names counts as held when `text` (the evidence) writes its initials ("United States" /
    "U.S."); of a renamed company ("Block (formerly known as Square)") either name is enough."""
    from chat.answer_terms import terms

    found = names(question)
    initials = _initials(question, found)
    held_runs = {run for run, letters in initials.items()
                 if re.search(r"\b" + r"\.?\s?".join(letters) + r"\b\.?", text)}
    found = [name for name in found if not any(name in run.split() for run in held_runs)]
    held = set(vocabulary)
    long_terms = [t for t in held if len(t) >= 4]

    def present(term: str) -> bool:
        if term in held:
            return True
        if len(term) >= 4 and any(t.startswith(term) or term.startswith(t) for t in long_terms):
            return True
        return _misspelt(term, long_terms)

    missing = [name for name in found if not all(present(t) for t in terms(name))]
    # "Block (formerly known as Square)": either name of a renamed company is enough.
    for alias in _ALIAS.finditer(question):
        pair = (alias["name"].split(), alias["other"].split())
        held_either = any(all(present(t) for t in terms(" ".join(side))) for side in pair)
        if held_either:
            missing = [name for name in missing if name not in pair[0] + pair[1]]
    return missing


def _misspelt(term: str, vocabulary: Sequence[str]) -> bool:
    """Whether an evidence word is within the typo allowance of `term` (see _TYPO_EDITS)."""
    from rapidfuzz.distance import OSA

    edits = next((n for length, n in _TYPO_EDITS if len(term) >= length), 0)
    if not edits or term[:1].isdigit():
        return False
    # Slips keep the first letter; without that rule "Hover" would be held by "cover".
    return any(t[:1] == term[:1] and abs(len(t) - len(term)) <= edits
               and OSA.distance(term, t, score_cutoff=edits) <= edits for t in vocabulary)


def _initials(question: str, found: Sequence[str]) -> dict[str, list[str]]:
    """Runs of two or more consecutive names in the question ("United States") with their initials."""
    runs: dict[str, list[str]] = {}
    words = question.replace(",", " ").split()
    run: list[str] = []
    for word in words + [""]:
        word = word.strip(".?!;:'\"()")
        if word and word in found:
            run.append(word)
            continue
        if len(run) >= 2:
            runs[" ".join(run)] = [re.escape(w[0].upper()) for w in run]
        run = []
    return runs


# Numbers a question uses rather than names: references to the document's own parts (page 9, Figure 3, Table 2),
# thresholds and constants of a computation ("lower than $2.00", "365 *"), ordinals ("15th": ranks are read, not
# printed) and anything in a format example ("for example [3000, 4000]").
_REFERENCE_BEFORE = re.compile(r"(?:\b(?:page|pages|p|pp|figure|figures|fig|table|tables|tab|section|chapter|slide|"
                               r"slides|appendix|step|steps|level|question|example|line|row|column|item|note|footnote|"
                               r"exhibit|part|no|number)\.?|[<>\u2264\u2265*/\u00d7+=]|\b(?:than|over|under|above|"
                               r"below|least|most|exceeding|exceeds?|top)\s+[$\u20ac\u00a3]?)\s*(?:and\s+|or\s+)?$",
                               re.I)
_ORDINAL_OR_OPERATOR_AFTER = re.compile(r"^[^\W\d_]|^\s*[*/\u00d7]")  # "15th", "2019s", "3M", "* 100"
_FORMAT_EXAMPLE = re.compile(r"\b(?:for example|e\.g\.|such as|like this|in the format)\b", re.I)
_QUESTION_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def named_numbers(question: str) -> list[str]:
    """The numbers a question names as part of what it asks about ("in 2024", "iOS 7", "the 50-shot setting"),
    commas dropped; see _REFERENCE_BEFORE for the numbers it only uses. Dates written with dots ("2002.1.26") are
    left out: documents write them in too many ways."""
    question = unicodedata.normalize("NFKC", question)
    example = _FORMAT_EXAMPLE.search(question)
    text = question[:example.start()] if example else question
    out = []
    for match in _QUESTION_NUMBER.finditer(text):
        before, after = text[:match.start()], text[match.end():]
        if (_REFERENCE_BEFORE.search(before) or _ORDINAL_OR_OPERATOR_AFTER.search(after)
                or re.match(r"\.\d", after)):
            continue
        out.append(match.group().replace(",", ""))
    return list(dict.fromkeys(out))


def missing_numbers(question: str, text: str) -> list[str]:
    """The numbers the question names (`named_numbers`) that the evidence `text` never states: an extractive
    answer cannot be grounded on a year or version no passage it can read mentions ("in 2024" over a 2018
    survey). "2.0" is stated by "2", a year by its short forms ("FY24", "'24"); thousands separators are ignored.
    Only for questions in Latin script: the rule is calibrated on the English dev questions, the only ones with
    unanswerable questions to calibrate on (Korean documents also write years as "24년" and dates as "24.2월")."""
    if re.search(f"[{CJK}]", question):
        return []
    plain = unicodedata.normalize("NFKC", text).replace(",", "")
    missing = []
    for number in named_numbers(question):
        forms = [re.escape(number.rstrip("0").rstrip(".") if "." in number else number) + r"(?:\.0+)?"]
        if re.fullmatch(r"(?:19|20)\d\d", number):
            forms.append(r"(?:FY|\u2019|')" + number[2:])
        if not any(re.search(r"(?<![\d.])" + f + r"(?![\d]|\.\d)", plain, re.I) for f in forms):
            missing.append(number)
    return missing


# Identifiers: a word that mixes letters and digits, starting with a letter and holding a capital ("GPT-4o",
# "PaLM-2L", "COVID-19"). One character tells two models or versions apart, so they are matched exactly, never with
# the typo allowance that names get. Fiscal periods ("FY2021", "Q3", "H1", "F2019") and references to the document's
# own parts ("Table1-1", "Figure3") are not things a question asks about.
_IDENTIFIER = re.compile(r"(?<![\w\-.])[^\W\d_][\w]*(?:[\-.+][\w]+)*")
_PERIOD_OR_REFERENCE = re.compile(r"(?:FY|CY|F|Q|H)\d+|(?:Q[1-4])(?:FY)?\d*|(?:table|figure|fig|exhibit|appendix|"
                                  r"section|page|chapter|slide|step|level)[\-.]?\d[\w.\-]*", re.I)
_SEPARATOR = r"[\s\-_./]{0,2}"


def identifiers(question: str) -> list[str]:
    """The identifiers a question names (see _IDENTIFIER), in Latin-script questions only."""
    question = unicodedata.normalize("NFKC", question)
    if re.search(f"[{CJK}]", question):
        return []
    out = []
    for match in _IDENTIFIER.finditer(question):
        word = match.group().rstrip(".-+")
        if (any(c.isdigit() for c in word) and any(c.isupper() for c in word)
                and not _PERIOD_OR_REFERENCE.fullmatch(word)):
            out.append(word)
    return list(dict.fromkeys(out))


def missing_identifiers(question: str, text: str) -> list[str]:
    """The question's identifiers (`identifiers`) that the evidence `text` never writes: letter and digit runs in
    the same order, separators free ("GPT-4" / "GPT 4" / "GPT4"), and nothing more run on ("GPT-4" does not hold
    "GPT-4o", while "GPT-4o-mini" holds "GPT-4o")."""
    plain = unicodedata.normalize("NFKC", text)
    missing = []
    for word in identifiers(question):
        runs = re.findall(r"[^\W\d_]+|\d+", word)
        pattern = r"(?<![^\W_])" + _SEPARATOR.join(re.escape(r) for r in runs) + r"(?![^\W_])"
        if not re.search(pattern, plain, re.I):
            missing.append(word)
    return missing


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_QUESTION_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d\d)\b",
                            re.I)


def missing_dates(question: str, text: str) -> list[str]:
    """The month-and-year dates the question names ("revised on May 2018", "as of March 31, 2017") that the
    evidence `text` never writes: the month (or its abbreviation) followed by the year with no word between
    ("May 2018", "May 31, 2018", a table header "March 31," over "2017 2016"), the year then the month, or in
    digits ("05/31/2018", "2018-05"). A year stated for another month does not answer for this one."""
    if re.search(f"[{CJK}]", question):
        return []
    plain = unicodedata.normalize("NFKC", text)
    missing = []
    for match in _QUESTION_DATE.finditer(unicodedata.normalize("NFKC", question)):
        month, year = match.group(1).lower(), match.group(2)
        number = _MONTHS.index(month) + 1
        name = month[:3] + r"[a-z]*\.?"
        forms = (name + r"[^a-z]{0,30}?(?<!\d)" + year + r"(?!\d)",
                 r"(?<!\d)" + year + r"[\s,./-]{0,3}" + name + r"(?![a-z])",
                 rf"(?<!\d)0?{number}[/.-](?:\d{{1,2}}[/.-])?(?:{year}|{year[2:]})(?!\d)",
                 rf"(?<!\d){year}[/.-]0?{number}(?!\d)")
        if not any(re.search(r"\b" + form if form[0] != "(" else form, plain, re.I) for form in forms):
            missing.append(match.group(0))
    return list(dict.fromkeys(missing))


# An organisation or title written as "<Name> of <Name>" ("Florida Department of Health", "Bank of America"): its
# words are one name, so evidence naming "Florida", a "Department" and "Science" apart does not hold "Florida
# Department of Science".
_OF_NAME = re.compile(r"(?<![\w.])(?:[A-Z][\w&'-]*\s+)*[A-Z][\w&'-]*\s+of\s+(?:the\s+)?[A-Z][\w&'-]*"
                      r"(?:\s+[A-Z][\w&'-]*)*")


def missing_phrases(question: str, text: str) -> list[str]:
    """The "<Name> of <Name>" names of a question (not opening it) that the evidence `text` never writes as one
    phrase; case, blanks and a plural "s" are free ("Gestalt Principle of Visual Perception" is held by "Gestalt
    Principles of Visual Perception")."""
    if re.search(f"[{CJK}]", question):
        return []
    question = unicodedata.normalize("NFKC", question)
    plain = " ".join(unicodedata.normalize("NFKC", text).split())
    missing = []
    for match in _OF_NAME.finditer(question):
        before = question[:match.start()].rstrip()
        if not before or before[-1] in ".?!:;\"(\u201c" or re.search(r"\d", match.group()):
            continue  # "Q2 of FY2023" is a period, not a name
        words = match.group().split()
        pattern = r"\s+".join(re.escape(w.rstrip("s")) + r"(?:s|es)?" for w in words)
        if not re.search(r"(?<!\w)" + pattern + r"(?!\w)", plain, re.I):
            missing.append(match.group())
    return missing


def supported(support: float, threshold: float = SUPPORT_THRESHOLD) -> bool:
    """Whether a candidate holding `support` of the question's weight is enough to answer."""
    return support >= threshold


def model_abstained(text: str, cited: int) -> bool:
    """Whether a generator's answer says the documents do not answer: the not-found wording with no citation,
    or as its opening sentence."""
    match = _MODEL_NOT_FOUND.search(text or "")
    if match is None:
        return False
    opening = text[:match.start()]
    return cited == 0 or (len(opening) < 40 and "[" not in opening)


def searched_line(question: str, sources: Sequence[str], passages: int, missing: Sequence[str] = ()) -> str:
    """What was searched: the question's content words, the documents the evidence came from, and the names none
    of it mentions."""
    from chat.answer_terms import terms

    words = [w.strip(",.'\"") for w in re.findall(r"[^\s?!;:()]+", question)]
    shown = ", ".join(list(dict.fromkeys(w for w in words if w and terms(w)))[:8]) or "the question"
    docs = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    where = f" in {docs}" if docs else ""
    absent = f" None of them mentions: {', '.join(missing)}." if missing else ""
    return f"Searched {passages} passages{where} for: {shown}.{absent}"


def not_found_text(searched: str, nearest: str | None) -> str:
    """The abstention: the verdict, what was searched, and the nearest evidence (cited) when there is some."""
    lines = [NOT_FOUND, searched]
    if nearest:
        lines.append(f"Nearest evidence: {nearest}")
    return "\n".join(lines)


def clip_nearest(text: str) -> str:
    """The nearest evidence cut to a line at a blank."""
    from chat.sentence_answer import clip

    return clip(" ".join(text.split()), _MAX_NEAREST_CHARS)
