"""Reading a question for the arithmetic it asks: the operation, the periods (years) it names, and the two items
it compares ("the difference between X and Y", "X as a percentage of Y", "X was what multiple of Y").

Only the wording decides: a question that names no operation asks for none, whatever its evidence holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from chat.answer_terms import terms

YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_SHORT_FISCAL = re.compile(r"\bFY\s?'?(\d{2})(?!\d)", re.I)  # "FY19", "FY '18"
# Words that name a period, not an item: they pick no row and weigh nothing once the question names its year.
PERIOD_WORDS = frozenset({"fiscal", "year", "ended", "ending", "quarter", "month", "january", "february", "march",
                          "april", "may", "june", "july", "august", "september", "october", "november", "december",
                          "fy"})


def years_in(text: str) -> list[int]:
    """The years `text` names, in order: "2019", "FY2019" and the short fiscal form "FY19"."""
    found = [(m.start(), int(m.group(0))) for m in YEAR.finditer(text)]
    found += [(m.start(), 2000 + int(m.group(1))) for m in _SHORT_FISCAL.finditer(text)]
    return [year for _, year in sorted(found)]

_P = r"(?:percent(?:age)?|%)"
# Checked in this order: "percentage change" before "change", "average total" is an average, "change in total
# accrued expenses" a change.
_OPERATIONS = (
    ("percent_change", re.compile(
        rf"\b{_P}\s*(?:change|increase|decrease|growth|decline|rise|drop|reduction|gain|fall)\b|\bgrowth\s+rate\b|"
        r"\brate\s+of\s+(?:change|growth|increase|decrease|decline)\b|\bby\s+what\s+percent(?:age)?\b|"
        rf"\bwhat\s+{_P}\s+(?:did|has|have|was|were|is|does)\b.*\b(?:increase|decrease|change|grow|growth|decline|"
        r"rise|fall|drop)|증가율|감소율|성장률|증감률|변동률", re.I)),
    ("share", re.compile(
        r"\bwhat\s+(?:percent(?:age)?|portion|proportion|share|fraction)\s+of\b|"
        r"\bpercentage\s+(?:constitution|share|composition|contribution)\b|"
        r"\bas\s+an?\s+(?:%|percent(?:age)?|share|proportion|portion)\s+of\b|"
        r"\b(?:percent(?:age)?|share|proportion|portion)\s+of\s+.+\s+(?:among|in|of|to|within)\s+(?:the\s+)?total\b",
        re.I)),
    ("ratio", re.compile(r"\bwhat\s+multiple\s+of\b|\bratio\s+of\b.+\bto\b|\bto\b.+\bratio\b", re.I)),
    ("average", re.compile(r"\baverage\b|\bmean\b|평균", re.I)),
    ("change", re.compile(r"\b(?:chang(?:e|es|ed)|increas(?:e|es|ed)|decreas(?:e|es|ed)|difference|grow(?:th|n|s)?|"
                          r"grew|declin(?:e|es|ed)|ris(?:e|es|en)|rose|drop(?:s|ped)?|variance)\b|"
                          r"증가|감소|차이|증감|변화|변동", re.I)),
    ("total", re.compile(r"\b(?:total|sum|combined|altogether|aggregate)\b|합계|합산|총합", re.I)),
)
# Words a row label or column header holds when it already states the operation's result.
OPERATION_WORDS = {
    "percent_change": re.compile(r"\bchanges?\b|\bgrowth\b|\bincrease\b|\bdecrease\b|증감|증가|감소", re.I),
    "change": re.compile(r"\bchanges?\b|\bincrease\b|\bdecrease\b|\bvariance\b|\bdifference\b|증감|증가|감소|차이",
                         re.I),
    "average": re.compile(r"\baverage\b|\bmean\b|평균", re.I),
    "total": re.compile(r"\btotal\b|합계|총", re.I),
}
# Periods shorter than a year: "the first quarter of 2019", "Q2", "three months ended", "1분기".
SUB_YEAR = re.compile(r"\b(?:quarters?|quarterly|q[1-4]|months?|monthly|half|semi-?annual|weeks?)\b|분기|반기|개월",
                      re.I)
# A question about causes or reasons ("What drove the change in operating margin?") asks for no value.
_WHY = re.compile(r"^\s*(?:why|explain|describe)\b|\bwhat\s+(?:drove|drives|caused|causes|led\s+to|contributed)\b|"
                  r"\b(?:reasons?|drivers?)\s+(?:for|of|behind)\b|왜|이유|원인", re.I)
_SHARE_ITEMS = (
    re.compile(r"\b(?:what|the)\s+(?:percent(?:age)?|portion|proportion|share|fraction)\s+of\s+(?P<whole>.+?)\s+"
               r"(?:is|are|was|were|did|does|do|came|comes)\s+(?:comprised\s+of\s+|made\s+up\s+(?:of|by)\s+|"
               r"from\s+|due\s+to\s+|attributable\s+to\s+|accounted\s+for\s+by\s+|related\s+to\s+|"
               r"represented\s+by\s+)?(?P<part>.+)", re.I),
    re.compile(r"(?P<part>.+?)\s+as\s+an?\s+(?:%|percent(?:age)?|share|proportion|portion)\s+of\s+(?P<whole>.+)",
               re.I),
    re.compile(r"\b(?:percent(?:age)?|share|proportion|portion)(?:\s+(?:constitution|share|composition|"
               r"contribution))?\s+of\s+(?P<part>.+?)\s+(?:among|in|of|to|within)\s+(?P<whole>(?:the\s+)?total\b.+)",
               re.I),
)
_RATIO_ITEMS = (
    re.compile(r"(?P<x>.+?)\s+(?:was|were|is|are)\s+what\s+multiple\s+of\s+(?P<y>.+)", re.I),
    re.compile(r"\bratio\s+of\s+(?P<x>.+?)\s+to\s+(?P<y>.+)", re.I),
    re.compile(r"(?P<x>[\w&]+(?:\s+[\w&]+)?)-to-(?P<y>[\w&]+(?:[\s-][\w&]+){0,3}?)\s+ratio\b", re.I),
    re.compile(r"\b(?:what\s+(?:is|was|were|are)\s+(?:the\s+)?)(?P<x>.+?)\s+to\s+(?P<y>.+?)\s+ratio\b", re.I),
)
# "(in units of percents)", "answer in percentage terms": a change asked as a percentage of the earlier value.
_IN_PERCENT = re.compile(r"\bin\s+(?:units\s+of\s+)?percent(?:s|age)?(?:\s+terms?)?\b|\bas\s+a\s+percent(?:age)?\b",
                         re.I)
_DECIMALS = re.compile(r"\brounde?d?\s+(?:\w+\s+){0,3}?to\s+(?:the\s+nearest\s+)?(?P<n>\w+)(?:\s+decimal)?", re.I)
_DECIMAL_WORDS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "integer": 0, "whole": 0,
                  "tenth": 1, "hundredth": 2, "thousandth": 3}
# "FY2017 - FY2019", "2017 through 2019": every year of the range, for an average or a total.
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:-|\u2013|through|thru)\s*(?:fy\s*)?((?:19|20)\d{2})(?!\d)", re.I)
_BETWEEN = re.compile(r"\bdifference\b.*?\bbetween\s+(?P<items>.+)", re.I)
# Words that say what to compute or how to state it, not what it is about: no evidence needs to hold them ("the
# number of staff" is about the staff: a "Total staff" row states their number).
_NOT_SUBJECT = frozenset(
    "change increase increased decrease decreased difference growth grow grew rate percentage percent average mean "
    "total sum combined altogether aggregate ratio multiple share portion proportion fraction constitution value "
    "amount year fiscal fy period both respectively net answer round decimal place unit term calculate million "
    "thousand billion yoy over january february march april may june july august september october november "
    "december quarter ended ending between number".split())
# Latin words and numbers that are no year ("3" of "3-hop"); CJK bigrams are too loose to require of evidence.
_SUBJECT_TERM = re.compile(r"^(?:[a-z][a-z'&-]*|\d+(?:\.\d+)?)$")
# "In which year was X less than 70 thousands?": the periods whose value passes a limit.
_THRESHOLD = re.compile(
    r"\bwhich\s+(?:fiscal\s+)?(?:years?|periods?|quarters?|months?)\b(?P<item>.*?)\b(?P<cmp>less|lower|fewer|smaller|"
    r"below|under|more|greater|higher|larger|above|over)\s+(?:than\s+)?[$€£¥₩]?(?P<num>\d[\d,]*(?:\.\d+)?)\s*"
    r"(?P<scale>thousand|million|billion)?", re.I)
# "Answer in USD millions", "(in $ billions)", "in millions of dollars", "in thousand": the scale an amount is asked
# in ("less than 70 thousands" is a limit, not a scale asked).
_IN_SCALE = re.compile(r"\bin\s+(?:(?:usd|us\s*\$|us\s+dollars?|dollars?|[$€£¥])\s*)?(thousand|million|billion)s?\b",
                       re.I)
_BELOW = frozenset({"less", "lower", "fewer", "smaller", "below", "under"})
# "How much higher is X compared to Y?", "How many more X in 2015 than in 2014?": a difference of two items, or the
# change between two periods.
_HOW_MUCH_MORE = re.compile(r"\bhow\s+(?:much|many)\s+(?P<cmp>higher|lower|more|less|greater|larger|smaller|bigger|"
                            r"fewer)\b(?P<x>.*?)\s+(?:than|compared\s+(?:to|with)|versus|vs\.?)\s+(?P<y>.+)", re.I)
_AUXILIARY = re.compile(r"^(?:(?:is|was|are|were|did|does|do|has|have|had)\b\s*)+", re.I)
_LEAD = re.compile(r"^(?:(?:what|how|in|for|the|during|as\s+of)\b[\s,]*|(?:19|20)\d{2}\b[\s,]*)+", re.I)


@dataclass(frozen=True)
class ArithmeticAsk:
    """What a question asks to compute. op: "change", "percent_change", "average", "total", "difference",
    "share" or "ratio"; periods: the years it names, in its order; pairs: for "difference", "share" and "ratio",
    the candidate (first item, second item) readings of its wording (share: part, whole; ratio: numerator,
    denominator; "X and Y" may split at more than one "and"); decimals: the rounding asked ("round to one
    decimal place"), else 2; in_percent: a change asked "in percentage terms"; subject: the question's own
    content words (not its operation, periods or units), which the evidence a value is computed from must hold;
    sub_year: it names quarters, months or halves, which whole-year columns do not answer; span: the length of
    period it names ("three months", "nine months"), which picks among a table's columns of the same year;
    limit, below, limit_scale: for "threshold" ("in which year was X less than 70 thousand?"), the number the
    values are compared with, whether they must be below it (else above), and its scale word ("thousand");
    scale: the scale an amount is asked in ("billion" for "Answer in USD billions"), "" for none."""

    op: str
    periods: tuple[int, ...]
    pairs: tuple[tuple[str, str], ...] = ()
    decimals: int = 2
    in_percent: bool = False
    subject: tuple[str, ...] = ()
    sub_year: bool = False
    span: str = ""
    limit: float | None = None
    below: bool = False
    limit_scale: str = ""
    scale: str = ""


@dataclass(frozen=True)
class AskedScale:
    """The scale a question asks its amounts in ("million" for "Answer in USD millions") and the decimals it asks
    them rounded to (2 unless it asks otherwise)."""

    scale: str
    decimals: int = 2


def asked_scale(question: str) -> AskedScale | None:
    """The scale `question` asks its amount in (its instructions after the "?" included), or None."""
    match = _IN_SCALE.search(" ".join(question.split()))
    return AskedScale(match.group(1).lower(), asked_decimals(question)) if match else None


def _clean(phrase: str) -> str:
    return _LEAD.sub("", phrase.strip(" ,;:?.!")).strip(" ,;:?.!")


def is_period(phrase: str) -> bool:
    """A phrase that names only a period ("2018", "fiscal 2019", "December 31, 2018", "the year 2017")."""
    rest = re.sub(r"\b(?:fiscal|years?|fy|ended|ending|as|of|at|the|in|for|end|december|june|march|september|"
                  r"january|february|april|may|july|august|october|november|q[1-4]|first|second|third|fourth|"
                  r"quarter|half)\b", " ", _SHORT_FISCAL.sub(" ", YEAR.sub(" ", phrase)), flags=re.I)
    return bool(years_in(phrase)) and not re.search(r"[^\W\d_]", rest)


def _and_splits(text: str) -> tuple[tuple[str, str], ...]:
    """Every reading of "X and Y" as two items, split at each " and "."""
    parts = re.split(r"\s+and\s+", text)
    out = []
    for cut in range(1, len(parts)):
        x, y = _clean(" and ".join(parts[:cut])), _clean(" and ".join(parts[cut:]))
        if x and y:
            out.append((x, y))
    return tuple(out)


_SPAN = re.compile(r"\b(three|six|nine|twelve|3|6|9|12|13|26|39|52)[\s-]+(months?|weeks?)\b", re.I)
_DAY = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.I)
_SPAN_NUMBERS = {"3": "three", "6": "six", "9": "nine", "12": "twelve"}


def period_span(text: str) -> str:
    """The length of period `text` names, spelt out ("three months" for "3-month"), or ""."""
    match = _SPAN.search(text)
    if not match:
        return ""
    count = match.group(1).lower()
    return f"{_SPAN_NUMBERS.get(count, count)} {match.group(2).lower().rstrip('s')}"


def asked_decimals(question: str, default: int = 2) -> int:
    """The decimals a question asks its answer rounded to ("round to three decimal places" -> 3), else
    `default`."""
    rounding = _DECIMALS.search(question)
    if not rounding:
        return default
    if rounding["n"].isdigit():
        return min(int(rounding["n"]), 6)
    return _DECIMAL_WORDS.get(rounding["n"].lower(), default)


def _more_ask(match: re.Match, periods: tuple[int, ...], decimals: int, subject: tuple[str, ...], sub_year: bool,
              length: str) -> ArithmeticAsk | None:
    """"How much higher is X than Y": X minus Y (Y minus X for "lower", "less", "fewer": by how much X falls
    short); Y a period ("in 2015 compared to 2014"): the change between the two periods, asked as a rise only."""
    x, y = _clean(_AUXILIARY.sub("", match["x"].strip())), _clean(match["y"])
    below = match["cmp"].lower() in _BELOW
    subject = tuple(t for t in subject if t not in (match["cmp"].lower(), "compared", "versus", "vs"))
    if is_period(y) or (not y and len(periods) == 2):
        if below or len(periods) != 2:
            return None
        return ArithmeticAsk("change", periods, (), decimals, False, subject, sub_year, length)
    if not x or not y:
        return None
    return ArithmeticAsk("difference", periods, ((y, x) if below else (x, y),), decimals, False, subject, sub_year,
                         length)


def read_ask(question: str) -> ArithmeticAsk | None:
    """The arithmetic `question` asks for, or None when it asks for none (or its items cannot be read); scale:
    the scale it asks an amount in ("" for none)."""
    ask = _read_ask(question)
    scale = asked_scale(question)
    return replace(ask, scale=scale.scale) if ask is not None and scale is not None else ask


def _read_ask(question: str) -> ArithmeticAsk | None:
    whole = " ".join(question.split())
    # The question itself, not the instructions after it ("... ratio in FY2015? Round your answer to ...").
    text = whole.split("?")[0] if "?" in whole.rstrip("? ") else whole
    periods = tuple(dict.fromkeys(years_in(text)))
    threshold = _THRESHOLD.search(text)
    if threshold and not _WHY.search(text):
        item = _DAY.sub(" ", re.sub(r"\([^)]*\)", " ", threshold["item"]))
        subject = tuple(t for t in terms(item) if _SUBJECT_TERM.match(t) and t not in _NOT_SUBJECT
                        and not YEAR.fullmatch(t))
        return ArithmeticAsk("threshold", periods, subject=subject, limit=float(threshold["num"].replace(",", "")),
                             below=threshold["cmp"].lower() in _BELOW,
                             limit_scale=(threshold["scale"] or "").lower())
    more = _HOW_MUCH_MORE.search(text)
    op = "more" if more else next((name for name, pattern in _OPERATIONS if pattern.search(text)), None)
    if op is None or _WHY.search(text):
        return None
    sub_year = bool(SUB_YEAR.search(text))
    length = period_span(text)
    # The subject is what is measured, not when: "the three months ended June 26, 2021" names a period.
    undated = _DAY.sub(" ", _SPAN.sub(" ", _SHORT_FISCAL.sub(" ", re.sub(r"\([^)]*\)", " ", text))))
    subject = tuple(t for t in terms(undated)
                    if _SUBJECT_TERM.match(t) and t not in _NOT_SUBJECT and not YEAR.fullmatch(t))
    decimals = asked_decimals(whole)
    if more:
        return _more_ask(more, periods, decimals, subject, sub_year, length)
    span = _RANGE.search(text)
    if op in ("average", "total") and span and int(span[1]) < int(span[2]) <= int(span[1]) + 10:
        periods = tuple(range(int(span[1]), int(span[2]) + 1))
    if op == "total" and re.search(r"\b(?:respectively|each)\b", text, re.I):
        return None  # "the total X for 2018 and 2019 respectively": each value, not their sum
    if op == "share":
        pairs = [(_clean(m["part"]), _clean(m["whole"])) for p in _SHARE_ITEMS for m in [p.search(text)] if m]
        return ArithmeticAsk(op, periods, tuple(pairs[:1]), decimals, False, subject, sub_year, length) \
            if pairs else None
    if op == "ratio":
        pairs = [(_clean(m["x"]), _clean(m["y"])) for p in _RATIO_ITEMS for m in [p.search(text)] if m]
        return ArithmeticAsk(op, periods, tuple(pairs[:1]), decimals, False, subject, sub_year, length) \
            if pairs else None
    if op == "change":
        between = _BETWEEN.search(text)
        if between:
            pairs = tuple((x, y) for x, y in _and_splits(between["items"]) if not (is_period(x) or is_period(y)))
            if pairs:
                return ArithmeticAsk("difference", periods, pairs, decimals, False, subject, sub_year, length)
    in_percent = op == "change" and bool(_IN_PERCENT.search(whole))
    return ArithmeticAsk(op, periods, (), decimals, in_percent, subject, sub_year, length)
