"""Finding the operands of an arithmetic question in one candidate piece, then computing (chat.answer_arithmetic):
a table row's cells under the periods named (or, periods in rows, one column's cells under them), two rows of one
column or two columns of one row (the items named), or the amount/period pairs of one sentence.

Operands are never guessed: every period or item the question names must resolve to exactly one number, else
there is no computed value and the answer stays as read from the evidence.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from chat.answer_arithmetic import SCALES, Computed, Operand, Quantity, compute, number_text, parse_quantity
from chat.answer_terms import focus, overlap, terms
from chat.arithmetic_ask import (OPERATION_WORDS, PERIOD_WORDS, SUB_YEAR, YEAR, ArithmeticAsk, is_period, period_span,
                                 years_in)
from chat.table_answer import TableRow, TableView, part_terms, with_unit

_PERIOD_OPS = ("change", "percent_change", "average", "total")
# An amount in a sentence: "$244 million", "$2.10 billion", "(1,255)", "14.5%", "36,800".
_AMOUNT = re.compile(r"(?:[-\u2212])?[$€£¥₩]\s?\(?\d[\d,]*(?:\.\d+)?\)?"
                     r"(?:\s+(?:thousand|million|billion|trillion)s?\b)?"
                     r"|\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b)"
                     r"|\d[\d,]*(?:\.\d+)?\s+(?:thousand|million|billion|trillion)s?\b"
                     r"|\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b")
# "... for 2016", "in fiscal 2009", "as of December 2016": the period an amount is stated for.
_PERIOD_AFTER = re.compile(r"^\s*(?:for|in|during|as\s+of|at)\s+(?:the\s+)?(?:(?:fiscal|year|years|calendar|"
                           r"december|june|march|september)\s+)*(?:\d{1,2},\s+)?((?:19|20)\d{2})(?!\d)", re.I)
_MORE_YEARS = re.compile(r"\s*(?:,|and)\s*(?:and\s+)?(?:fiscal\s+)?(?:19|20)\d{2}(?!\d)", re.I)


def _years(text: str) -> set[int]:
    return set(years_in(text))


def _column_name(view: TableView, col: int) -> str:
    group, leaf = view.headers[col]
    return " ".join(p for p in (group, leaf) if p)


def _cell(view: TableView, row: TableRow, col: int, value: str) -> Operand | None:
    quantity = parse_quantity(with_unit(view, row, col, value))
    return Operand(row.label, _column_name(view, col), quantity) if quantity else None


def _one(operands: Sequence[Operand]) -> Operand | None:
    """The single operand among a period's or column's candidates, amounts preferred over percentages ("2019 $"
    over "2019 %"); None when still more than one (three and nine months ended 2019)."""
    if len(operands) > 1:
        operands = [o for o in operands if not o.quantity.percent]
    return operands[0] if len(operands) == 1 else None


def _holds_subject(ask: ArithmeticAsk, text: str, own: str | None = None) -> bool:
    """Whether `text` (a sentence; a row label with its columns and table caption) names at least half of what
    the question is about, and `own` (the row label) some of it: a sentence that only states amounts for the
    same years, or a row found through the company name in the caption, is no operand source."""
    if not ask.subject:
        return True
    held = terms(text)
    if own is not None and not set(ask.subject) & set(terms(own)):
        return False
    return 2 * sum(1 for t in ask.subject if t in held) >= len(ask.subject)


def _part_of(ask: ArithmeticAsk, row: TableRow) -> dict[str, float]:
    """The words of the totals the question names `row` a part of (chat.table_answer.part_terms)."""
    return part_terms(dict.fromkeys(ask.subject, 1.0), row)


def _names_row_most(ask: ArithmeticAsk, view: TableView, row: TableRow) -> bool:
    """Whether the question names `row` better than any other row of its table (more of its words, with those
    of the total it is a part of, then more of the label): "net sales for cheese" names the Cheese row, not the
    Net Sales row; "restricted cash" the "Restricted cash" row, not "Restricted cash included in other assets";
    "provision for state and local income taxes" the State and local part of the provision."""
    def named(r: TableRow) -> tuple[int, float]:
        wanted, whole = {t: 1.0 for t in ask.subject}, _part_of(ask, r)
        return sum(1 for t in wanted if t in r.label_terms or t in whole), focus(wanted, r.label_terms)
    return all(named(other) < named(row) for other in view.rows if other.index != row.index)


def _operation(ask: ArithmeticAsk, operands: Sequence[Operand]) -> str:
    """A change asked "in percentage terms" of amounts is their percentage change."""
    if ask.op == "change" and ask.in_percent and not any(o.quantity.percent for o in operands):
        return "percent_change"
    return ask.op


def _states_result(op: str, view: TableView, row: TableRow) -> bool:
    """The table states what the question asks itself (a "Change" column, an "Average ..." row): it is read,
    not recomputed."""
    words = OPERATION_WORDS.get(op)
    if words is None:
        return False
    if words.search(row.label):
        return True
    return any(words.search(_column_name(view, col)) for col, _ in row.values) if op != "total" else False


def _asked_periods(ask: ArithmeticAsk) -> list[int]:
    periods = list(ask.periods)
    if len(periods) == 1 and ask.op in ("change", "percent_change") and not ask.sub_year:
        periods = [periods[0] - 1, periods[0]]  # "growth in 2019": over the year before
    return periods if len(periods) >= 2 else []


def _period_operands(ask: ArithmeticAsk, view: TableView, row: TableRow) -> list[Operand] | None:
    periods = _asked_periods(ask)
    if not periods:
        return None
    out = []
    for year in periods:
        # "the first quarter of 2019" is not answered by a whole-year column
        found = [o for col, value in row.values if _years(_column_name(view, col)) == {year}
                 and (not ask.sub_year or SUB_YEAR.search(_column_name(view, col)))
                 for o in [_cell(view, row, col, value)] if o]
        if len(found) > 1 and ask.span:  # "the three months ended ...": the three-month column of that year
            found = [o for o in found if period_span(o.column) == ask.span] or found
        one = _one(found)
        if one is None:
            return None
        out.append(one)
    return out


def _transposed_operands(ask: ArithmeticAsk, view: TableView, row: TableRow) -> list[Operand] | None:
    """Periods in rows ("2019", "Fiscal 2018") and items in columns: the one column the question names, under
    the one row of each year asked. Each operand is labelled by the column, its period by the row."""
    periods = _asked_periods(ask)
    if not periods or ask.sub_year or not is_period(row.label):
        return None
    by_year: dict[int, list[TableRow]] = {}
    for r in view.rows:
        if is_period(r.label) and len(_years(r.label)) == 1:
            by_year.setdefault(min(_years(r.label)), []).append(r)
    col = _best_named({t: 1.0 for t in ask.subject}, [(c, terms(_column_name(view, c))) for c in
                                                        range(len(view.headers))])
    words = OPERATION_WORDS.get(ask.op)
    if col is None or (words is not None and words.search(_column_name(view, col))):
        return None
    out = []
    for year in periods:
        value = dict(by_year[year][0].values).get(col) if len(by_year.get(year, ())) == 1 else None
        found = _cell(view, by_year[year][0], col, value) if value else None
        if found is None:
            return None
        out.append(Operand(found.column, by_year[year][0].label, found.quantity))
    return out


def _item_terms(phrase: str) -> dict[str, float]:
    return {t: w for t, w in terms(phrase).items() if not t[:1].isdigit() and t not in PERIOD_WORDS}


def _resolve(phrase: str, named: Sequence[tuple[int, dict]], other: str = "",
             ignore: frozenset = frozenset()) -> int | None:
    """The one row (or column) of `named` (key, label terms) named by `phrase`: by the words it does not share
    with the `other` item first ("net sales from Frozen Kefir" among "total net sales" is the Frozen Kefir
    row), else by all its words; words in `ignore` (the column headers' when resolving rows) name the other
    axis ("ProgramFC on HOVER 3-hop" is the ProgramFC row)."""
    full = _item_terms(phrase)
    full = {t: w for t, w in full.items() if t not in ignore} or full
    own = {t: w for t, w in full.items() if t not in _item_terms(other)}
    found = _best_named(own, named) if own and own != full else None
    return found if found is not None else _best_named(full, named)


def _best_named(wanted: dict[str, float], named: Sequence[tuple[int, dict]]) -> int | None:
    """The key whose label names most of `wanted` (more than half its weight, and either two of its words or at
    least half of the label's: "sales" is not "Proceeds from sale of short-term investments"), ties broken by
    the share of the label it names; None when none or more than one does."""
    if not wanted:
        return None
    need = sum(wanted.values()) / 2
    scored = sorted(((overlap(wanted, label), focus(wanted, label), key) for key, label in named),
                    key=lambda s: (-s[0], -s[1]))
    scored = [s for s in scored if s[0] > need and (s[0] >= 2 or s[1] >= 0.5)]
    if not scored or (len(scored) > 1 and scored[1][:2] == scored[0][:2]):
        return None
    return scored[0][2]


def _pair(ask: ArithmeticAsk, named: Sequence[tuple[int, dict]],
          ignore: frozenset = frozenset()) -> tuple[int, int] | None:
    """The two keys the question's items name, in its order; None when no reading or more than one resolves
    ("X and Y and Z" read two ways)."""
    readings = []
    for first, second in ask.pairs:
        a = _resolve(first, named, second, ignore)
        b = _resolve(second, [n for n in named if n[0] != a], first, ignore) if a is not None else None
        if b is not None:
            readings.append((a, b))
    return readings[0] if len(set(readings)) == 1 else None


def _in_periods(ask: ArithmeticAsk, name: str) -> bool:
    """A column of the year asked (one year, among those named); any column when the question names none."""
    return not ask.periods or (len(_years(name)) == 1 and bool(_years(name) & set(ask.periods)))


def _row_items(ask: ArithmeticAsk, view: TableView, row_index: int) -> list[Operand] | None:
    """Two rows named by the question, in one column: the year's, else the one whose header the question
    names."""
    headers = frozenset(t for col in range(len(view.headers)) for t in terms(_column_name(view, col)))
    pair = _pair(ask, [(r.index, r.label_terms) for r in view.rows], headers)
    if pair is None or row_index not in pair:
        return None
    a, b = (next(r for r in view.rows if r.index == i) for i in pair)
    by_col_b = dict(b.values)
    found = []
    for col, value in a.values:
        if col in by_col_b and _in_periods(ask, _column_name(view, col)):
            x, y = _cell(view, a, col, value), _cell(view, b, col, by_col_b[col])
            if x and y:
                found.append((x, y))
    if len(found) > 1:
        found = [(x, y) for x, y in found if not (x.quantity.percent or y.quantity.percent)] or found
    if len(found) > 1:  # "... on the 3-hop set": the column the question's words name, if exactly one
        held = [sum(1 for t in ask.subject if t in terms(x.column)) for x, _ in found]
        found = [f for f, h in zip(found, held) if h == max(held) > 0]
    return list(found[0]) if len(found) == 1 else None


def _column_items(ask: ArithmeticAsk, view: TableView, row: TableRow) -> list[Operand] | None:
    """Two columns of one row named by the question ("the difference between the low and high price" in the
    first-quarter row), among the columns of the year asked."""
    cells = {col: value for col, value in row.values if _in_periods(ask, _column_name(view, col))}
    named = [(col, terms(_column_name(view, col))) for col in cells]
    # "the high price": the measure word the columns share by implication names none of them
    said = terms(" ".join(phrase for pair in ask.pairs for phrase in pair))
    pair = _pair(ask, named, frozenset(t for t in said if not any(t in name for _, name in named)))
    if pair is None:
        return None
    x, y = (_cell(view, row, col, cells[col]) for col in pair)
    # the items are columns here: each is named by its column, the row says where
    return [Operand(o.column, o.label, o.quantity) for o in (x, y)] if x and y else None


_DASH = re.compile(r"^\s*[-\u2013\u2014]{1,2}\s*$")  # "—", "–", "--": nil in a financial table


def _threshold(ask: ArithmeticAsk, view: TableView, row: TableRow) -> Computed | None:
    """The periods (columns naming one year each) in which the row's value is below (above) the limit asked: "In
    which year was X less than 70 thousand?" -> "2019". A dash cell beside figures is nil (zero). None unless
    every such column holds one number (or a dash) and at least one passes."""
    if ask.limit is None or not (_holds_subject(ask, " ".join([row.label, view.context]), row.label)
                                 and _names_row_most(ask, view, row)):
        return None
    limit = ask.limit
    if ask.limit_scale and view.unit in SCALES and ask.limit_scale != view.unit:
        limit *= SCALES[ask.limit_scale] / SCALES[view.unit]
    by_year: dict[int, list[tuple[float, str]]] = {}
    for col, text in enumerate(view.cells[row.index]):
        years = _years(_column_name(view, col))
        if len(years) != 1 or col == 0:
            continue
        quantity = parse_quantity(with_unit(view, row, col, text)) if text.strip() else None
        if quantity is not None and not quantity.percent:
            by_year.setdefault(min(years), []).append((quantity.value, text.strip()))
        elif _DASH.match(text):
            by_year.setdefault(min(years), []).append((0.0, text.strip()))
    if len(by_year) < 2 or any(len(v) != 1 for v in by_year.values()):
        return None
    passing = sorted(y for y, [(value, _)] in by_year.items() if (value < limit if ask.below else value > limit))
    if not passing:
        return None
    shown = ", ".join(map(str, passing))
    stated = "; ".join(f"{text} ({year})" for year, [(_, text)] in sorted(by_year.items()))
    word = "less than" if ask.below else "more than"
    line = f"{shown} \u2014 {row.label} {word} {number_text(ask.limit)}: {stated}"
    operands = tuple(Operand(row.label, str(y), Quantity(v, "", view.unit, False))
                     for y, [(v, _)] in sorted(by_year.items()))
    return Computed("threshold", float(len(passing)), shown, operands, line,
                    exact=set(ask.subject) <= set(terms(row.label)))


def table_computation(ask: ArithmeticAsk | None, view: TableView, row_index: int) -> Computed | None:
    """The value `ask` asks for, computed from the table piece whose row is `row_index`; None when the table
    does not supply exactly the operands named."""
    if ask is None:
        return None
    row = next((r for r in view.rows if r.index == row_index), None)
    if row is None:
        return None
    if ask.op == "threshold":
        return _threshold(ask, view, row)
    if ask.op in _PERIOD_OPS:
        if _states_result(ask.op, view, row):
            return None
        operands, label = _period_operands(ask, view, row), row.label
        if operands is None:
            operands = _transposed_operands(ask, view, row)
            if operands is None:
                return None
            label = operands[0].label
        elif not (_holds_subject(ask, " ".join([row.label, view.context, *_part_of(ask, row),
                                               *(o.column for o in operands)]), row.label)
                  and _names_row_most(ask, view, row)):
            return None
        if ask.op in ("change", "percent_change"):  # later period minus earlier, whatever the column order
            operands = sorted(operands, key=lambda o: min(_years(o.column)))
            if len({min(_years(o.column)) for o in operands}) != 2:
                return None
        computed = compute(_operation(ask, operands), operands, label, ask.decimals, ask.scale)
        return _exact(computed, set(ask.subject) <= set(terms(label)))
    operands = _row_items(ask, view, row_index) or _column_items(ask, view, row)
    # two items named by more than half their words each, in the row or column the question names
    return _exact(compute(ask.op, operands, "", ask.decimals, ask.scale), True) if operands else None


def _sentence_pairs(sentence: str) -> list[tuple[int, Quantity, str]]:
    """(year, quantity, amount as written) pairs a sentence states: "A and B ... for 2016 and 2015,
    respectively" in order, else each amount followed by its own period ("$244 million for 2016")."""
    amounts = [(m, parse_quantity(m.group(0))) for m in _AMOUNT.finditer(sentence)]
    amounts = [(m, q) for m, q in amounts if q is not None]
    inside = [(m.start(), m.end()) for m, _ in amounts]
    years = [(int(y.group(0)), y.start()) for y in YEAR.finditer(sentence)
             if not any(a <= y.start() < b for a, b in inside)]
    parallel = len(amounts) == len(years) >= 2
    if re.search(r"\brespectively\b", sentence, re.I):
        return [(year, q, m.group(0)) for (year, _), (m, q) in zip(years, amounts)] if parallel else []
    # "... was $153 million, $156 million and $62 million as of December 31, 2015, 2016 and 2017": a list of
    # amounts, then a list of as many years with nothing else between them.
    if parallel and amounts[-1][0].end() < years[0][1] and all(
            re.fullmatch(r"[\s,]*(?:and\s+)?(?:fiscal\s+)?", sentence[a + 4:b], re.I)
            for (_, a), (_, b) in zip(years, years[1:])):
        return [(year, q, m.group(0)) for (year, _), (m, q) in zip(years, amounts)]
    out = []
    for m, q in amounts:
        after = _PERIOD_AFTER.match(sentence[m.end():])
        # "$2.2 billion in 2015, 2016 and 2017" states one amount for a list of years: no pair.
        if after and not _MORE_YEARS.match(sentence[m.end() + after.end():]):
            out.append((int(after.group(1)), q, m.group(0)))
    return out


def sentence_computation(ask: ArithmeticAsk | None, sentence: str) -> Computed | None:
    """The value `ask` asks for, computed from the amounts one sentence states for the periods named; None when
    the sentence does not state exactly one amount for each."""
    if ask is None or ask.op not in _PERIOD_OPS:
        return None
    # A sentence names its own subject in full ("net sales" alone is not "net sales for cheese"): at most a
    # third of the question's words may be missing from it.
    held = terms(sentence)
    if sum(1 for t in ask.subject if t not in held) > len(ask.subject) // 3:
        return None
    pairs = _sentence_pairs(" ".join(sentence.split()))
    by_year: dict[int, list[Quantity]] = {}
    for year, quantity, _ in pairs:
        by_year.setdefault(year, []).append(quantity)
    periods = _asked_periods(ask)
    if not periods or ask.sub_year or any(len(by_year.get(y, ())) != 1 for y in periods):
        return None  # a sentence's amounts are paired with years, not quarters
    if ask.op in ("change", "percent_change"):
        periods = sorted(periods)
    operands = [Operand("", str(y), by_year[y][0]) for y in periods]
    computed = compute(_operation(ask, operands), operands, "", ask.decimals, ask.scale)
    return _exact(computed, set(ask.subject) <= set(terms(sentence)))


def _exact(computed: Computed | None, exact: bool) -> Computed | None:
    return replace(computed, exact=exact) if computed is not None else None

