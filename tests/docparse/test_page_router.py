"""The page router: which builder pages take the fast path and which need the layout models."""
import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, parse_document  # noqa: E402
from docparse.fast_page import fast_boxes, reading_order  # noqa: E402
from docparse.page_box import PageBox  # noqa: E402
from docparse.page_router import PageSignals, route, route_page, scan_page  # noqa: E402
from docparse.vector_clusters import cluster_rects  # noqa: E402
from tests.pdf_builders import (make_chart_table_pdf, make_korean_pdf, make_report_pdf,  # noqa: E402
                                make_two_column_pdf)


@pytest.fixture(scope="module")
def report_pages(tmp_path_factory):
    path = make_report_pdf(tmp_path_factory.mktemp("router") / "report.pdf")
    with pymupdf.open(path) as doc:
        yield [route_page(page) for page in doc]


def test_plain_text_page_takes_fast_path(report_pages):
    assert not report_pages[0].layout and report_pages[0].reason == "plain text"


def test_ruled_table_page_takes_layout_path(report_pages):
    assert report_pages[1].layout


def test_ruled_table_without_caption_is_found_by_its_rules(tmp_path):
    with pymupdf.open(make_chart_table_pdf(tmp_path / "t.pdf")) as doc:
        decision = route_page(doc[0])
    assert decision.layout and decision.reason == "ruled structure"
    assert decision.signals.shared_rules >= 3


def test_whitespace_table_page_takes_layout_path(tmp_path):
    with pymupdf.open(make_chart_table_pdf(tmp_path / "t.pdf")) as doc:
        decision = route_page(doc[1])
    assert decision.layout and decision.reason == "tabular rows"


def test_chart_page_fast_path_still_finds_the_chart(tmp_path, report_pages):
    # the vector chart on page 3 has no table signal; figures are found on every path
    assert not report_pages[2].layout
    doc = parse_document(make_report_pdf(tmp_path / "r.pdf"))
    charts = [e for e in doc.elements if e.kind is ElementKind.FIGURE and e.page == 3]
    assert len(charts) == 1 and "Units sold" in charts[0].text


def test_label_and_amount_table_takes_layout_path(tmp_path):
    with pymupdf.open(make_chart_table_pdf(tmp_path / "t.pdf")) as doc:
        decision = route_page(doc[2])
    assert decision.layout and decision.reason == "label and amount rows"


def test_korean_table_page_takes_layout_path(tmp_path):
    with pymupdf.open(make_korean_pdf(tmp_path / "ko.pdf")) as doc:
        assert route_page(doc[0]).layout


def test_route_rules():
    quiet = PageSignals(words=300, tabular_rows=0, amount_rows=0, shared_rules=0, table_caption=False,
                        words_over_images=0)
    assert not route(quiet).layout
    assert route(PageSignals(300, 3, 0, 0, False, 0)).reason == "tabular rows"
    assert route(PageSignals(300, 0, 3, 0, False, 0)).reason == "label and amount rows"
    assert route(PageSignals(300, 0, 0, 3, False, 0)).reason == "ruled structure"
    assert route(PageSignals(300, 0, 0, 0, True, 0)).reason == "table caption"
    assert route(PageSignals(300, 0, 0, 0, False, 8)).reason == "text over images"
    assert route(PageSignals(0, 0, 0, 9, True, 0)).reason == "no text layer"
    assert not route(PageSignals(300, 2, 2, 2, False, 7)).layout


def test_two_columns_read_left_column_first(tmp_path):
    with pymupdf.open(make_two_column_pdf(tmp_path / "cols.pdf")) as doc:
        page = doc[0]
        scan = scan_page(page)
        assert not route_page(page, scan).layout
        boxes = fast_boxes(scan.blocks, scan.image_rects, page.rect.width, page.rect.height)
    content = [b for b in boxes if b.kind != "furniture"]
    texts = [b.text for b in content]
    assert content[0].kind == "heading" and texts[0] == "A Two Column Study"
    body = [t for t in texts[1:]]
    assert body[0].startswith("Left one") and body[1].startswith("Left two")
    assert body[2].startswith("Right one") and body[3].startswith("Right two")
    assert not any(t.strip() == "7" for t in texts)  # the page number is not body text...
    furniture = [b for b in boxes if b.kind == "furniture"]  # ...but kept as the page's footer, after the body
    assert boxes[-len(furniture):] == furniture
    assert [(b.text.strip(), b.meta["place"]) for b in furniture] == [("7", "footer")]


def test_reading_order_keeps_single_column_top_to_bottom():
    boxes = [PageBox("text", (72, 300, 300, 320), "b " * 50), PageBox("text", (72, 100, 523, 120), "a " * 50)]
    assert [b.text[0] for b in reading_order(boxes, 595)] == ["a", "b"]


def test_cluster_rects_covers_pymupdf_clusters(tmp_path):
    with pymupdf.open(make_report_pdf(tmp_path / "r.pdf")) as doc:
        page = doc[2]
        ours = cluster_rects([p["rect"] for p in page.get_cdrawings()], tuple(page.rect))
        theirs = page.cluster_drawings()
    # the chart is one region; PyMuPDF also lists the legend swatch inside it on its own, we join it
    assert [tuple(round(v, 1) for v in r) for r in ours] == [(140.0, 220.0, 460.0, 480.0)]
    assert all(any(o[0] <= t.x0 and o[1] <= t.y0 and o[2] >= t.x1 and o[3] >= t.y1 for o in ours) for t in theirs)
    # rectangles 2 points apart join; 10 points apart stay separate
    assert len(cluster_rects([(0, 0, 10, 10), (12, 0, 20, 10)], (0, 0, 100, 100))) == 1
    assert len(cluster_rects([(0, 0, 10, 10), (20, 0, 30, 10)], (0, 0, 100, 100))) == 2
