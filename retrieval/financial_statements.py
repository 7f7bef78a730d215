"""Primary financial statements: recognising them among a filing's elements, and reading which of their line items
a question about a figure or ratio needs.

A question such as "what is the current ratio" shares its words with MD&A prose that discusses the ratio, while the
figures sit in the balance sheet, whose rows say "Total current assets" and "Total current liabilities" and never
"current ratio". This module holds general accounting structure only: the statements' own titles, their standard
line items (worded as the US-GAAP element labels and common filing variants, e.g. PaymentsToAcquirePropertyPlantAnd
Equipment "purchases of property and equipment"), and which line items a ratio or metric is computed from. The
"statement" search route (retrieval.search_pipeline) uses it to give the statements that hold the wanted line items
a route of their own among the other routes' candidates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

BALANCE, INCOME, CASH_FLOW, SEGMENT = "balance_sheet", "income_statement", "cash_flow", "segment"

# Statement titles as filings print them (after normalise(): lower case, punctuation dropped).
_TITLES: dict[str, tuple[str, ...]] = {
    BALANCE: ("balance sheet", "balance sheets", "statement of financial position", "statements of financial position",
              "statement of financial condition", "statements of financial condition"),
    INCOME: ("income statement", "income statements", "statement of income", "statements of income",
             "statement of operations", "statements of operations", "statement of earnings", "statements of earnings",
             "statement of comprehensive income", "statements of comprehensive income", "profit and loss",
             "statement of consolidated operations", "statements of consolidated operations"),
    CASH_FLOW: ("statement of cash flows", "statements of cash flows", "statement of cash flow",
                "statements of cash flow", "cash flow statement", "cash flows statement", "cash flow statements"),
    SEGMENT: ("segment information", "segment reporting", "segment results", "reportable segments",
              "business segment", "business segments", "operating segments"),
}

# Standard line items per statement (US-GAAP element labels and their usual printed variants).
_LINE_ITEMS: dict[str, tuple[str, ...]] = {
    BALANCE: ("total current assets", "total current liabilities", "total assets", "total liabilities",
              "cash and cash equivalents", "accounts receivable", "inventories", "inventory",
              "property plant and equipment", "property and equipment", "goodwill", "accounts payable",
              "accrued liabilities", "accrued expenses", "long term debt", "retained earnings",
              "total stockholders equity", "total shareholders equity", "total equity", "marketable securities",
              "short term investments", "additional paid in capital", "current portion of long term debt",
              "total liabilities and equity", "total liabilities and stockholders equity",
              "total liabilities and shareholders equity", "prepaid expenses", "treasury stock"),
    INCOME: ("net sales", "total net sales", "revenues", "total revenues", "total revenue", "net revenues",
             "cost of sales", "cost of goods sold", "cost of revenue", "cost of revenues", "gross profit",
             "gross margin", "operating income", "income from operations", "operating profit",
             "total operating expenses", "selling general and administrative", "research and development",
             "interest expense", "income before income taxes", "provision for income taxes", "income tax expense",
             "net income", "net earnings", "net loss", "earnings per share", "diluted", "basic",
             "weighted average shares", "depreciation and amortization", "operating expenses"),
    CASH_FLOW: ("operating activities", "investing activities", "financing activities",
                "net cash provided by operating activities", "net cash used in investing activities",
                "depreciation and amortization", "purchases of property and equipment",
                "purchases of property plant and equipment", "capital expenditures", "additions to property",
                "payments for property", "dividends paid", "repurchases of common stock", "stock based compensation",
                "share based compensation", "deferred income taxes", "net increase in cash",
                "net decrease in cash", "proceeds from"),
    SEGMENT: ("segment", "segments", "reportable segment", "total segment", "corporate and other",
              "intersegment", "eliminations", "operating income", "revenues", "net sales"),
}

# Capital expenditure as cash-flow statements print it (PaymentsToAcquirePropertyPlantAndEquipment and variants).
_CAPEX = ("purchases of property and equipment", "purchases of property plant and equipment", "capital expenditures",
          "additions to property", "payments for property")
_RETURN_ON_ASSETS = ("net income", "net earnings", "total assets")
_RETURN_ON_EQUITY = ("net income", "net earnings", "total stockholders equity", "total shareholders equity",
                     "total equity")
_EARNINGS_PER_SHARE = ("earnings per share", "net income", "diluted", "weighted average shares")

# A ratio or metric -> the line items it is computed from (general accounting definitions).
_METRICS: dict[str, tuple[str, ...]] = {
    "current ratio": ("total current assets", "total current liabilities"),
    "quick ratio": ("cash and cash equivalents", "accounts receivable", "marketable securities",
                    "total current liabilities"),
    "working capital": ("total current assets", "total current liabilities"),
    "capital expenditure": _CAPEX,
    "capital expenditures": _CAPEX,
    "capex": _CAPEX,
    "free cash flow": ("net cash provided by operating activities", "purchases of property and equipment",
                       "purchases of property plant and equipment", "capital expenditures"),
    "gross margin": ("net sales", "revenues", "total revenues", "cost of sales", "cost of goods sold",
                     "cost of revenue", "gross profit"),
    "gross profit": ("net sales", "revenues", "cost of sales", "cost of goods sold", "cost of revenue",
                     "gross profit"),
    "operating margin": ("operating income", "income from operations", "net sales", "revenues", "total revenues"),
    "operating income": ("operating income", "income from operations"),
    "net margin": ("net income", "net earnings", "net sales", "revenues", "total revenues"),
    "profit margin": ("net income", "net earnings", "net sales", "revenues", "total revenues"),
    "ebitda": ("operating income", "income from operations", "depreciation and amortization"),
    "ebit": ("operating income", "income from operations"),
    "return on assets": _RETURN_ON_ASSETS,
    "roa": _RETURN_ON_ASSETS,
    "return on equity": _RETURN_ON_EQUITY,
    "roe": _RETURN_ON_EQUITY,
    "debt to equity": ("long term debt", "total stockholders equity", "total shareholders equity", "total equity"),
    "asset turnover": ("net sales", "revenues", "total revenues", "total assets"),
    "inventory turnover": ("cost of sales", "cost of goods sold", "inventories"),
    "days sales outstanding": ("accounts receivable", "net sales", "revenues"),
    "receivable turnover": ("accounts receivable", "net sales", "revenues"),
    "payable turnover": ("accounts payable", "cost of sales", "cost of goods sold"),
    "interest coverage": ("operating income", "income from operations", "interest expense"),
    "effective tax rate": ("provision for income taxes", "income tax expense", "income before income taxes"),
    "dividend payout": ("dividends paid", "net income", "net earnings"),
    "earnings per share": _EARNINGS_PER_SHARE,
    "eps": _EARNINGS_PER_SHARE,
    "cash from operations": ("net cash provided by operating activities", "operating activities"),
    "operating cash flow": ("net cash provided by operating activities", "operating activities"),
    "depreciation and amortization": ("depreciation and amortization",),
    "cost of goods sold": ("cost of goods sold", "cost of sales", "cost of revenue"),
    "total current assets": ("total current assets",),
    "total current liabilities": ("total current liabilities",),
}

# Metrics that are one line item under another name: the row that states it answers a question naming the metric
# ("capital expenditure" is the cash-flow row "Purchases of property, plant and equipment").
_SAME_QUANTITY: dict[str, tuple[str, ...]] = {
    "capital expenditure": _CAPEX + ("purchases of property equipment",),
    "capex": _CAPEX,
    "operating income": ("income from operations", "operating profit"),
    "operating cash flow": ("net cash provided by operating activities", "cash provided by operations",
                            "net cash from operating activities"),
    "cost of goods sold": ("cost of sales", "cost of revenue", "cost of revenues", "cost of products sold"),
    "shareholders equity": ("total stockholders equity", "total shareowners equity", "total equity"),
    "revenue": ("total net sales", "net sales", "net revenues", "total net revenues", "total revenues"),
    "net income": ("net earnings",),
    # AccruedLiabilitiesCurrent ("Accrued Liabilities, Current"): what analysts call the company's accruals.
    "accruals": ("accrued liabilities", "accrued expenses"),
}
# Line items whose whole label states a metric ("(loss)" and footnote marks aside). NetIncomeLoss is "Net Income
# (Loss) Attributable to Parent": the net income attributable to the shareholders, printed "Net income" or "Net
# income attributable to <Company>" (not to noncontrolling interests). StockholdersEquity ("Stockholders' Equity
# Attributable to Parent") is printed "Total stockholders' equity", "Total <Company> shareholders' equity" or
# "Total common stockholders' equity". ("Common equity" is not added: the word "common" would pull in every
# question about common stock.)
_SAME_LINE: dict[str, re.Pattern[str]] = {
    "net income attributable to shareholders stockholders": re.compile(
        r"^ net (?:income|earnings)(?: loss)?(?: attributable to (?!non ?controlling|minority|participating)"
        r"[a-z ]+)? $"),
    "shareholders equity": re.compile(
        r"^ total (?:[a-z]+ )?(?:common )?(?:stockholders|shareholders|shareowners) equity $"),
}
_LABEL_MARKS = re.compile(r"\(\s*(?:loss|losses|\d{1,2}|[a-z])\s*\)", re.I)  # "(loss)", "(1)", "(a)"


def metric_names(label: str) -> list[str]:
    """The metrics a row label states under another name ("Purchases of property, plant and equipment (PP&E)" ->
    capital expenditure, capex), so that a question naming the metric finds the row."""
    text = normalise(label)
    whole = normalise(_LABEL_MARKS.sub(" ", label))
    found = [metric for metric, items in _SAME_QUANTITY.items() if any(_contains(text, i) for i in items)]
    return list(dict.fromkeys(found + [metric for metric, pattern in _SAME_LINE.items() if pattern.match(whole)]))


# Line items a statement of each kind must show at least this many of (distinct) to count as one when no title
# names it: an MD&A paragraph repeats one or two line items, a statement lists many.
MIN_LINE_ITEMS = 4
# A statement shows figures: at least this many numbers, and this share of its words.
MIN_FIGURES, FIGURE_SHARE = 6, 0.25
_FIGURE = re.compile(r"[$(]*-?\$?\d[\d,.]*%?\)?[,;]?")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces, whitespace collapsed, padded with spaces so
    that phrase tests (" total assets " in text) match whole words only."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return f" {text.strip()} "


def _contains(normalised: str, phrase: str) -> bool:
    return f" {phrase} " in normalised


@dataclass(frozen=True)
class StatementNeed:
    """What a question asks of the financial statements: the statements it names by title and the line items its
    ratios, metrics or own words point to. Empty (falsy) when the question asks neither."""

    statements: frozenset[str] = frozenset()
    line_items: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.statements or self.line_items)


def statement_need(question: str) -> StatementNeed:
    """The statements and line items `question` asks for: statement titles it names ("cash flow statement"), and the
    line items behind the ratios and metrics it names ("current ratio" -> total current assets, total current
    liabilities)."""
    text = normalise(question)
    statements = {kind for kind, titles in _TITLES.items() if any(_contains(text, t) for t in titles)}
    if _contains(text, "p l") or _contains(text, "pnl"):
        statements.add(INCOME)
    items = {item for metric, wanted in _METRICS.items() if _contains(text, metric) for item in wanted}
    return StatementNeed(frozenset(statements), frozenset(items))


def expanded_query(question: str) -> str:
    """`question` followed by the line items its ratios and metrics are computed from (unchanged when it names
    none), so that a word-matching route can reach the statement rows, which never print the ratio's name."""
    need = statement_need(question)
    extra = sorted(need.line_items - {i for i in need.line_items if _contains(normalise(question), i)})
    return f"{question} {' '.join(extra)}" if extra else question


def looks_tabular(text: str) -> bool:
    """Whether text reads as a table of figures rather than prose: a statement's words are largely figures (MD&A
    prose that names the same line items is mostly words)."""
    tokens = [t for t in re.split(r"[\s|]+", text) if t.strip("-—$()")]
    numbers = sum(1 for t in tokens if _FIGURE.fullmatch(t))
    return numbers >= MIN_FIGURES and numbers >= FIGURE_SHARE * len(tokens)


def statement_kinds(text: str, heading: str = "") -> frozenset[str]:
    """The statements an element is (possibly several: a segment table of revenues and operating income), from its
    title, caption or section heading (`heading`) and the start of its text, or from how many distinct standard
    line items its text lists (MIN_LINE_ITEMS)."""
    if not looks_tabular(text):
        return frozenset()
    body = normalise(text)
    head = normalise(f"{heading} {text[:300]}")
    kinds = set()
    for kind, items in _LINE_ITEMS.items():
        count = sum(1 for item in items if _contains(body, item))
        titled = any(_contains(head, t) for t in _TITLES[kind])
        if count >= MIN_LINE_ITEMS or (titled and count >= 2):
            kinds.add(kind)
    return frozenset(kinds)


def statement_match(need: StatementNeed, text: str, heading: str = "") -> tuple[int, int]:
    """How well an element answers `need`, best first when sorted in reverse: (0, 0) when it is not a financial
    statement or holds nothing asked for; else (the wanted line items it lists, plus one for being a statement
    the question names, plus one for carrying a statement's title in its own heading, i.e. a primary statement
    rather than an MD&A summary or a note's table; the standard line items it lists, a complete statement
    listing more than an excerpt)."""
    if not need:
        return 0, 0
    kinds = statement_kinds(text, heading)
    if not kinds:
        return 0, 0
    body = normalise(text)
    items = sum(1 for item in need.line_items if _contains(body, item))
    named = 1 if need.statements & kinds else 0
    if need.statements and not named and not items:
        return 0, 0
    head = normalise(heading)
    titled = 1 if any(_contains(head, t) for kind in kinds for t in _TITLES[kind]) else 0
    complete = sum(1 for kind in kinds for item in _LINE_ITEMS[kind] if _contains(body, item))
    return items + named + titled, complete


def heading_of(section: Sequence[str], caption: str | None) -> str:
    """The words that title an element: its caption and its innermost section heading (the outer ones title the
    whole part, e.g. "Financial Statements and Supplementary Data", above notes and statements alike)."""
    return " ".join([caption or "", *section[-1:]])
