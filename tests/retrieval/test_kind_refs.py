"""Element kinds named in a question ("the revenue table", "그림 2")."""
from __future__ import annotations

import pytest

from retrieval.kind_refs import kind_references


@pytest.mark.parametrize("query, kinds", [
    ("revenue by region table", {"table"}),
    ("Which chart shows unit sales?", {"figure"}),
    ("In Figure 3, what is plotted?", {"figure"}),
    ("the table and the graph on page 4", {"table", "figure"}),
    ("[표 1]의 분류 기준", {"table"}),
    ("표에서 감염병 분류를 찾아줘", {"table"}),
    ("그림 2는 무엇을 보여주나요", {"figure"}),
    ("대표이사의 발표 목표", set()),  # 표 inside other words is not a table
    ("What was the tablet revenue?", set()),  # nor is "tablet"
    ("What were total net sales?", set()),
])
def test_kind_references(query, kinds):
    assert kind_references(query) == kinds
