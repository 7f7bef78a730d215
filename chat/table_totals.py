"""Which rows of a table a total row adds up: the rows a question may name as parts of that total.

A table often breaks a total into parts without saying so in the part labels: "Cheese", "Frozen Kefir" above a
closing "Net Sales" row, "Federal" and "State and local" above "Total current", which with "Deferred" makes up
"Provision (benefit) for income taxes". A question asks for a part in the total's words ("net sales for cheese",
"the provision for state and local income taxes"), so a part row answers to its total's label too.

A row is a total when the rows right above it add up to it, checked on the figures themselves, in every column
it states: at least two rows, in at least two columns (one column only when three or more rows add up, since
two small numbers summing to a third happen by chance). The shortest such run of rows counts, so a grand total
under a subtotal ("Total current" + "Deferred") finds the subtotal, whose own parts then belong to both.
"""
from __future__ import annotations

from typing import Sequence

from chat.answer_arithmetic import parse_quantity

_MIN_PARTS = 2
_MIN_PARTS_ONE_COLUMN = 3
_MIN_COLUMNS = 2


def _amounts(values: Sequence[tuple[int, str]]) -> dict[int, tuple[float, int]]:
    """column -> (value, decimals written) for the cells that state one number."""
    out = {}
    for col, value in values:
        quantity = parse_quantity(value)
        if quantity is not None:
            out[col] = (quantity.value, quantity.decimals)
    return out


def _adds_up(total: float, decimals: int, parts: float, count: int) -> bool:
    """Equal up to the rounding of `count` stated parts (half a unit of the last digit each), for totals large
    against that unit; small numbers must add up exactly."""
    unit = 10.0 ** -decimals
    slack = unit * (count // 2) if abs(total) >= 100 * unit else 0.0
    return abs(total - parts) <= slack + 1e-9


def _summed_run(amounts: Sequence[dict[int, tuple[float, int]]], at: int) -> int:
    """How many rows right above row `at` add up to it in every column it states (the fewest that do), or 0."""
    own = amounts[at]
    if not own or all(value == 0 for value, _ in own.values()):
        return 0
    sums = dict.fromkeys(own, 0.0)
    for count, row in enumerate(reversed(amounts[:at]), 1):
        if not any(col in row for col in own):
            return 0  # a row with none of the total's columns ends its block
        for col in sums:
            sums[col] += row.get(col, (0.0, 0))[0]
        enough = count >= (_MIN_PARTS if len(own) >= _MIN_COLUMNS else _MIN_PARTS_ONE_COLUMN)
        if enough and all(_adds_up(value, decimals, sums[col], count) for col, (value, decimals) in own.items()):
            return count
    return 0


def totals_above(rows: Sequence[Sequence[tuple[int, str]]]) -> list[list[int]]:
    """For each row (its (column, value) cells, in table order) the positions of the total rows it is a part of,
    nearest first: directly, or through a subtotal that is itself a part."""
    amounts = [_amounts(values) for values in rows]
    parent: dict[int, int] = {}
    for at in range(len(rows)):
        count = _summed_run(amounts, at)
        for part in range(at - count, at):
            parent.setdefault(part, at)
    out = []
    for at in range(len(rows)):
        chain, node = [], at
        while node in parent:
            node = parent[node]
            chain.append(node)
        out.append(chain)
    return out
