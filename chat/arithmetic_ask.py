"""Reading a question for the arithmetic it asks: the operation, the periods (years) it names, and the two items
it compares ("the difference between X and Y", "X as a percentage of Y", "X was what multiple of Y").

Only the wording decides: a question that names no operation asks for none, whatever its evidence holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
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
        r"\bas\s+an?\s+(?:percent(?:age)?|share|proportion|portion)\s+of\b|"
        r"\b(?:percent(?:age)?|share|proportion|portion)\s+of\s+.+\s+(?:among|in|of|to|within)\s+(?:the\s+)?total\b",
        re.I)),
    ("ratio", re.compile(r"\bwhat\s+multiple\s+of\b|\bratio\s+of\b.+\bto\b|-to-.+\bratio\b", re.I)),
    ("average", re.compile(r"\baverage\b|\bmean\b|평균", re.I)),
    ("change", re.compile(r"\b(?:change|changes|increase|increased|decrease|decreased|difference|growth|grew|"
                          r"decline|declined|rise|rose|drop|dropped|variance)\b|증가|감소|차이|증감|변화|변동", re.I)),
    ("total", re.compile(r"\b(?:total|sum|combined|altogether|aggregate)\b|합계|합산|총합", re.I)),
)
# Words a row label or column header holds when it already states the operation's result.
OPERATION_WORDS = {
    "percent_change": re.compile(r"%|\bpercent|\bchange\b|\bgrowth\b|증감|증가|감소", re.I),
    "change": re.compile(r"\bchange\b|\bincrease\b|\bdecrease\b|\bvariance\b|\bdifference\b|증감|증가|감소|차이", re.I),
    "average": re.compile(r"\baverage\b|\bmean\b|평균", re.I),
    "total": re.compile(r"\btotal\b|합계|총", re.I),
}
_STRIP = r"[\s,;:?.!]*"
_SHARE_ITEMS = (
    re.compile(r"\b(?:what|the)\s+(?:percent(?:age)?|portion|proportion|share|fraction)\s+of\s+(?P<whole>.+?)\s+"
               r"(?:is|are|was|were|did|does|do|came|comes)\s+(?:comprised\s+of\s+|made\s+up\s+(?:of|by)\s+|"
               r"from\s+|due\s+to\s+|attributable\s+to\s+|accounted\s+for\s+by\s+|related\s+to\s+|"
               r"represented\s+by\s+)?(?P<part>.+)", re.I),
    re.compile(r"(?P<part>.+?)\s+as\s+an?\s+(?:percent(?:age)?|share|proportion|portion)\s+of\s+(?P<whole>.+)",
               re.I),
    re.compile(r"\b(?:percent(?:age)?|share|proportion|portion)(?:\s+(?:constitution|share|composition|"
               r"contribution))?\s+of\s+(?P<part>.+?)\s+(?:among|in|of|to|within)\s+(?P<whole>(?:the\s+)?total\b.+)",
               re.I),
)
_RATIO_ITEMS = (
    re.compile(r"(?P<x>.+?)\s+(?:was|were|is|are)\s+what\s+multiple\s+of\s+(?P<y>.+)", re.I),
    re.compile(r"\bratio\s+of\s+(?P<x>.+?)\s+to\s+(?P<y>.+)", re.I),
    re.compile(r"(?P<x>[\w&]+(?:\s+[\w&]+)?)-to-(?P<y>[\w&]+(?:[\s-][\w&]+){0,3}?)\s+ratio\b", re.I),
)
_BETWEEN = re.compile(r"\bdifference\b.*?\bbetween\s+(?P<items>.+)", re.I)
_LEAD = re.compile(r"^(?:(?:what|how|in|for|the|during|as\s+of)\b[\s,]*|(?:19|20)\d{2}\b[\s,]*)+", re.I)


@dataclass(frozen=True)
class ArithmeticAsk:
    """What a question asks to compute. op: "change", "percent_change", "average", "total", "difference",
    "share" or "ratio"; periods: the years it names, in its order; pairs: for "difference", "share" and "ratio",
    the candidate (first item, second item) readings of its wording (share: part, whole; ratio: numerator,
    denominator; "X and Y" may split at more than one "and")."""

    op: str
    periods: tuple[int, ...]
    pairs: tuple[tuple[str, str], ...] = ()


def _clean(phrase: str) -> str:
    return _LEAD.sub("", phrase.strip(" ,;:?.!")).strip(" ,;:?.!")


def _is_period(phrase: str) -> bool:
    """A phrase that names only a period ("2018", "fiscal 2019", "December 31, 2018", "the year 2017")."""
    rest = re.sub(r"\b(?:fiscal|years?|fy|ended|ending|as|of|at|the|in|for|end|december|june|march|september|"
                  r"january|february|april|may|july|august|october|november|q[1-4]|first|second|third|fourth|"
                  r"quarter|half)\b", " ", YEAR.sub(" ", phrase), flags=re.I)
    return bool(YEAR.search(phrase)) and not re.search(r"[^\W\d_]", rest)


def _and_splits(text: str) -> tuple[tuple[str, str], ...]:
    """Every reading of "X and Y" as two items, split at each " and "."""
    parts = re.split(r"\s+and\s+", text)
    out = []
    for cut in range(1, len(parts)):
        x, y = _clean(" and ".join(parts[:cut])), _clean(" and ".join(parts[cut:]))
        if x and y:
            out.append((x, y))
    return tuple(out)


def read_ask(question: str) -> ArithmeticAsk | None:
    """The arithmetic `question` asks for, or None when it asks for none (or its items cannot be read)."""
    text = " ".join(question.split())
    periods = tuple(dict.fromkeys(int(y) for y in YEAR.findall(text)))
    op = next((name for name, pattern in _OPERATIONS if pattern.search(text)), None)
    if op is None:
        return None
    if op == "share":
        pairs = [(_clean(m["part"]), _clean(m["whole"])) for p in _SHARE_ITEMS for m in [p.search(text)] if m]
        return ArithmeticAsk(op, periods, tuple(pairs[:1])) if pairs else None
    if op == "ratio":
        pairs = [(_clean(m["x"]), _clean(m["y"])) for p in _RATIO_ITEMS for m in [p.search(text)] if m]
        return ArithmeticAsk(op, periods, tuple(pairs[:1])) if pairs else None
    if op == "change":
        between = _BETWEEN.search(text)
        if between:
            pairs = tuple((x, y) for x, y in _and_splits(between["items"]) if not (_is_period(x) or _is_period(y)))
            if pairs:
                return ArithmeticAsk("difference", periods, pairs)
    return ArithmeticAsk(op, periods)
