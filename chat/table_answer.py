"""Reading a table for a question: the cell(s) at the row and column the question names, with units.

A table element's dense grid (or its Markdown when the grid is missing) is split into header rows and data rows
by the parser's rule (docparse.table_continuation.header_row_count). Every value cell is scored by the question
terms its row label, its column header and the table's caption/section hold together, so both layouts work:
items in rows and periods in columns, or the transpose. Units come from the caption, the section, the header
cells or a "(in millions)" row/cell; a currency sign in its own layout column travels with the value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Sequence

from chat.answer_arithmetic import restated
from chat.answer_terms import NUMBER, focus, overlap, terms
from chat.arithmetic_ask import AskedScale
from chat.table_totals import totals_above
from docparse.element import Element
from docparse.table_continuation import header_row_count
from retrieval.financial_statements import metric_names

FILLER_CELL = re.compile(r"^[\s$€£¥₩%()\-–—]*$")  # "$", "%", "—": layout columns, not values
_CURRENCY_CELL = re.compile(r"^\s*([$€£¥₩])\s*$")
# "(in millions)", "($ in thousands)", "in billions of dollars", "(단위: 백만원)"; the header cell "(Millions)" or
# "(thousands, except per share amounts)" some filers print instead
_SCALE = re.compile(r"\b(?:in|amounts? in)\s+(?:[$€£¥]\s*)?(?:us\s*)?(thousands|millions|billions)\b|"
                    r"\(\s*(?:[$€£¥]\s*)?(thousands|millions|billions)\b", re.I)
_KO_UNIT = re.compile(r"단위\s*[:：]?\s*([^\s)\]]+)")
_PERCENT_HEADER = re.compile(r"%|\bpercent(?:age)?\b", re.I)
# Rows stated per unit, not in the table's scale ("Diluted earnings per share" in a table "in millions"), and
# counts of people ("Total staff at period-end" in a table "$ in millions", "Employees" in one "(Millions, except
# Employees)"), and the prices of a stock-award table ("Weighted Average Grant-Date Fair Value", "exercise price").
_UNSCALED = re.compile(r"\bper\s+(?:share|unit|employee)\b|\bratio\b|\brate\b|\bnumber of\b|\bheadcount\b|"
                       r"\bemployees\b|\bstaff\b(?!\s+(?:costs?|expenses?|compensation))|"
                       r"\bgrant[- ]date\s+fair\s+value\b|\b(?:exercise|average|share)\s+price\b", re.I)
MAX_TIED_VALUES = 4
_FOOTNOTE = re.compile(r"(?:\s*(?:\(\d{1,2}\)|\([a-z]\)|[®™*†‡]))+\s*$")
_MAX_SUPPORT_CHARS = 300


def markdown_grid(text: str) -> list[list[str]]:
    """Rows of a Markdown pipe table in `text` (separator lines dropped); [] when there is none."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        rows.append(cells)
    return rows


def table_grid(element: Element) -> list[list[str]]:
    """The element's grid, rows padded to one width; [] for a table of fewer than two rows."""
    grid = [list(r) for r in element.cells] if element.cells else markdown_grid(element.text)
    if len(grid) < 2:
        return []
    width = max(len(r) for r in grid)
    return [[c.strip() for c in row] + [""] * (width - len(row)) for row in grid]


def header_rows(grid: Sequence[Sequence[str]]) -> int:
    """The parser's header rule, kept to at least 1 row and always leaving a data row."""
    return max(1, min(header_row_count(grid), len(grid) - 1))


def column_headers(header: Sequence[Sequence[str]], width: int) -> list[tuple[str, str]]:
    """(group, leaf) header per column; group headers span to the right over empty slots (dense-grid spans)."""
    filled: list[list[str]] = []
    for depth, row in enumerate(header):
        cells = list(row) + [""] * (width - len(row))
        if depth < len(header) - 1:
            last = ""
            for i, cell in enumerate(cells):
                last = cell.strip() or (last if i > 0 else "")
                cells[i] = last
        filled.append([c.strip() for c in cells])
    out = []
    for col in range(width):
        parts = [filled[d][col] for d in range(len(filled)) if filled[d][col]]
        leaf = parts[-1] if parts else ""
        group = " ".join(p for p in parts[:-1] if p != leaf)
        out.append((group, leaf))
    return out


def scale_unit(text: str) -> str:
    """The unit word a caption or header states for the amounts ("million" for "(in millions)"), or ""."""
    match = _SCALE.search(text)
    if match:
        return (match.group(1) or match.group(2)).lower().rstrip("s")
    match = _KO_UNIT.search(text)
    return match.group(1) if match else ""


def _row_label(cells: Sequence[str]) -> tuple[str, int]:
    """The row's first non-filler cell, without footnote markers ("Total net sales (4)", "iPhone ® (1)"), and
    its column; ("", -1) when there is none."""
    for col, cell in enumerate(cells):
        if cell and not FILLER_CELL.match(cell):
            return _FOOTNOTE.sub("", cell).strip() or cell, col
    return "", -1


def _column_name(headers: Sequence[tuple[str, str]], col: int) -> str:
    group, leaf = headers[col]
    return " ".join(p for p in (group, leaf) if p)


@dataclass(frozen=True)
class TableRow:
    """One data row: label (with the label of a value-less section row above it, "Net sales: Total"), the
    (column, value) slots holding values, and the row rendered "Label — Column: value; ...". whole_terms: the
    words of the total rows it adds up to (chat.table_totals), which a question naming it as a part of them
    uses ("net sales for cheese"). names: the terms of each name it goes by, its label (with its section's) and
    each metric it states (retrieval.financial_statements.metric_names); label_terms holds them all."""

    index: int
    label: str
    label_terms: dict
    values: tuple[tuple[int, str], ...]
    rendered: str
    own_text: str
    whole_terms: dict = field(default_factory=dict)
    names: tuple[dict, ...] = ()


@dataclass(frozen=True)
class TableView:
    """A table read for answering: its rows, column headers, the unit of its amounts and its context terms."""

    rows: tuple[TableRow, ...]
    headers: tuple[tuple[str, str], ...]
    unit: str
    context: str
    cells: tuple[tuple[str, ...], ...]


def _aligned(header: Sequence[Sequence[str]], body: Sequence[Sequence[str]]) -> list[list[str]]:
    """Header rows with each leaf moved onto the values it names: a leaf above a layout column ("$", blank) that
    holds no values belongs to the value column right of it (a spanning cell's text sits in its first slot)."""
    width = len(header[0]) if header else 0
    holds_values = [any(len(row) > col and row[col] and not FILLER_CELL.match(row[col]) for row in body)
                    for col in range(width)]
    rows = [list(r) for r in header]
    leaf = rows[-1] if rows else []
    for col in range(2, width):
        if not leaf[col] and leaf[col - 1] and not holds_values[col - 1] and holds_values[col]:
            leaf[col] = leaf[col - 1]
    return rows


def read_table(element: Element) -> TableView | None:
    """The table of `element` split into header and labelled data rows; None when it has no data rows."""
    grid = table_grid(element)
    if not grid:
        return None
    width = len(grid[0])
    n_header = header_rows(grid)
    headers = column_headers(_aligned(grid[:n_header], grid[n_header:]), width)
    header_text = " ".join(f"{g} {h}" for g, h in headers)
    # The caption and section speak for every cell; the column headers only for their own column.
    context = " ".join(filter(None, [element.caption or "", " ".join(element.section)]))
    unit = scale_unit(" ".join([element.caption or "", " ".join(element.section), header_text]))
    rows: list[TableRow] = []
    parent = ""
    for index, cells in enumerate(grid[n_header:], n_header):
        label, label_col = _row_label(cells)
        values = tuple((col, cells[col]) for col in range(label_col + 1 if label else 0, width)
                       if cells[col] and not FILLER_CELL.match(cells[col]))
        if not values:
            if label:
                unit = unit or scale_unit(label)
                # A label with no values heads the rows below it ("Net sales by category:" above "Total").
                parent = label.rstrip(":")
            continue
        section = parent
        if label.lower().startswith("total"):
            parent = ""  # a total closes its section
        # A row stating a metric under its line-item name answers to the metric's words too (retrieval.
        # financial_statements: "Purchases of property, plant and equipment" is the capital expenditure).
        metrics = metric_names(label)
        own_terms = {**terms(" ".join(metrics)), **terms(label)}
        parent_terms = terms(section)
        names = ({**parent_terms, **terms(label)}, *(terms(m) for m in metrics))
        # "Net sales: Products", but "Total net sales" alone when its own words already say what the parent does.
        shown = f"{section}: {label}" if section and label and not set(parent_terms) <= set(own_terms) else label
        parts, last_group = [], None
        for col, value in values:
            group, leaf = headers[col]
            name = leaf if group == last_group or not group else f"{group} {leaf}".strip()
            last_group = group
            parts.append(f"{name}: {value}" if name else value)
        rendered = f"{label} \u2014 {'; '.join(parts)}" if label else "; ".join(parts)
        own_text = " ".join(c for c in cells if c)
        rows.append(TableRow(index, shown, {**parent_terms, **own_terms}, values, rendered, own_text,
                             names=names))
    if not rows:
        return None
    return TableView(_with_wholes(rows), tuple(headers), unit, context, tuple(tuple(r) for r in grid))


def _with_wholes(rows: Sequence[TableRow]) -> tuple[TableRow, ...]:
    """The rows, each part of a total holding the total's words: not "Total", which names no part, nor the
    total's dates (a roll-forward's "Balance as of December 31, 2019" adds up the year's movements, which
    belong to no other year's column)."""
    out = []
    for row, wholes in zip(rows, totals_above([r.values for r in rows])):
        words = {t: w for i in wholes for t, w in rows[i].label_terms.items()
                 if t != "total" and not t[:1].isdigit()}
        out.append(replace(row, whole_terms=words) if words else row)
    return tuple(out)


def with_unit(view: TableView, row: TableRow, col: int, value: str) -> str:
    """The value as stated: its currency sign (in the cell or in the layout column before it), the table's
    scale ("million") or the column's percent sign."""
    shown = " ".join(value.split())
    cells = view.cells[row.index]
    if col > 0 and _CURRENCY_CELL.match(cells[col - 1]) and not shown.startswith(cells[col - 1].strip()):
        shown = cells[col - 1].strip() + shown
    shown = re.sub(r"^([$€£¥₩])\s+", r"\1", shown)
    name = _column_name(view.headers, col)
    if not NUMBER.search(shown):
        return shown
    percent = "%" in shown or _PERCENT_HEADER.search(name) or _PERCENT_HEADER.search(row.label)
    if percent:
        return shown if "%" in shown else f"{shown}%"
    if view.unit and not re.search(r"[a-z가-힣]", shown, re.I) and not _UNSCALED.search(f"{row.label} {name}"):
        return f"{shown} {view.unit}"
    return shown


@dataclass(frozen=True)
class CellMatch:
    """A scored value cell. score: question weight its row label, column header and table context hold
    together; row_hit / col_hit: weight held by the row label / column header alone; focus: share of the row
    label's terms the question asks for."""

    row: TableRow
    col: int
    value: str
    score: float
    row_hit: float
    col_hit: float
    focus: float
    column: str


def part_terms(question: dict[str, float], row: TableRow) -> dict[str, float]:
    """The words of the totals `row` adds up to, when the question names the row as a part of them: its own
    label holds a question word the totals' labels do not ("cheese" in "net sales for cheese"), other than
    "total" ("the total provision" asks for the provision row, not "Total current"); else none."""
    wholes = row.whole_terms
    if wholes and any(t in question for t in row.label_terms if t not in wholes and t != "total"):
        return wholes
    return {}


def _header_terms(name: str) -> dict[str, float]:
    """A column header's terms; a "%" header also answers to "percentage" and "percent"."""
    out = terms(name)
    if "%" in name:
        out.update({"percentage": 1.0, "percent": 1.0})
    return out


def match_cells(question: dict[str, float], view: TableView) -> list[CellMatch]:
    """Value cells whose row is named by the question (or which hold a number the question names), best first:
    most question weight held, then most of it held by the row label and column header themselves (not through
    the caption), then the row label most focused on the question, then the column most named, then the
    leftmost column (tables put the current period first)."""
    context_terms = terms(view.context)
    column_terms = [_header_terms(_column_name(view.headers, c)) for c in range(len(view.headers))]
    # A period the headers name ("2019") says nothing about a row whose long label happens to mention it
    # ("... outstanding at 2019 and 2018"): such numbers count for the column, not the row.
    header_numbers = {t for col in column_terms for t in col if t[:1].isdigit()}
    out: list[CellMatch] = []
    for row in view.rows:
        label_terms = {t: w for t, w in row.label_terms.items() if t not in header_numbers}
        row_hit = overlap(question, label_terms)
        # how much of the row's label, or of a metric it states, the question asks for: a metric's extra words
        # ("Net income" is the net income attributable to shareholders) do not make the label less asked for
        row_focus = max(focus(question, {t: w for t, w in n.items() if t not in header_numbers})
                        for n in row.names or (label_terms,))
        wholes = part_terms(question, row)
        for col, value in row.values:
            value_terms = terms(value)
            named_value = any(t in question for t in value_terms if t[:1].isdigit())
            if row_hit <= 0 and not named_value:
                continue
            # the total a part row adds up to speaks for it like the caption does, not as its own label
            union = {**context_terms, **wholes, **column_terms[col], **label_terms,
                     **(value_terms if named_value else {})}
            out.append(CellMatch(row, col, value, overlap(question, union), row_hit,
                                 overlap(question, column_terms[col]), row_focus,
                                 _column_name(view.headers, col)))
    out.sort(key=lambda m: (-m.score, -(m.row_hit + m.col_hit), -m.focus, -m.col_hit, m.row.index, m.col))
    return out


def best_row(question: dict[str, float], view: TableView,
             matches: Sequence[CellMatch]) -> tuple[float, float, list[CellMatch]]:
    """(weight held, weight held without the caption/section, cells) of the row whose label and named columns
    together hold the most question weight, when the question names two or more of its columns ("for 2018 and
    2019"); (0, 0, []) when it names fewer."""
    context_terms = terms(view.context)
    by_row: dict[int, list[CellMatch]] = {}
    for m in matches:
        by_row.setdefault(m.row.index, []).append(m)
    best: tuple[float, float, float, list[CellMatch]] = (0.0, 0.0, 0.0, [])
    for cells in by_row.values():
        named = sorted((m for m in cells if m.col_hit > 0), key=lambda m: m.col)
        if len(named) < 2:
            continue
        own = dict(named[0].row.label_terms)
        for m in named:
            own.update(_header_terms(m.column))
        score = overlap(question, {**context_terms, **part_terms(question, named[0].row), **own})
        if (score, named[0].focus) > best[:2]:
            best = (score, named[0].focus, overlap(question, own), named[:MAX_TIED_VALUES])
    return best[0], best[2], best[3]


def tied(best: CellMatch, matches: Sequence[CellMatch]) -> list[CellMatch]:
    """The matches as good as `best` by every ranking measure but position: the question does not tell them
    apart (e.g. it names the row but no period), so they are shown side by side, each labelled."""
    same = [m for m in matches if (m.score, m.row_hit, m.focus, m.col_hit)
            == (best.score, best.row_hit, best.focus, best.col_hit)]
    return same[:MAX_TIED_VALUES]


def cell_line(view: TableView, chosen: Sequence[CellMatch], asked: AskedScale | None = None) -> str:
    """The fact line: "$82,959 million — Total net sales, Three Months Ended June 25, 2022" for one cell; the
    row label then each value with its column for several cells of one row; "label, column: value" pieces for
    cells of several rows. An amount is restated in the scale the question asks (`asked`), as printed after it:
    "$82.96 billion ($82,959 million as printed)"."""
    def shown(m: CellMatch) -> str:
        value = with_unit(view, m.row, m.col, m.value)
        return restated(value, asked.scale, asked.decimals, f"{m.row.label} {m.column}") if asked else value

    first = chosen[0]
    if len(chosen) == 1:
        where = ", ".join(p for p in (first.row.label, first.column) if p)
        return f"{shown(first)} \u2014 {where}"
    if all(m.row.index == first.row.index for m in chosen):
        values = "; ".join(f"{shown(m)} ({m.column})" if m.column else shown(m) for m in chosen)
        return f"{first.row.label}: {values}"
    return "; ".join(f"{m.row.label}{', ' + m.column if m.column else ''}: {shown(m)}" for m in chosen)


def support_line(element: Element, row: TableRow) -> str:
    """The whole row as support, with the table's caption: the other periods of the same line item."""
    text = row.rendered
    if len(text) > _MAX_SUPPORT_CHARS:
        text = text[:_MAX_SUPPORT_CHARS].rsplit(" ", 1)[0] + " \u2026"
    caption = " ".join((element.caption or "").split())
    return f"{caption}: {text}" if caption else text
