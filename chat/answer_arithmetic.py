"""Arithmetic on extractive answers: the value a question asks to be computed from the cells or amounts it names.

A question asking for a change, a percentage change (growth rate), an average, a total, a difference between two
items, a share of a total or a ratio (chat.arithmetic_ask) is answered with the computed value first, followed by
how it was computed from the cited operands; the operands come from the best candidate piece
(chat.arithmetic_operands: one row's cells under the periods named, two rows of one column, or the amount/period
pairs of one sentence). Rules any finance reader expects:
  change (increase, decrease) between two periods    later period minus earlier, ordered by the year named;
  difference between two items X and Y               X minus Y, in the order the question names them;
  percentage change (growth rate)                    (new - old) / |old| x 100;
  share of a total                                   part / whole x 100;  ratio, multiple: X / Y;
  average, total                                      of the operands named.
Results are rounded to 2 decimals (trailing zeros dropped) and keep the operands' currency and scale; operands
that are not all numbers, or that mix scales, currencies or percentages with amounts, give no result. A question
asking for its amount in a scale ("Answer in USD billions") gets the amount in that scale first, the amount in the
operands' scale after it ("$1.87 billion (= $1,874 million)"); percentages, ratios and counts keep their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from chat.arithmetic_ask import ArithmeticAsk, read_ask

__all__ = ["SCALES", "ArithmeticAsk", "Computed", "Operand", "Quantity", "compute", "computed_first", "in_scale",
           "number_text", "parse_quantity", "read_ask", "restated"]

_QUANTITY = re.compile(
    r"^(?P<neg1>[-\u2212\u2013])?(?P<cur1>[$€£¥₩])?(?P<open>\()?(?P<neg2>[-\u2212\u2013])?(?P<cur2>[$€£¥₩])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<pct1>%)?(?P<close>\))?(?P<pct2>%)?"
    r"(?P<unit>[^\W\d_]+)?$")
_PLURAL_SCALE = {"thousands": "thousand", "millions": "million", "billions": "billion", "trillions": "trillion"}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Things counted, not amounts of money: "Shares outstanding" in a table "(in millions)" are a count of shares, which
# a question asking for dollars in billions does not ask to restate (a currency sign says it is money after all).
COUNTED = re.compile(r"\b(?:shares|employees|headcount|stores|warehouses|locations|customers|users|subscribers|"
                     r"members|people|units)\b", re.I)


@dataclass(frozen=True)
class Quantity:
    """A number read from a cell or a sentence: its value (a parenthesised amount is negative), currency sign
    ("" for none), scale word ("million", "" for none), whether it is a percentage, and the decimals it was
    written with (shown as written: "$8.40")."""

    value: float
    currency: str
    scale: str
    percent: bool
    decimals: int = 0


def parse_quantity(text: str) -> Quantity | None:
    """The quantity `text` states ("$(1,255) million", "14.5%", "(47 )", "3,700"), or None when it is not one
    number (a dash, a word, a range, two numbers)."""
    compact = re.sub(r"\s+", "", text.replace("percent", "%"))
    match = _QUANTITY.match(compact)
    if not match or bool(match["open"]) != bool(match["close"]):
        return None
    if match["cur1"] and match["cur2"]:
        return None
    value = float(match["num"].replace(",", ""))
    if match["neg1"] or match["neg2"] or match["open"]:
        value = -value
    unit = (match["unit"] or "").lower()
    percent = bool(match["pct1"] or match["pct2"])
    if percent and unit:
        return None
    decimals = len(match["num"].partition(".")[2])
    return Quantity(value, match["cur1"] or match["cur2"] or "", _PLURAL_SCALE.get(unit, unit), percent, decimals)


@dataclass(frozen=True)
class Operand:
    """One value used in a computation: where it was read (row label, column or period) and what it holds."""

    label: str
    column: str
    quantity: Quantity


@dataclass(frozen=True)
class Computed:
    """A value computed for the question: the operation, the value, the result as stated ("$1,072 million",
    "47.17%"), the operands in the order used, the line that states it with how it was computed, and whether
    the operands' own labels name every word of the question's subject (exact: it may outrank a better-worded
    piece that computes nothing)."""

    op: str
    value: float
    shown: str
    operands: tuple[Operand, ...]
    line: str
    exact: bool = False


def computed_first(pieces: list, share: float, floor: float = 0.0) -> list:
    """`pieces` (ranked, each with .support and .computed) with the best-ranked one that supplies the operands of
    the arithmetic asked moved first when it holds at least `share` of the top piece's support (and `floor`, the
    support an answer needs): the question asks for the value it computes, which a slightly better-worded row
    ("Change in tax rates" for "percentage change in ingredients") does not give."""
    if not pieces or pieces[0].computed is not None:
        return pieces
    # (rounded: supports are shares of one question weight, and 4/7 is 0.8 of 5/7 however floats round it)
    need = round(max(pieces[0].support * share, floor), 9)
    lead = next((p for p in pieces if p.computed is not None and p.computed.exact
                 and round(p.support, 9) >= need), None)
    return pieces if lead is None else [lead] + [p for p in pieces if p is not lead]


def number_text(value: float, decimals: int = 2) -> str:
    """`value` rounded to `decimals` (2 unless the question asks otherwise), thousands grouped, trailing zeros
    dropped ("1,072", "857.5", "-182")."""
    text = f"{round(value, decimals):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _amount(value: float, currency: str, scale: str, decimals: int = 2) -> str:
    """"-$182 million": the sign before the currency, as amounts are written."""
    sign = "-" if number_text(value, decimals).startswith("-") else ""
    return f"{sign}{currency}{number_text(abs(value), decimals)}{' ' + scale if scale else ''}"


def in_scale(quantity: Quantity, scale: str, decimals: int = 2) -> str | None:
    """`quantity`, an amount in a known scale, stated in `scale` ("$18.08 billion" for $18,078 million asked in
    billions), rounded to `decimals` (more when that would show a non-zero amount as 0); None when it is a
    percentage, has no known scale or already is in `scale`."""
    if quantity.percent or quantity.scale == scale or quantity.scale not in SCALES or scale not in SCALES:
        return None
    value = quantity.value * SCALES[quantity.scale] / SCALES[scale]
    while value and decimals < 6 and number_text(value, decimals) == "0":
        decimals += 1
    # half up on the decimal digits: $2,835 million is $2.84 billion, though the float 2.835 lies just below it
    value = float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP))
    return _amount(value, quantity.currency, scale, decimals)


def restated(shown: str, scale: str, decimals: int = 2, about: str = "") -> str:
    """A value as shown ("$18,078 million") restated in the `scale` a question asks, the printed value kept:
    "$18.08 billion ($18,078 million as printed)". `shown` unchanged when no scale is asked, when it is not one
    amount in a known scale, or when `about` (its row label and column) names a count and it has no currency
    sign."""
    quantity = parse_quantity(shown) if scale else None
    if quantity is None or (COUNTED.search(about) and not quantity.currency):
        return shown
    converted = in_scale(quantity, scale, decimals)
    return f"{converted} ({shown} as printed)" if converted else shown


def _operand_text(operand: Operand, bracket_negative: bool = False) -> str:
    q = operand.quantity
    sign = "-" if q.value < 0 else ""
    text = f"{sign}{q.currency}{abs(q.value):,.{q.decimals}f}{'%' if q.percent else ''}"
    return f"({text})" if bracket_negative and q.value < 0 else text


def _joined(names: Sequence[str], last: str = " and ") -> str:
    """Column names as a list, the words they all begin with said once: "December 31, 2018 and 2019"."""
    names = [n for n in names if n]
    if len(names) < 2:
        return "".join(names)
    words = [n.split() for n in names]
    shared = 0
    while all(len(w) > shared + 1 and w[shared] == words[0][shared] for w in words):
        shared += 1
    # "June 25, 2022" keeps its month: a day alone ("25, 2022") reads as no date
    while shared and any(re.match(r"\d{1,2},?$", w[shared]) for w in words[1:]):
        shared -= 1
    tails = [" ".join(w[shared:]) for w in words]
    tails[0] = " ".join(words[0])
    return ", ".join(tails[:-1]) + f"{last}{tails[-1]}"


def _units(operands: Sequence[Operand]) -> tuple[str, str, bool] | None:
    """(currency, scale, percent) the operands share; None when they mix currencies, scales or percentages with
    amounts (an operand without a currency sign takes the others': tables print "$" on a column's first row)."""
    currencies = {o.quantity.currency for o in operands} - {""}
    scales = {o.quantity.scale for o in operands}
    percents = {o.quantity.percent for o in operands}
    if len(currencies) > 1 or len(scales) > 1 or len(percents) > 1:
        return None
    return (currencies.pop() if currencies else ""), scales.pop(), percents.pop()


def compute(op: str, operands: Sequence[Operand], label: str = "", decimals: int = 2,
            asked_scale: str = "") -> Computed | None:
    """The value of `op` over `operands` (for "change" and "percent_change" ordered old then new; for
    "difference", "share" and "ratio" the two items in the order the question names them), with its line, the
    result rounded to `decimals`; None when the operands cannot be combined (units, a zero divisor, a percentage
    of percentages). An amount is stated in `asked_scale` ("billion") first when the question asks one and the
    operands are not counts; the value stays in the operands' scale."""
    units = _units(operands)
    if units is None or len(operands) < 2:
        return None
    currency, scale, percent = units
    counted = not currency and COUNTED.search(" ".join([label, *(o.label for o in operands)]))

    def amount(value: float) -> str:
        shown = _amount(value, currency, scale, decimals)
        converted = in_scale(Quantity(value, currency, scale, False), asked_scale, decimals) \
            if asked_scale and not counted else None
        return f"{converted} (= {shown})" if converted else shown

    def number(value: float) -> str:
        return number_text(value, decimals)

    values = [o.quantity.value for o in operands]
    first, second = operands[0], operands[-1]
    where = f" {label}" if label else ""  # "change in Land, 2018 to 2019"; "change, 2015 to 2016" for a sentence
    if op in ("change", "difference") and len(operands) == 2:
        value = values[1] - values[0] if op == "change" else values[0] - values[1]
        new, old = (second, first) if op == "change" else (first, second)
        points = "percentage point" if number(abs(value)) == "1" else "percentage points"
        shown = f"{number(value)} {points}" if percent else amount(value)
        how = f"{_operand_text(new)} \u2212 {_operand_text(old, True)}"
        if op == "change":
            text = f"change{' in' + where if where else ''}, {_joined([first.column, second.column], ' to ')}"
        else:
            text = f"difference{' in ' + label if label else ''}, {first.label} \u2212 {second.label}" + \
                   (f", {first.column}" if first.column else "")
    elif op == "percent_change" and len(operands) == 2 and not percent and values[0] != 0:
        value = (values[1] - values[0]) / abs(values[0]) * 100
        shown = f"{number(value)}%"
        bar = f"|{_operand_text(first)}|" if values[0] < 0 else _operand_text(first)
        how = f"({_operand_text(second)} \u2212 {_operand_text(first, True)}) / {bar} \u00d7 100"
        text = f"percentage change{' in' + where if where else ''}, {_joined([first.column, second.column], ' to ')}"
    elif op == "average":
        value = sum(values) / len(values)
        shown = f"{number(value)}%" if percent else amount(value)
        how = f"({' + '.join(_operand_text(o, True) for o in operands)}) / {len(operands)}"
        text = f"average{' of' + where if where else ''}, {_joined([o.column for o in operands])}"
    elif op == "total" and not percent:
        value = sum(values)
        shown = amount(value)
        how = " + ".join(_operand_text(o, True) for o in operands)
        text = f"total{' of' + where if where else ''}, {_joined([o.column for o in operands])}"
    elif op == "share" and len(operands) == 2 and not percent and values[1] != 0:
        value = values[0] / values[1] * 100
        shown = f"{number(value)}%"
        how = f"{_operand_text(first)} / {_operand_text(second)} \u00d7 100"
        text = f"{first.label} as a share of {second.label}" + (f", {first.column}" if first.column else "")
    elif op == "ratio" and len(operands) == 2 and values[1] != 0:
        value = values[0] / values[1]
        # a ratio under 1 is also read as a percentage ("debt-to-assets ratio 0.03 (2.7%)")
        shown = number(value) + (f" ({number(value * 100)}%)" if abs(value) < 1 else "")
        how = f"{_operand_text(first)} / {_operand_text(second)}"
        text = f"ratio of {first.label} to {second.label}" + (f", {first.column}" if first.column else "")
    else:
        return None
    text = " ".join(text.replace(" ,", ",").split())
    return Computed(op, round(value, decimals), shown, tuple(operands), f"{shown} \u2014 {text} ({how})")
