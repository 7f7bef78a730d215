"""OCR of image-only PDF pages and of figures without a text layer (docparse.ocr, docparse.scanned_page).

Fixtures are built here: a text page is rendered with PyMuPDF and the pixmap inserted as the only content of a
new page, so the PDF has no text layer. These tests run the real Tesseract binary (installed by .ci/run); they
skip, saying why, only where it is absent.
"""
from __future__ import annotations

import logging
import re
import shutil

import pymupdf
import pytest

from docparse import ElementKind, ParseOptions, parse_document
from docparse import scanned_page
from docparse.ocr import OCR_CHOICES, engine_for, get_engine

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract binary not installed (apt-get install tesseract-ocr "
                                            "tesseract-ocr-eng tesseract-ocr-kor; .ci/run does this)")

ENGLISH_TITLE = "Quarterly Report"
ENGLISH_BODY = ("The harbour authority recorded strong cargo volumes during the spring months. "
                "Container traffic increased while bulk shipments of grain remained stable. "
                "Management expects further growth after the new berth opens next year.")
KOREAN_LINES = ("감염병 관리 현황", "질병관리청은 감염병을 위험도에 따라 네 단계로 분류하여 관리한다.",
                "각 등급은 신고 기한과 격리 수준이 다르다.")


def _text_page(doc: pymupdf.Document, korean: bool = False) -> pymupdf.Page:
    page = doc.new_page(width=595, height=842)
    if korean:
        page.insert_font(fontname="korea", fontbuffer=pymupdf.Font("korea").buffer)
        page.insert_text((72, 100), KOREAN_LINES[0], fontsize=24, fontname="korea")
        for i, line in enumerate(KOREAN_LINES[1:]):
            page.insert_text((72, 150 + 26 * i), line, fontsize=14, fontname="korea")
    else:
        page.insert_text((72, 100), ENGLISH_TITLE, fontsize=26, fontname="hebo")
        page.insert_textbox(pymupdf.Rect(72, 130, 523, 330), ENGLISH_BODY, fontsize=14, fontname="helv")
    return page


def _add_scan_of(doc: pymupdf.Document, korean: bool = False, dpi: int = 200) -> None:
    """Append an image-only page: a text page rendered to a pixmap, inserted as the page's only content."""
    with pymupdf.open() as source:
        pix = _text_page(source, korean).get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    page = doc.new_page(width=595, height=842)
    page.insert_image(page.rect, pixmap=pix)


def make_scanned_pdf(path, korean: bool = False, with_text_page: bool = False):
    doc = pymupdf.open()
    if with_text_page:
        _text_page(doc)
    _add_scan_of(doc, korean)
    doc.save(path)
    doc.close()
    return path


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


class CountingEngine:
    """The real engine, counting its calls."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0
        self.name, self.scripts = inner.name, inner.scripts

    def unavailable(self):
        return self.inner.unavailable()

    def recognize(self, image, languages, sparse=False):
        self.calls += 1
        return self.inner.recognize(image, languages, sparse)


@pytest.fixture
def counting_tesseract(monkeypatch):
    engine = CountingEngine(get_engine("tesseract"))
    monkeypatch.setattr(scanned_page, "_engine", lambda options: None if options.ocr == "off" else engine)
    return engine


@needs_tesseract
def test_english_scan_is_read_into_headed_text(tmp_path, counting_tesseract):
    pdf = make_scanned_pdf(tmp_path / "scan.pdf", with_text_page=True)
    parsed = parse_document(pdf)
    scan_elements = [e for e in parsed.elements if e.page == 2]
    text = " ".join(e.text for e in scan_elements if e.kind is ElementKind.TEXT)
    expected = _words(ENGLISH_BODY)
    assert len(expected & _words(text)) >= 0.8 * len(expected), text
    titles = [e for e in scan_elements if e.kind is ElementKind.TITLE]
    assert any("quarterly" in t.text.lower() for t in titles), [e.text for e in scan_elements]
    body = next(e for e in scan_elements if e.kind is ElementKind.TEXT)
    assert body.section and "Quarterly" in body.section[-1]
    x0, y0, x1, y1 = body.bbox  # boxes in PDF points, where the text was drawn
    assert 50 < x0 < 120 and 110 < y0 < 200 and x1 <= 595 and y1 <= 400
    # The text-layer page is parsed from its text layer: one OCR call, for the scanned page only.
    assert counting_tesseract.calls == 1
    assert any(e.page == 1 and "harbour" in e.text for e in parsed.elements)


@needs_tesseract
def test_korean_scan_comes_out_in_hangul(tmp_path):
    pdf = make_scanned_pdf(tmp_path / "korean.pdf", korean=True)
    parsed = parse_document(pdf, ParseOptions(ocr="tesseract", ocr_languages="eng+kor"))
    text = "".join(e.text for e in parsed.elements).replace(" ", "")
    expected = "".join(KOREAN_LINES).replace(" ", "")
    bigrams = {expected[i:i + 2] for i in range(len(expected) - 1)}
    found = {text[i:i + 2] for i in range(len(text) - 1)}
    assert len(bigrams & found) >= 0.8 * len(bigrams), text
    assert "감염병" in text


@needs_tesseract
def test_scan_under_a_filing_stamp_is_read(tmp_path, counting_tesseract):
    doc = pymupdf.open()
    _add_scan_of(doc)
    stamp = "Case 2:18-cv-12857 ECF No. 1 filed 09/13/18 PageID.1 Page 1 of 1"  # printed over the scan as text
    doc[0].insert_text((36, 20), stamp, fontsize=8, fontname="helv")
    doc.save(tmp_path / "stamped.pdf")
    parsed = parse_document(tmp_path / "stamped.pdf")
    text = " ".join(e.text for e in parsed.elements)
    expected = _words(ENGLISH_BODY)
    assert len(expected & _words(text)) >= 0.8 * len(expected), text
    assert counting_tesseract.calls == 1


def test_ocr_off_reads_nothing_from_a_scan(tmp_path, counting_tesseract):
    pdf = make_scanned_pdf(tmp_path / "scan.pdf")
    parsed = parse_document(pdf, ParseOptions(ocr="off"))
    assert not [e for e in parsed.elements if e.kind in (ElementKind.TEXT, ElementKind.TITLE)]
    assert counting_tesseract.calls == 0


def test_text_layer_pages_are_never_ocrd(tmp_path, counting_tesseract):
    doc = pymupdf.open()
    for _ in range(3):
        _text_page(doc)
    doc.save(tmp_path / "text.pdf")
    parsed = parse_document(tmp_path / "text.pdf", ParseOptions(ocr="tesseract"))
    assert counting_tesseract.calls == 0
    assert sum("harbour" in e.text for e in parsed.elements) == 3


def test_missing_engine_warns_once_and_parsing_goes_on(tmp_path, monkeypatch, caplog):
    from docparse.ocr import tesseract_engine

    monkeypatch.setattr(tesseract_engine.shutil, "which", lambda name: None)
    engine_for.cache_clear()
    doc = pymupdf.open()
    _add_scan_of(doc)
    _add_scan_of(doc)
    doc.save(tmp_path / "two-scans.pdf")
    try:
        with caplog.at_level(logging.WARNING):
            parsed = parse_document(tmp_path / "two-scans.pdf", ParseOptions(ocr="tesseract"))
            parse_document(tmp_path / "two-scans.pdf", ParseOptions(ocr="tesseract"))
    finally:
        engine_for.cache_clear()
    warnings = [r.getMessage() for r in caplog.records if "OCR is off" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "apt-get install tesseract-ocr" in warnings[0]
    assert parsed.info.pages == 2


def test_unknown_ocr_choice_names_the_valid_ones():
    with pytest.raises(ValueError) as err:
        ParseOptions(ocr="abbyy")
    assert all(choice in str(err.value) for choice in OCR_CHOICES)


def test_detection_needs_missing_text_and_a_covering_picture():
    from docparse.page_router import PageScan

    def scan(words, images):
        return PageScan(blocks=[], words=words, drawings=[], image_rects=images)

    page_w, page_h = 600.0, 800.0
    full = [(0, 0, 600, 800)]
    word = (0, 0, 10, 10, "revenue", 0, 0, 0)
    assert scanned_page.ocr_reason(scan([], full), page_w, page_h) == "image-only page"
    assert scanned_page.ocr_reason(scan([word] * 40, full), page_w, page_h) is None  # an earlier OCR layer
    # a few words (a filing stamp) over a page-size picture do not stand for the page
    assert scanned_page.ocr_reason(scan([word] * 10, full), page_w, page_h) \
        == "page-size picture under a thin text layer"
    assert scanned_page.ocr_reason(scan([word] * 10, [(0, 0, 600, 500)]), page_w, page_h) is None  # a photo
    assert scanned_page.ocr_reason(scan([], [(0, 0, 100, 100)]), page_w, page_h) is None  # a logo only
    assert scanned_page.ocr_reason(scan([], []), page_w, page_h) is None  # a blank page
    garbage = (0, 0, 10, 10, "\ufffd\ufffd\ufffd\ufffd", 0, 0, 0)
    assert scanned_page.ocr_reason(scan([garbage] * 10 + [word] * 3, []), page_w, page_h) \
        == "undecodable text layer"


@needs_tesseract
def test_figure_without_text_layer_gets_its_labels_by_ocr(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    chart = Image.new("RGB", (900, 600), "white")
    draw = ImageDraw.Draw(chart)
    font = ImageFont.truetype(font_file(tmp_path), 44)
    for i, height in enumerate((150, 260, 340)):
        draw.rectangle((120 + i * 240, 480 - height, 260 + i * 240, 480), fill=(60, 90, 200))
    draw.text((110, 500), "Revenue", font=font, fill="black")
    draw.text((560, 40), "Forecast", font=font, fill="black")
    path = tmp_path / "chart.png"
    chart.save(path)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(72, 72, 523, 140), ENGLISH_BODY, fontsize=11, fontname="helv")
    page.insert_image(pymupdf.Rect(100, 200, 500, 467), filename=str(path))
    doc.save(tmp_path / "figure.pdf")
    figures = [e for e in parse_document(tmp_path / "figure.pdf").elements if e.kind is ElementKind.FIGURE]
    assert len(figures) == 1
    assert {"revenue", "forecast"} <= _words(figures[0].text), figures[0].text
    off = [e for e in parse_document(tmp_path / "figure.pdf", ParseOptions(ocr="off")).elements
           if e.kind is ElementKind.FIGURE]
    assert "revenue" not in _words(off[0].text)


def font_file(folder) -> str:
    """A font file PIL can draw with: PyMuPDF's bundled CJK font (Latin glyphs too), written out (no system
    fonts needed)."""
    target = folder / "cjk-font.otf"
    if not target.exists():
        target.write_bytes(pymupdf.Font("korea").buffer)
    return str(target)


@pytest.mark.skipif(get_engine("rapidocr").unavailable() is not None, reason="rapidocr-onnxruntime not installed")
def test_rapidocr_reads_a_line_with_its_box(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1000, 200), 255)
    ImageDraw.Draw(image).text((60, 60), "Harbour cargo volumes", font=ImageFont.truetype(font_file(tmp_path), 60),
                               fill=0)
    lines = get_engine("rapidocr").recognize(image, "eng")
    text = " ".join(line.text for line in lines).lower().replace(" ", "")
    assert "harbour" in text and "cargo" in text, lines
    x0, y0, x1, y1 = lines[0].bbox
    assert 30 < x0 < 120 and 30 < y0 < 110 and x1 > 500 and 0 < lines[0].confidence <= 1


LEFT_COLUMN = ("Harbour pilots boarded every vessel before the breakwater. The western channel was dredged twice "
               "during the winter, and the pilots reported fewer delays than in any earlier season.")
RIGHT_COLUMN = ("Grain terminals loaded barley for export through March. Storage silos near the eastern quay "
                "were repaired, and rail wagons brought cargo from inland farms every morning.")


def _two_column_image(dpi: int):
    with pymupdf.open() as source:
        page = source.new_page(width=595, height=842)
        page.insert_textbox(pymupdf.Rect(60, 100, 285, 400), LEFT_COLUMN, fontsize=13, fontname="helv")
        page.insert_textbox(pymupdf.Rect(315, 100, 540, 400), RIGHT_COLUMN, fontsize=13, fontname="helv")
        return page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)


@needs_tesseract
def test_two_column_scan_lines_keep_to_their_column_with_boxes_on_the_page():
    from PIL import Image

    pix = _two_column_image(300)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    lines = get_engine("tesseract").recognize(image, "eng")
    gutter = 300 * 300 / 72  # x of the gutter's middle in pixels
    left = [line for line in lines if line.bbox[2] < gutter]
    right = [line for line in lines if line.bbox[0] > gutter]
    # Every line is on one side of the gutter, within the rows where the text was drawn (boxes mapped back from
    # the stacked image Tesseract read).
    assert len(left) + len(right) == len(lines) >= 8
    assert all(100 * 300 / 72 - 20 < line.bbox[1] and line.bbox[3] < 400 * 300 / 72 for line in lines)
    assert _words(" ".join(line.text for line in left)) <= _words(LEFT_COLUMN) | {"s"}
    assert len(_words(" ".join(line.text for line in right)) & _words(RIGHT_COLUMN)) >= 0.8 * len(
        _words(RIGHT_COLUMN))


@needs_tesseract
def test_two_column_scan_reads_the_left_column_first(tmp_path):
    doc = pymupdf.open()
    doc.new_page(width=595, height=842).insert_image(pymupdf.Rect(0, 0, 595, 842), pixmap=_two_column_image(200))
    doc.save(tmp_path / "columns.pdf")
    doc.close()
    parsed = parse_document(tmp_path / "columns.pdf", ParseOptions(ocr="tesseract"))
    text = " ".join(e.text for e in parsed.elements if e.kind is ElementKind.TEXT)
    assert text.index("breakwater") < text.index("season") < text.index("Grain") < text.index("morning"), text
