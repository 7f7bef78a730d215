"""Pages of any size are parsed within the render budget, with boxes in the page's PDF points."""
import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, ParseOptions, parse_document  # noqa: E402
from docparse.page_scale import fit_scale  # noqa: E402
from docparse.scanned_page import _render_gray  # noqa: E402
from tests.pdf_builders import TABLE_GRID, _ruled_table  # noqa: E402

BODY = ("The committee reviewed the annual budget and approved the capital plan for the coming year. "
        "Spending on maintenance rises while new construction is deferred until the review ends.")
HUGE = 14400  # 200 x 200 inches, PDF's largest page


def _huge_page_pdf(path):
    doc = pymupdf.open()
    page = doc.new_page(width=HUGE, height=HUGE)
    page.insert_text((120, 190), "Table 1: Revenue by region", fontsize=11)  # routes the page to the layout models
    _ruled_table(page, TABLE_GRID, 120, 200, 110, 24)
    page.insert_textbox(pymupdf.Rect(72, 400, 540, 600), BODY, fontsize=11)
    doc.save(path)
    return path


def test_a_200_inch_page_keeps_its_table_and_text_in_points(tmp_path):
    elements = parse_document(_huge_page_pdf(tmp_path / "huge.pdf"), ParseOptions(ocr="off")).elements
    tables = [e for e in elements if e.kind is ElementKind.TABLE]
    assert len(tables) == 1 and [list(r) for r in tables[0].cells] == TABLE_GRID
    x0, y0, x1, y1 = tables[0].bbox
    assert 110 <= x0 < x1 <= 470 and 190 <= y0 < y1 <= 310  # where it was drawn, in points
    assert any("approved the capital plan" in e.text for e in elements)


def test_renders_stay_within_the_pixel_budget():
    doc = pymupdf.open()
    page = doc.new_page(width=HUGE, height=HUGE)
    image, dpi = _render_gray(page, max_pixels=1_000_000)
    assert image.width * image.height <= 1_000_000 * 1.01 and dpi < 10
    assert fit_scale(612, 792, 10_000_000) == 1.0 and fit_scale(HUGE, HUGE, 10_000_000) < 0.25
