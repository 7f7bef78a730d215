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
