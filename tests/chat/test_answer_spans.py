"""Citations that point at the cell, row or sentence used: span boxes found in the page's text layer, carried in
the JSON contract (citations[].span_bbox) and outlined by --show."""
import json

import pymupdf
from PIL import Image

from chat import cli
from chat.answer import Citation, Span
from chat.highlight import BOX_COLOUR, SHOW_DPI, SPAN_COLOUR, highlight_citations
from chat.library import Library
from chat.span_boxes import element_words, span_box
from docparse.element import Element, ElementKind, Provenance

ROWS = [("Products", "63,355", "63,948"), ("Services", "19,604", "17,486"), ("Total net sales", "82,959", "81,434")]
SENTENCE = "The company employed about 164,000 full-time equivalent employees as of September 24, 2022."


def statement_pdf(path):
    with pymupdf.open() as doc:
        page = doc.new_page(width=595, height=842)
        page.insert_text((300, 90), "2022", fontsize=10)
        page.insert_text((400, 90), "2021", fontsize=10)
        for i, (label, this_year, last_year) in enumerate(ROWS):
            y = 110 + 20 * i
            page.insert_text((72, y), label, fontsize=10)
            page.insert_text((300, y), this_year, fontsize=10)
            page.insert_text((400, y), last_year, fontsize=10)
        page.insert_textbox(pymupdf.Rect(72, 300, 523, 360), "Our headquarters moved in 2019. " + SENTENCE,
                            fontsize=10)
        doc.save(path)
    return path


def test_cell_row_and_sentence_boxes_come_from_the_text_layer(tmp_path):
    pdf = str(statement_pdf(tmp_path / "s.pdf"))
    table = element_words(pdf, 1, (60.0, 75.0, 500.0, 160.0))
    cell = span_box(table, Span("cell", ("Total net sales", "82,959")))
    assert cell is not None and 298 <= cell[0] < cell[2] <= 340 and 140 <= cell[3] <= 155
    services_last_year = span_box(table, Span("cell", ("Services", "17,486")))
    assert services_last_year[0] >= 398 and 120 <= services_last_year[3] <= 135
    row = span_box(table, Span("row", ("Total net sales", "82,959", "81,434")))
    assert row[0] <= 73 and row[2] >= 430 and row[1] > 125
    text = element_words(pdf, 1, (60.0, 290.0, 530.0, 370.0))
    sentence = span_box(text, Span("sentence", (SENTENCE,)))
    assert sentence is not None and sentence[1] >= 299 and sentence[3] <= 360
    assert span_box(text, Span("sentence", ("Nothing like this is on the page.",))) is None


def test_span_box_is_outlined_inside_the_element_box(tmp_path):
    pdf = tmp_path / "doc.pdf"
    with pymupdf.open() as doc:
        doc.new_page(width=300, height=400)
        doc.save(pdf)
    element = Element(id="e", kind=ElementKind.TABLE, text="t",
                      provenance=Provenance("d1", "doc.pdf", 1, (20.0, 20.0, 280.0, 300.0)))
    citation = Citation("S1", element, Span("cell", ("a", "1")), span_bbox=(100.0, 100.0, 200.0, 120.0))
    [path] = highlight_citations([citation], {"d1": str(pdf)}.get, tmp_path / "shown")
    image = Image.open(path).convert("RGB")
    scale = SHOW_DPI / 72
    assert image.getpixel((int(150 * scale), int(100 * scale) - 2)) == SPAN_COLOUR
    assert image.getpixel((int(150 * scale), int(20 * scale) - 2)) == BOX_COLOUR


def test_library_answer_cites_the_cell_and_the_json_carries_its_box(report_store, capsys):
    library = Library.open(report_store, image_search=False, llm="extractive")
    answer = library.ask("What was revenue in the North region in 2023?")
    assert answer.text.startswith("1,350")
    cited = answer.citations[0]
    assert cited.span == Span("cell", ("North", "1,350")) and cited.span_bbox is not None
    ex0, ey0, ex1, ey1 = cited.element.bbox
    sx0, sy0, sx1, sy1 = cited.span_bbox
    assert ex0 - 4 <= sx0 < sx1 <= ex1 + 4 and ey0 - 4 <= sy0 < sy1 <= ey1 + 4
    assert (sx1 - sx0) * (sy1 - sy0) < (ex1 - ex0) * (ey1 - ey0) / 4
    code = cli.main(["ask", "What was revenue in the North region in 2023?", "--store", str(report_store),
                     "--no-images", "--llm", "extractive", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["answerable"] is True and 0 < out["support"] <= 1
    assert out["citations"][0]["span_bbox"] == list(cited.span_bbox)
    assert all("span_bbox" in c for c in out["citations"])
