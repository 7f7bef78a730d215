"""Standard financial ratios computed from a filing's statements, for extractive answers.

"What is the current ratio in FY2021?" is answered by no cell: the balance sheet states total current assets and
total current liabilities, and the ratio is their quotient. This module holds the textbook definitions of the
common ratios (liquidity, profitability, turnover, coverage) over the statements' standard line items, finds those
line items among the evidence tables (a row whose label begins with the line item's printed name) in the column
of the fiscal year the question names, and computes the ratio with every operand cited. Turnover ratios divide by
the average of the year's and the previous year's balance, as they are defined; the others use year-end values.
A question naming "A to B ratio" with two line items gets A / B the same way. Nothing is computed when an operand
is missing, when the operands' tables state different scales, or when the year is not a column of the table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from chat.answer_arithmetic import Quantity, in_scale, number_text, parse_quantity
from chat.arithmetic_ask import YEAR, asked_decimals, asked_scale, years_in
from chat.table_answer import TableRow, TableView, read_table
from retrieval.financial_statements import normalise, statement_kinds

# Printed names of the line items (after financial_statements.normalise: lower case, punctuation as spaces).
_REVENUE = ("total net sales", "net sales", "total revenues", "total revenue", "revenues", "revenue",
            "net revenues", "total net revenues", "net revenue", "sales")
_COGS = ("cost of sales", "cost of goods sold", "cost of revenue", "cost of revenues", "cost of products sold",
         "total cost of sales")
_NET_INCOME = ("net income", "net earnings", "net income attributable to")
_PRETAX = ("income before income taxes", "income before provision for income taxes", "earnings before income taxes",
           "income loss before income taxes", "income before taxes", "earnings before provision for income taxes")
_TAX = ("provision for income taxes", "provision benefit for income taxes", "income tax expense",
        "income tax provision", "income taxes")
_OPERATING_INCOME = ("operating income", "income from operations", "operating profit", "operating income loss")
_INTEREST = ("interest expense", "interest expense net")
_TOTAL_ASSETS = ("total assets",)
_EQUITY = ("total shareholders equity", "total stockholders equity", "total shareowners equity", "total equity")
_CURRENT_ASSETS = ("total current assets",)
_CURRENT_LIABILITIES = ("total current liabilities",)
_TOTAL_LIABILITIES = ("total liabilities",)
_CASH = ("cash and cash equivalents", "cash and equivalents")
_SHORT_INVESTMENTS = ("short term investments", "marketable securities", "short term marketable securities")
_RECEIVABLES = ("accounts receivable", "trade receivables", "receivables")
_INVENTORY = ("inventories", "inventory", "merchandise inventories")
_PAYABLES = ("accounts payable",)
_PPE = ("property plant and equipment net", "property and equipment net", "property plant and equipment",
        "property and equipment")
_GROSS_PROFIT = ("gross profit", "gross margin")
_DEPRECIATION = ("depreciation and amortization", "depreciation amortization", "depreciation and amortization expense")
_OPERATING_CASH = ("net cash provided by operating activities", "net cash provided by used in operating activities",
                   "net cash from operating activities", "cash provided by operations",
                   "net cash provided by operations")
# A row about a per-share figure, a percentage or a change is not the line item itself.
_NOT_AMOUNT_ROW = re.compile(r"\b(?:per share|per common share|per diluted|margin|percent|change in|changes in)\b")
# What may follow a line item's name in its row label: "Accounts receivable, net", "Long-term debt, excluding
# current portion", "Operating income (loss)"; not "Cash and equivalents, beginning of year", "Total liabilities
# and stockholders' equity" or "Revenues from non-reportable segments".
_QUALIFIER = frozenset({"net", "excluding", "less", "loss", "benefit", "attributable", "of"})
# Expenses that statements print as deductions in parentheses; their ratios use the amount.
_EXPENSES = frozenset({_TAX, _INTEREST, _COGS})
# Column headers of a part of a year ("Third Quarter", "Three Months Ended", "13 Weeks Ended"); "52 Weeks Ended"
# and "Twelve Months Ended" are whole fiscal years.
_PART_OF_YEAR = re.compile(r"\b(?:quarter|q[1-4]|(?:three|six|nine|3|6|9)\s+months|(?:12|13|16|24|36)\s+weeks|half)\b",
                           re.I)
# A question asking why or whether, not for the figure.
_NOT_A_FIGURE = re.compile(r"^\s*(?:why|does|did|do|is|are|was there|has|have|what drove|what caused|explain)\b",
                           re.I)


@dataclass(frozen=True)
class RatioFormula:
    """A ratio's definition: numerator and denominator as sums of line items (each a tuple of printed names);
    average: the denominator is the average of the year's and the previous year's balance; percent: stated as a
    percentage of the denominator; less: line items subtracted from the denominator (capital employed is total
    assets less current liabilities). No denominator: the numerator's sum (EBITDA), less the `less` items
    (noncurrent liabilities are total liabilities less current liabilities)."""

    numerator: tuple[tuple[str, ...], ...]
    denominator: tuple[tuple[str, ...], ...]
    average: bool = False
    percent: bool = False
    less: tuple[tuple[str, ...], ...] = ()


# Common textbook definitions; names as questions write them (after normalise()).
FORMULAS: dict[str, RatioFormula] = {
    "current ratio": RatioFormula((_CURRENT_ASSETS,), (_CURRENT_LIABILITIES,)),
    "quick ratio": RatioFormula((_CASH, _SHORT_INVESTMENTS, _RECEIVABLES), (_CURRENT_LIABILITIES,)),
    "cash ratio": RatioFormula((_CASH,), (_CURRENT_LIABILITIES,)),
    "effective tax rate": RatioFormula((_TAX,), (_PRETAX,), percent=True),
    "return on assets": RatioFormula((_NET_INCOME,), (_TOTAL_ASSETS,)),
    "return on asset": RatioFormula((_NET_INCOME,), (_TOTAL_ASSETS,)),
    "return on equity": RatioFormula((_NET_INCOME,), (_EQUITY,)),
    "gross margin": RatioFormula((_GROSS_PROFIT,), (_REVENUE,), percent=True),
    "operating margin": RatioFormula((_OPERATING_INCOME,), (_REVENUE,), percent=True),
    "net profit margin": RatioFormula((_NET_INCOME,), (_REVENUE,), percent=True),
    "net margin": RatioFormula((_NET_INCOME,), (_REVENUE,), percent=True),
    "inventory turnover": RatioFormula((_COGS,), (_INVENTORY,), average=True),
    "receivables turnover": RatioFormula((_REVENUE,), (_RECEIVABLES,), average=True),
    "receivable turnover": RatioFormula((_REVENUE,), (_RECEIVABLES,), average=True),
    "payables turnover": RatioFormula((_COGS,), (_PAYABLES,), average=True),
    "payable turnover": RatioFormula((_COGS,), (_PAYABLES,), average=True),
    "asset turnover": RatioFormula((_REVENUE,), (_TOTAL_ASSETS,), average=True),
    "fixed asset turnover": RatioFormula((_REVENUE,), (_PPE,), average=True),
    "interest coverage": RatioFormula((_OPERATING_INCOME,), (_INTEREST,)),
    "effective tax ratio": RatioFormula((_TAX,), (_PRETAX,), percent=True),
    "return on average equity": RatioFormula((_NET_INCOME,), (_EQUITY,), average=True),
    "return on average assets": RatioFormula((_NET_INCOME,), (_TOTAL_ASSETS,), average=True),
    "return on capital employed": RatioFormula((_OPERATING_INCOME,), (_TOTAL_ASSETS,), less=(_CURRENT_LIABILITIES,)),
    "operating profit margin before depreciation": RatioFormula((_OPERATING_INCOME, _DEPRECIATION), (_REVENUE,),
                                                                percent=True),
    # Noncurrent liabilities (us-gaap LiabilitiesNoncurrent), which balance sheets seldom total themselves: total
    # liabilities less total current liabilities.
    "long term liabilities": RatioFormula((_TOTAL_LIABILITIES,), (), less=(_CURRENT_LIABILITIES,)),
    "noncurrent liabilities": RatioFormula((_TOTAL_LIABILITIES,), (), less=(_CURRENT_LIABILITIES,)),
    "non current liabilities": RatioFormula((_TOTAL_LIABILITIES,), (), less=(_CURRENT_LIABILITIES,)),
    # EBITDA as operating income plus depreciation and amortization (operating income standing for EBIT).
    "ebitda": RatioFormula((_OPERATING_INCOME, _DEPRECIATION), ()),
    "ebitda margin": RatioFormula((_OPERATING_INCOME, _DEPRECIATION), (_REVENUE,), percent=True),
}
_ITEM_NAMES: dict[str, tuple[str, ...]] = {
    "sales": _REVENUE, "revenue": _REVENUE, "revenues": _REVENUE, "net sales": _REVENUE,
    "total revenue": _REVENUE, "cost of goods sold": _COGS, "cogs": _COGS, "cost of sales": _COGS,
    "net income": _NET_INCOME, "operating income": _OPERATING_INCOME, "interest expense": _INTEREST,
    "total assets": _TOTAL_ASSETS, "stockholder equity": _EQUITY, "stockholders equity": _EQUITY,
    "shareholders equity": _EQUITY, "shareholder equity": _EQUITY, "total equity": _EQUITY,
    "current assets": _CURRENT_ASSETS, "current liabilities": _CURRENT_LIABILITIES,
    "total liabilities": _TOTAL_LIABILITIES, "total liability": _TOTAL_LIABILITIES,
    "cash": _CASH, "cash balance": _CASH, "cash and cash equivalents": _CASH, "inventory": _INVENTORY,
    "accounts receivable": _RECEIVABLES, "accounts payable": _PAYABLES, "gross profit": _GROSS_PROFIT,
    "long term debt": ("long term debt", "long term debt excluding current portion", "long term debt net"),
    "property plant and equipment": _PPE, "ppe": _PPE, "operating cash flow": _OPERATING_CASH,
    "cash flow from operations": _OPERATING_CASH, "working capital": ("working capital",),
}
_A_TO_B = re.compile(r"\b(?:ratio of )?(?P<a>[a-z ]+?) to (?P<b>[a-z ]+?)(?= ratio\b| for\b| in\b| of\b| at\b|\s*$)")


@dataclass(frozen=True)
class RatioAsk:
    """The ratio a question asks for: its name as written, its formula, the fiscal year named (None: the latest
    column), the decimals asked (else 2) and the scale a sum of line items is asked in ("billion"; "" for none:
    a ratio has no scale)."""

    name: str
    formula: RatioFormula
    year: int | None
    decimals: int
    scale: str = ""


def read_ratio(question: str) -> RatioAsk | None:
    """The standard ratio (or "A to B" ratio of two line items) `question` asks for, else None."""
    if _NOT_A_FIGURE.search(question):
        return None
    asked = question.split("?")[0]
    text = normalise(asked)
    years = years_in(asked)  # "2021", "FY2021" and "FY21"
    year = years[0] if len(set(years)) == 1 else None
    if len(set(years)) > 1:
        return None  # two periods: a change or a comparison, not one ratio
    decimals = asked_decimals(question)
    scale = getattr(asked_scale(question), "scale", "")
    for name in sorted(FORMULAS, key=len, reverse=True):
        # "debt to EBITDA" asks for another ratio that merely names this one
        if f" {name} " in text and f" to {name} " not in text and f" {name} to " not in text:
            return RatioAsk(name, FORMULAS[name], year, decimals, scale)
    for match in _A_TO_B.finditer(text.strip()):
        a = _item(match["a"])
        b = _item(match["b"])
        if a and b:  # "interest expense to average long-term debt": the year's and the year before's average
            average = " average " in f" {match['b']} "
            name = f"{a[0]} to {'average ' if average else ''}{b[0]}"
            return RatioAsk(name, RatioFormula((a[1],), (b[1],), average=average), year, decimals, scale)
    return None


def _item(phrase: str) -> tuple[str, tuple[str, ...]] | None:
    """The line item a phrase ends with ("what is the current liabilities" -> current liabilities)."""
    words = phrase.split()
    for start in range(len(words)):
        tail = " ".join(words[start:])
        if tail in _ITEM_NAMES:
            return tail, _ITEM_NAMES[tail]
    return None


@dataclass(frozen=True)
class Found:
    """A line item's value in one evidence table: the item's index in the evidence, the row label, the value,
    the value as printed and the table's unit."""

    item_index: int
    label: str
    value: float
    text: str
    unit: str


def _year_columns(view: TableView) -> list[tuple[int, int]]:
    """(column, year) of the value columns that name one fiscal year (not a quarter's or a half-year's)."""
    out = []
    for col, (group, leaf) in enumerate(view.headers):
        if _PART_OF_YEAR.search(f"{group} {leaf}"):
            continue  # a quarter's or half-year's column is no fiscal year's
        years = YEAR.findall(f"{group} {leaf}")
        if len(set(years)) == 1:
            out.append((col, int(years[0])))
    return out


def _find(names: tuple[str, ...], views: Sequence[tuple[int, TableView]], year: int) -> Found | None:
    """The first evidence table's row printed as one of `names`, at the column of `year`."""
    for index, view in views:
        columns = _year_columns(view)
        if not columns:
            continue
        for row in view.rows:
            label = normalise(row.label.split(": ")[-1]).strip()
            if _NOT_AMOUNT_ROW.search(label) or not any(_names(label, n) for n in names):
                continue
            found = _value(index, view, row, columns, year)
            if found is not None:
                return replace(found, value=abs(found.value)) if names in _EXPENSES else found
    return None


def _names(label: str, name: str) -> bool:
    """Whether a row label is the line item `name`, alone or with a qualifier (see _QUALIFIER)."""
    if label == name:
        return True
    rest = label[len(name):].split() if label.startswith(name + " ") else []
    return bool(rest) and rest[0] in _QUALIFIER


def _value(index: int, view: TableView, row: TableRow, columns: list[tuple[int, int]], year: int) -> Found | None:
    values = dict(row.values)
    for col, col_year in columns:
        if col_year == year and col in values:
            quantity = parse_quantity(values[col])
            if quantity is None or quantity.percent:
                return None
            return Found(index, row.label, quantity.value, values[col].strip(), view.unit)
    return None


@dataclass(frozen=True)
class RatioResult:
    """A computed ratio: the line that states it with its operands, the evidence indexes cited (first the
    numerator's), the value, and for each cited item the first operand cell read there (row label, value as
    printed), for its citation box."""

    line: str
    cited: tuple[int, ...]
    value: float
    cells: tuple[tuple[str, str], ...] = ()


def _side(items: tuple[tuple[str, ...], ...], views, year: int, average: bool) -> list[Found] | None:
    out = []
    for names in items:
        found = _find(names, views, year)
        if found is None:
            return None
        out.append(found)
        if average:
            before = _find(names, views, year - 1)
            if before is None or before.item_index != found.item_index:
                return None
            out.append(before)
    return out


def compute_ratio(ask: RatioAsk, evidence: Sequence[tuple[int, object]]) -> RatioResult | None:
    """The ratio `ask` names, computed from the tables among `evidence` ((index, element) pairs), or None."""
    views = [(i, v) for i, element in evidence if (v := read_table(element)) is not None]
    # Only the financial statements: a note's table ("Deferred tax assets: Depreciation & amortization") or an MD&A
    # summary may print a line item's name for another quantity.
    views = [(i, v) for i, v in views if statement_kinds(" ".join(" ".join(r) for r in v.cells), v.context)]
    if not views:
        return None
    year = ask.year
    if year is None:
        years = [y for _, v in views for _, y in _year_columns(v)]
        if not years:
            return None
        year = max(years)
    f = ask.formula
    top = _side(f.numerator, views, year, False)
    bottom = _side(f.denominator, views, year, f.average) if f.denominator else []
    less = _side(f.less, views, year, False) if f.less else []
    if not top or bottom is None or less is None or (f.denominator and not bottom) \
            or len({x.unit for x in top + bottom + less} - {""}) > 1:
        return None
    numerator = sum(x.value for x in top)
    top_text = " + ".join(x.text for x in top)
    top_names = " + ".join(x.label for x in top)
    if not f.denominator:  # a sum of line items (less others): EBITDA, noncurrent liabilities
        total = numerator - sum(x.value for x in less)
        unit = next((f" {x.unit}" for x in top + less if x.unit), "")
        names = top_names + "".join(f" \u2212 {x.label}" for x in less)
        how = top_text + "".join(f" \u2212 {x.text}" for x in less)
        shown = f"{number_text(total, ask.decimals)}{unit}"
        converted = in_scale(Quantity(total, "", unit.strip(), False), ask.scale, ask.decimals) if ask.scale else None
        shown = f"{converted} (= {shown})" if converted else shown
        line = f"{shown} \u2014 {ask.name}, {year}: {names} ({how})"
        return _result(line, top + less, total)
    if f.average:
        pairs = [bottom[i:i + 2] for i in range(0, len(bottom), 2)]
        denominator = sum((a.value + b.value) / 2 for a, b in pairs)
        bottom_text = " + ".join(f"({a.text} + {b.text}) / 2" for a, b in pairs)
    else:
        denominator = sum(x.value for x in bottom) - sum(x.value for x in less)
        bottom_text = " + ".join(x.text for x in bottom) + "".join(f" \u2212 {x.text}" for x in less)
        if less:
            bottom_text = f"({bottom_text})"
    if denominator == 0:
        return None
    value = numerator / denominator
    if f.percent:
        shown = f"{number_text(value * 100, max(ask.decimals - 2, 1))}% ({number_text(value, ask.decimals + 1)})"
    else:
        shown = number_text(value, ask.decimals)
        # A return or a share of one item in another reads as a percentage too; a liquidity, turnover or
        # coverage ratio does not ("current ratio 0.86").
        if abs(value) < 1 and (ask.name.startswith("return") or " to " in ask.name):
            shown += f" ({number_text(value * 100, max(ask.decimals - 2, 1))}%)"
    bottom_names = " + ".join(dict.fromkeys(x.label for x in bottom)) + "".join(f" \u2212 {x.label}" for x in less)
    line = f"{shown} \u2014 {ask.name}, {year}: {top_names} / {bottom_names} ({top_text} / {bottom_text})"
    return _result(line, top + bottom + less, value)


def _result(line: str, operands: Sequence[Found], value: float) -> RatioResult:
    """The result citing each operand's item once, with the first operand cell read in each."""
    first: dict[int, Found] = {}
    for found in operands:
        first.setdefault(found.item_index, found)
    return RatioResult(line, tuple(first), value,
                       tuple((f.label.split(": ")[-1], f.text) for f in first.values()))


# Where a ratio's operand tables join the evidence (after the question's own best hits), and how many per line
# item (its statement may come after a quarterly table or a five-year summary that repeat the row).
_OPERAND_SLOT, _PER_OPERAND = 5, 3


def operand_queries(question: str) -> list[str]:
    """One search per line item of the ratio `question` names ("total current assets 2021"), so that both
    statements a ratio reads (the balance sheet and the income statement) reach the evidence; [] for a question
    naming no ratio."""
    ask = read_ratio(question)
    if ask is None:
        return []
    year = f" {ask.year}" if ask.year else ""
    # A line item's usual printed names together ("total net sales net sales total revenues"): filings differ.
    formula = ask.formula
    items = dict.fromkeys(" ".join(names[:3]) for names in formula.numerator + formula.denominator + formula.less)
    return [f"{item}{year}" for item in items]


def with_operand_hits(hits: list, found: Sequence[Sequence]) -> list:
    """`hits` with the best tables of each operand search (`found`, one hit list per query; _PER_OPERAND each)
    placed after the first _OPERAND_SLOT hits, when not already among them."""
    have = {h.element.id for h in hits}
    extra = []
    for results in found:
        for hit in [h for h in results if h.element.id not in have][:_PER_OPERAND]:
            extra.append(hit)
            have.add(hit.element.id)
    if not extra:
        return hits
    return hits[:_OPERAND_SLOT] + extra + hits[_OPERAND_SLOT:]
