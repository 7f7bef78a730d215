import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, ParseOptions, parse_document  # noqa: E402
from docparse.table_continuation import TableRun, header_row_count, repeats_header  # noqa: E402
from tests.pdf_builders import make_long_table_pdf  # noqa: E402


def test_header_row_count():
    assert header_row_count([["Item", "2022", "2021"], ["North", "1,200", "1,350"]]) == 1
    assert header_row_count([["", "Three Months", ""], ["", "2022", "2021"], ["Sales", "82,959", "81,434"]]) == 2
    assert header_row_count([["North", "1,200"], ["South", "980"]]) == 0
    assert header_row_count([["Name", "Role"], ["Kim", "Chair"]]) == 1  # words only: the first row names columns
    korean = [["구분", "개정전", "개정후"], ["분류", "1군 감염병", "제1급감염병"], ["정의", "발생 즉시", "신고"],
              ["예시", "콜레라", "에볼라"], ["기준", "전파력", "심각도"]]
    assert header_row_count(korean) == 1  # longer words-only tables too
    assert header_row_count([["", "2022", "2021"], ["Total net sales", "$ 82,959", "$ 81,434"]]) == 1
    assert header_row_count([["", "Q1", ""], ["", "units", "share"], ["Note", "see text", ""], ["A", "12", "3"]]) == 3


def test_repeats_header():
    header = (("Item", "2022"),)
    assert repeats_header([["item", " 2022 "], ["A", "1"]], header)
    assert not repeats_header([["A", "1"]], header)
    assert not repeats_header([["A", "1"]], ())


def test_table_run_rules():
    run = TableRun()
    run.new_page()
    first = [["Item", "2022"], ["A", "1"]]
    assert run.continued(first, None) is None
    run.opened("t1", first, "Table 1", None)
    run.new_page()
    assert run.continued([["B", "2"]], None).element_id == "t1"
    assert run.continued([["B", "2"]], "Table 2. Another") is None  # its own caption: a new table
    assert run.continued([["B", "2", "3"]], None) is None  # other columns
    run.content()
    run.new_page()
    assert run.continued([["B", "2"]], None) is None  # body text came between


def test_parser_links_a_table_continued_on_the_next_page(tmp_path):
    doc = parse_document(make_long_table_pdf(tmp_path / "long.pdf"), ParseOptions())
    tables = [e for e in doc.elements if e.kind is ElementKind.TABLE]
    assert [t.page for t in tables] == [1, 2]
    first, second = tables
    meta = dict(second.metadata)
    assert meta["continues"] == first.id
    assert meta["header"] == "Item | 2022 | 2021" and meta["header_rows"] == "0"
    assert second.caption == "Table 3. Units shipped by item (continued)"
    assert dict(first.metadata)["header_rows"] == "1"
    contract = second.to_contract()
    assert contract["continues"] == first.id and contract["html"].startswith("<table><tr><td>")
    assert first.to_contract()["html"].startswith("<table><tr><th>Item</th>")


def test_continuation_header_reaches_the_index_text(tmp_path):
    from retrieval.element_text import embedding_text

    doc = parse_document(make_long_table_pdf(tmp_path / "long.pdf"), ParseOptions())
    second = [e for e in doc.elements if e.kind is ElementKind.TABLE][1]
    assert "Item | 2022 | 2021" in embedding_text(second)
