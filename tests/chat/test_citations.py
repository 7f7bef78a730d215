import pytest

from chat.citations import parse_citations
from chat.context import select_evidence
from tests.chat.evidence_fixtures import element, hits


@pytest.fixture
def items():
    return select_evidence(hits(*(element("text", f"passage {i}", page=i + 1) for i in range(4))))


def test_known_keys_cited_in_order_of_first_appearance(items):
    text, cites = parse_citations("B is true [S3]. A is true [S1][S4]. Again [S3].", items)
    assert text == "B is true [S3]. A is true [S1][S4]. Again [S3]."
    assert [c.key for c in cites] == ["S3", "S1", "S4"]
    assert [c.element.page for c in cites] == [3, 1, 4]


def test_grouped_keys_and_case(items):
    text, cites = parse_citations("Both [S2, S1] and [s4;S2].", items)
    assert text == "Both [S2, S1] and [S4, S2]."
    assert [c.key for c in cites] == ["S2", "S1", "S4"]


@pytest.mark.parametrize("raw, expected", [
    ("Revenue was 4,812 [S1] and see [S9].", "Revenue was 4,812 [S1] and see."),
    ("Profit [S9], revenue [S1].", "Profit, revenue [S1]."),
    ("Claim [S1][S9] more [S9] text.", "Claim [S1] more text."),
    ("Claim [S1, S9] and [S7, S8].", "Claim [S1] and."),
    ("[S9] Leading marker.", "Leading marker."),
    ("Line one [S1].\n[S9] Line two.", "Line one [S1].\nLine two."),
    ("word[S9] next", "word next"),
    ("see [S9]and", "see and"),
    ("[S1] [S9] text", "[S1] text"),
])
def test_unknown_keys_removed_cleanly(items, raw, expected):
    text, cites = parse_citations(raw, items)
    assert text == expected
    assert "  " not in text and "[]" not in text
    assert all(c.key in {"S1", "S2", "S3", "S4"} for c in cites)


def test_no_items_strips_every_marker():
    text, cites = parse_citations("Earlier answer [S1] with [S2, S3].", ())
    assert text == "Earlier answer with." and cites == ()


def test_non_key_brackets_untouched(items):
    text, cites = parse_citations("Array [0] and [Section 2] and [S] stay; [S2] cited.", items)
    assert text == "Array [0] and [Section 2] and [S] stay; [S2] cited."
    assert [c.key for c in cites] == ["S2"]
