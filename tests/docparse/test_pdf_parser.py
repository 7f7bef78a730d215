import logging
from pathlib import Path

import pytest

pymupdf = pytest.importorskip("pymupdf")

import docparse.pdf_boxes as pdf_boxes  # noqa: E402
import docparse.pdf_parser as pdf_parser  # noqa: E402
from docparse import (CorruptDocumentError, DocumentTooLargeError, ElementKind, EncryptedDocumentError,  # noqa: E402
                      ParseOptions, UnsupportedFormatError, parse_document)
from tests.pdf_builders import (TABLE_GRID, KOREAN_GRID, make_bad_files, make_korean_pdf,  # noqa: E402
                                make_report_pdf)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    path = make_report_pdf(folder / "report.pdf")
    return parse_document(path, ParseOptions(assets_dir=folder / "assets"))


def _of(doc, kind, page=None):
    return [e for e in doc.elements if e.kind is kind and (page is None or e.page == page)]


def test_info(report, tmp_path):
    assert report.info.source == "report.pdf" and report.info.pages == 3 and report.info.format == "pdf"
    assert len(report.info.doc_id) == 40


def test_headings_and_sections(report):
    titles = [(e.page, e.text, e.section) for e in _of(report, ElementKind.TITLE)]
    assert titles == [(1, "1 Introduction", ()), (2, "2 Results", ()), (3, "3 Sales", ())]
    text1 = _of(report, ElementKind.TEXT, page=1)
    assert all(e.section == ("1 Introduction",) for e in text1)


def test_paragraph_text_and_bbox(report):
    hit = [e for e in _of(report, ElementKind.TEXT, 1) if "Zentrix Corp was 4,812 million dollars" in e.text]
    assert len(hit) == 1
    x0, y0, x1, y1 = hit[0].bbox
    assert 0 <= x0 < x1 <= 595 and 0 <= y0 < y1 <= 842


def test_table_cells_caption_and_crop(report):
    tables = _of(report, ElementKind.TABLE)
    assert len(tables) == 1
    table = tables[0]
    assert table.page == 2 and table.section == ("2 Results",)
    assert [list(r) for r in table.cells] == TABLE_GRID
    assert table.caption == "Table 1: Revenue by region"
    assert table.text.startswith("Table 1: Revenue by region\n") and "| North | 1,200 | 1,350 |" in table.text
    assert Path(table.image).is_file() and table.image.endswith("p2-table-1.png")
    assert Path(table.image).read_bytes()[:4] == b"\x89PNG"
    # linked captions are not repeated as text
    assert not any("Revenue by region" in e.text for e in _of(report, ElementKind.TEXT))


def test_raster_figure_and_vector_chart(report):
    figures = _of(report, ElementKind.FIGURE)
    photo = [f for f in figures if f.page == 2]
    chart = [f for f in figures if f.page == 3]
    assert len(photo) == 1 and len(chart) == 1
    assert photo[0].caption == "Figure 1: Site photograph of the plant"
    assert chart[0].caption == "Figure 2: Quarterly units sold"
    assert chart[0].text.startswith("Figure 2: Quarterly units sold")
    assert "Q1" in chart[0].text and "Q4" in chart[0].text and "Units sold" in chart[0].text
    for fig in photo + chart:
        assert Path(fig.image).is_file()
    x0, y0, x1, y1 = chart[0].bbox
    assert x0 <= 145 and x1 >= 455 and y0 <= 230 and y1 >= 475  # covers the bars and axes


def test_no_crops_without_assets_dir(tmp_path):
    doc = parse_document(make_report_pdf(tmp_path / "r.pdf"))
    assert all(e.image is None for e in doc.elements)
    assert not list(tmp_path.rglob("*.png"))


def test_korean_text_and_table(tmp_path):
    doc = parse_document(make_korean_pdf(tmp_path / "ko.pdf"))
    assert any("질병관리청은 감염병을" in e.text for e in _of(doc, ElementKind.TEXT))
    tables = _of(doc, ElementKind.TABLE)
    assert len(tables) == 1
    assert tables[0].caption == "[표 1] 감염병 분류"
    assert [list(r) for r in tables[0].cells] == KOREAN_GRID


@pytest.mark.parametrize("name,error,words", [
    ("empty.pdf", CorruptDocumentError, "empty"),
    ("truncated.pdf", CorruptDocumentError, "truncated"),
    ("renamed.pdf", CorruptDocumentError, "not a readable PDF"),
    ("encrypted.pdf", EncryptedDocumentError, "encrypted"),
    ("notes.xyz", UnsupportedFormatError, "unsupported"),
])
def test_bad_files(tmp_path, name, error, words):
    files = make_bad_files(tmp_path)
    with pytest.raises(error) as caught:
        parse_document(files[name])
    assert name in str(caught.value) and words in str(caught.value)


def test_a_picture_named_pdf_is_refused_not_read_as_a_blank_page(tmp_path):
    from tests.pdf_builders import _png

    (tmp_path / "photo.pdf").write_bytes(_png())  # MuPDF would open it as a one-page picture "document"
    with pytest.raises(CorruptDocumentError, match="^photo.pdf: not a readable PDF .no %PDF- header"):
        parse_document(tmp_path / "photo.pdf")


def test_password(tmp_path):
    files = make_bad_files(tmp_path)
    with pytest.raises(EncryptedDocumentError, match="wrong"):
        parse_document(files["encrypted.pdf"], ParseOptions(password="nope"))
    doc = parse_document(files["encrypted.pdf"], ParseOptions(password="secret"))
    assert any("Zentrix" in e.text for e in doc.elements)


def test_too_many_pages(tmp_path):
    with pytest.raises(DocumentTooLargeError, match="r.pdf: 3 pages"):
        parse_document(make_report_pdf(tmp_path / "r.pdf"), ParseOptions(max_pages=2))


def test_repairable_xref_opens(tmp_path):
    data = make_report_pdf(tmp_path / "ok.pdf").read_bytes()
    start = data.rindex(b"startxref")
    broken = data[:start] + b"startxref\n999999\n%%EOF\n"
    (tmp_path / "broken.pdf").write_bytes(broken)
    doc = parse_document(tmp_path / "broken.pdf")
    assert doc.info.pages == 3 and any("Zentrix" in e.text for e in doc.elements)


def test_page_failure_isolation(tmp_path, monkeypatch, caplog):
    path = make_report_pdf(tmp_path / "r.pdf")
    real = pdf_boxes.layout_boxes

    def layout_fails_on_page_2(doc, pno):
        if pno == 1:
            raise RuntimeError("boom")
        return real(doc, pno)

    monkeypatch.setattr(pdf_boxes, "layout_boxes", layout_fails_on_page_2)
    with caplog.at_level(logging.WARNING, logger="docparse.pdf_parser"):
        doc = parse_document(path)
    assert {e.page for e in doc.elements} == {1, 2, 3}  # page 2 came from the fallback
    assert any("r.pdf page 2" in r.getMessage() and "boom" in r.getMessage() for r in caplog.records)

    monkeypatch.setattr(pdf_boxes, "boxes_from_plain", lambda page: (_ for _ in ()).throw(ValueError("bad")))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="docparse.pdf_parser"):
        doc = parse_document(path)
    assert {e.page for e in doc.elements} == {1, 3}
    assert any("r.pdf page 2: skipped" in r.getMessage() for r in caplog.records)


def test_fallback_finds_table_on_its_own(tmp_path):
    path = make_report_pdf(tmp_path / "r.pdf")
    with pymupdf.open(path) as doc:
        boxes = pdf_boxes.boxes_from_plain(doc[1])
    assert any(b.kind == "heading" and b.text == "2 Results" for b in boxes)
    assert any(b.kind == "table" for b in boxes)


def test_import_docparse_is_light():
    import subprocess
    import sys

    code = "import sys, docparse; assert 'pymupdf' not in sys.modules and 'pymupdf4llm' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_apple_10q_income_statement():
    sample = REPO / "data" / "apple-10q-2022q3.pdf"
    if not sample.is_file():
        pytest.skip("sample data/apple-10q-2022q3.pdf not present")
    from docparse import open_document

    info, stream = open_document(sample)
    page4 = []
    for element in stream:
        if element.page > 4:
            break  # streaming: stop once page 4 is done
        if element.page == 4:
            page4.append(element)
    rows = [list(r) for e in page4 if e.kind is ElementKind.TABLE for r in e.cells]
    assert any("Total net sales" in r and "82,959" in r for r in rows)


def test_page_images_are_written_while_parsing_when_asked(tmp_path, monkeypatch, caplog):
    from PIL import Image

    path = make_report_pdf(tmp_path / "report.pdf")
    plain = parse_document(path, ParseOptions(assets_dir=tmp_path / "a"))
    assert not (tmp_path / "pages").exists()
    asked = parse_document(path, ParseOptions(assets_dir=tmp_path / "a", page_images_dir=tmp_path / "pages"))
    assert asked.elements == plain.elements  # the images change nothing else
    folder = tmp_path / "pages" / asked.info.doc_id
    assert sorted(p.name for p in folder.iterdir()) == ["p1.jpg", "p2.jpg", "p3.jpg"]
    with Image.open(folder / "p1.jpg") as image:
        assert image.format == "JPEG" and image.size == (595, 842)
    before = (folder / "p2.jpg").stat().st_mtime_ns
    (folder / "p3.jpg").unlink()

    def broken(page, target):
        raise RuntimeError("renderer out of memory")

    monkeypatch.setattr(pdf_parser, "render_page_image", broken)
    with caplog.at_level(logging.WARNING, logger="docparse.pdf_parser"):
        again = parse_document(path, ParseOptions(assets_dir=tmp_path / "a", page_images_dir=tmp_path / "pages"))
    assert again.elements == plain.elements  # a failed image costs only the image
    assert (folder / "p2.jpg").stat().st_mtime_ns == before and not (folder / "p3.jpg").exists()
    assert "page 3: page image not written" in caplog.text and "renderer out of memory" in caplog.text
