import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, ParseOptions, parse_document  # noqa: E402

BODY = ("The committee reviewed the annual budget and approved the capital plan for the coming year. "
        "Spending on maintenance rises while new construction is deferred until the review ends.")


def test_running_heads_and_page_numbers_become_metadata_not_body_text(tmp_path):
    doc = pymupdf.open()
    for n in (1, 2):
        page = doc.new_page()
        page.insert_text((72, 30), "Zentrix Corp | Annual Report 2023", fontsize=8)
        page.insert_textbox(pymupdf.Rect(72, 100, 540, 400), BODY, fontsize=11)
        page.insert_text((300, 825), f"Page {n}", fontsize=8)
    path = tmp_path / "furniture.pdf"
    doc.save(path)
    texts = [e for e in parse_document(path, ParseOptions()).elements if e.kind is ElementKind.TEXT]
    assert [e.page for e in texts] == [1, 2]
    for element in texts:
        assert "Annual Report" not in element.text and "Page" not in element.text
        meta = dict(element.metadata)
        assert meta["page_header"] == "Zentrix Corp | Annual Report 2023"
        assert meta["page_footer"] == f"Page {element.page}"


def test_the_top_line_of_a_one_page_document_is_body_text(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 30), "Launch code for omega is 5521", fontsize=9)  # in the top 6%: a header by place
    page.insert_textbox(pymupdf.Rect(72, 100, 540, 400), BODY, fontsize=11)
    path = tmp_path / "note.pdf"
    doc.save(path)
    texts = [e.text for e in parse_document(path, ParseOptions(ocr="off")).elements]
    assert any("Launch code for omega is 5521" in t for t in texts)


def test_a_margin_line_on_one_page_only_stays_in_the_body(tmp_path):
    doc = pymupdf.open()
    for n in range(1, 6):
        page = doc.new_page()
        page.insert_text((72, 30), "Zentrix Corp | Annual Report 2023", fontsize=8)
        if n == 4:
            page.insert_text((72, 820), "Errata: the reactor number is 7741", fontsize=8)
        page.insert_textbox(pymupdf.Rect(72, 100, 540, 400), BODY, fontsize=11)
    path = tmp_path / "five.pdf"
    doc.save(path)
    elements = parse_document(path, ParseOptions(ocr="off")).elements
    assert [e.page for e in elements if "reactor number is 7741" in e.text] == [4]
    assert not any("Annual Report" in e.text for e in elements)  # repeated: furniture, kept as metadata
    assert all(dict(e.metadata)["page_header"] == "Zentrix Corp | Annual Report 2023" for e in elements)


def test_layout_furniture_that_does_not_repeat_is_restored(tmp_path, monkeypatch):
    from docparse import pdf_boxes
    from docparse.page_box import PageBox

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 400), "Table 1: Totals", fontsize=11)  # a table caption routes the page to layout
    page.insert_textbox(pymupdf.Rect(72, 420, 540, 600), BODY, fontsize=11)
    path = tmp_path / "layout.pdf"
    doc.save(path)

    def classed_as_header(doc, pno):
        return [PageBox("furniture", (72, 20, 300, 32), "Only copy of the access phrase", meta={"place": "header"}),
                PageBox("text", (72, 420, 540, 600), BODY)]

    monkeypatch.setattr(pdf_boxes, "boxes_from_layout", classed_as_header)
    texts = [e.text for e in parse_document(path, ParseOptions(ocr="off")).elements]
    assert texts and texts[0].startswith("Only copy of the access phrase")
