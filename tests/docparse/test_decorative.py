import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, ParseOptions, parse_document  # noqa: E402
from docparse.decorative import decorative_image_xrefs, is_decorative  # noqa: E402
from tests.pdf_builders import _png, make_logo_pdf  # noqa: E402


def test_images_drawn_on_every_page_are_decorative(tmp_path):
    path = make_logo_pdf(tmp_path / "logos.pdf")
    with pymupdf.open(path) as doc:
        assert len(decorative_image_xrefs(doc)) == 2  # the logo and the banner, not the photo
    parsed = parse_document(path, ParseOptions())
    figures = [e for e in parsed.elements if e.kind is ElementKind.FIGURE]
    assert [(f.page, f.caption) for f in figures] == [(2, "Figure 1. The only real picture")]


def test_two_pages_are_not_enough_to_call_an_image_decorative(tmp_path):
    path = make_logo_pdf(tmp_path / "logos.pdf", pages=2)
    with pymupdf.open(path) as doc:
        assert decorative_image_xrefs(doc) == frozenset()


def test_shared_resources_alone_do_not_make_an_image_decorative(tmp_path):
    # every page lists the photo in its resources (as some producers do), but only page 1 draws it
    doc = pymupdf.open()
    first = doc.new_page()
    xref = first.insert_image(pymupdf.Rect(72, 72, 372, 272), stream=_png())
    for _ in range(4):
        page = doc.new_page()
        page.insert_text((72, 100), "Text only.")
        kind, value = doc.xref_get_key(page.xref, "Resources")
        assert kind == "xref"
        doc.xref_set_key(int(value.split()[0]), "XObject", f"<</Shared {xref} 0 R>>")
    assert sum(1 for pno in range(doc.page_count) if doc.get_page_images(pno)) == 5
    assert decorative_image_xrefs(doc) == frozenset()


def test_is_decorative_by_covered_area():
    assert is_decorative((0, 0, 100, 50), [(0, 0, 100, 40)])
    assert not is_decorative((0, 0, 100, 100), [(0, 0, 100, 40)])
    assert not is_decorative((0, 0, 100, 100), [])


def test_drawings_in_the_page_margins_are_furniture_not_figures(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(0, 0, 612, 40), color=(0, 0, 0.5), fill=(0, 0, 0.5))  # a letterhead strip
    page.draw_rect(pymupdf.Rect(40, 760, 120, 800), color=(0, 0.5, 0), fill=(0, 0.5, 0))  # a footer mark
    for i, height in enumerate((80, 140, 60, 180)):  # a bar chart mid-page
        page.draw_rect(pymupdf.Rect(100 + i * 60, 500 - height, 140 + i * 60, 500), color=(0, 0, 0), fill=(0.9, 0.3, 0))
    page.draw_line((90, 500), (360, 500))  # the axes join the bars into one drawing
    page.draw_line((90, 300), (90, 500))
    page.insert_text((72, 540), "Figure 2. Sales by quarter", fontsize=10)
    path = tmp_path / "furniture.pdf"
    doc.save(path)
    figures = [e for e in parse_document(path, ParseOptions()).elements if e.kind is ElementKind.FIGURE]
    assert len(figures) == 1 and figures[0].bbox[1] > 250
