"""Running heads and footers found by repetition across pages become page furniture, not chunks or headings."""
from __future__ import annotations

from pathlib import Path

import pymupdf

from docparse.base import ParseOptions
from docparse.element import ElementKind
from docparse.registry import parse_document
from docparse.running_lines import is_running, line_key, running_lines

HEAD = "Not Reported in A.3d, 2012 WL 3860732 (Del.Super.) and twelve more words make this a long running head"
CITE = "(Cite as: 2012 WL 3860732 (Del.Super.))"
BODY = ("The court reviewed the commission's finding that the ordinance was adopted to protect rental properties, "
        "and the record shows the vote followed a public hearing held in the spring. ")


def _filing_pdf(path: Path, pages: int = 6) -> Path:
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=612, height=792)
        page.insert_text((72, 66), HEAD, fontname="helv", fontsize=8)  # below the 6% band of the page rules
        page.insert_text((72, 80), CITE, fontname="hebo", fontsize=14)  # set like a heading
        page.insert_textbox(pymupdf.Rect(72, 140, 540, 500), f"Part {number}. " + BODY * 3, fontname="helv",
                            fontsize=10)
        if number in (2, 3):
            page.insert_text((72, 60), "Sealed exhibit attached", fontname="helv", fontsize=8)  # on 2 pages only
        page.insert_text((290, 770), f"Page {number} of {pages}", fontname="helv", fontsize=8)
    doc.save(path)
    return path


def test_line_key_ignores_digits_and_spacing() -> None:
    assert line_key("Page 3 of 16") == line_key("Page  12 of 16") == "page#of#"


def test_running_lines_are_those_repeated_in_the_page_bands(tmp_path: Path) -> None:
    with pymupdf.open(_filing_pdf(tmp_path / "filing.pdf")) as doc:
        keys = running_lines(doc)
    assert line_key(HEAD) in keys and line_key(CITE) in keys and "page#of#" in keys
    assert line_key("Sealed exhibit attached") not in keys  # 2 of 6 pages
    assert not any("court" in key for key in keys)  # body text is outside the bands


def test_is_running_needs_the_band_and_only_running_lines() -> None:
    keys = frozenset({line_key(HEAD), line_key(CITE)})
    assert is_running(f"{HEAD}\n{CITE}", (72, 50, 500, 85), 792, keys)
    assert is_running(f"{HEAD} {CITE}", (72, 50, 500, 85), 792, keys)  # two running lines joined into one run
    assert not is_running(HEAD, (72, 300, 500, 320), 792, keys)  # mid-page: body text that happens to match
    assert not is_running(f"{HEAD}\nThe court held", (72, 50, 500, 85), 792, keys)
    assert not is_running(HEAD, (72, 50, 500, 85), 792, frozenset())


def test_parsed_pages_keep_running_lines_as_metadata(tmp_path: Path) -> None:
    parsed = parse_document(_filing_pdf(tmp_path / "filing.pdf"), ParseOptions(ocr="off"))
    elements = list(parsed.elements)
    assert not any(HEAD in e.text or CITE in e.text for e in elements)
    assert not any(e.kind is ElementKind.TITLE and "Cite as" in e.text for e in elements)
    body = [e for e in elements if e.kind is ElementKind.TEXT and "court reviewed" in e.text]
    assert len(body) >= 6
    assert all("Cite as" in dict(e.metadata).get("page_header", "") for e in body)
    assert sum("Sealed exhibit" in e.text for e in elements) == 2  # not repeated enough: kept


def test_short_documents_have_no_running_lines(tmp_path: Path) -> None:
    with pymupdf.open(_filing_pdf(tmp_path / "short.pdf", pages=2)) as doc:
        assert running_lines(doc) == frozenset()


def test_a_footer_risen_with_a_short_pages_text_is_running(tmp_path: Path) -> None:
    doc = pymupdf.open()
    for number in range(1, 7):
        page = doc.new_page(width=612, height=792)
        bottom = 200 + 60 * number  # the footer follows the text, wherever the text ends
        page.insert_textbox(pymupdf.Rect(72, 100, 540, bottom - 20), BODY, fontname="helv", fontsize=10)
        page.insert_text((460, bottom), f"2021 FORM 10-K {number + 20}", fontname="helv", fontsize=8)
    doc.save(tmp_path / "risen.pdf")
    with pymupdf.open(tmp_path / "risen.pdf") as opened:
        assert line_key("2021 FORM 10-K 27") in running_lines(opened)
    elements = list(parse_document(tmp_path / "risen.pdf", ParseOptions(ocr="off")).elements)
    assert elements and not any("FORM 10-K" in e.text for e in elements)
    assert all("FORM 10-K" in dict(e.metadata).get("page_footer", "") for e in elements)
    assert not is_running("2021", (72, 300, 100, 310), 792, running_lines(pymupdf.open(tmp_path / "risen.pdf")))


def test_a_failing_sample_costs_the_filter_not_the_document(tmp_path: Path, monkeypatch, caplog) -> None:
    import logging

    import docparse.pdf_parser as pdf_parser

    def broken(doc):
        raise RuntimeError("page tree unreadable")

    monkeypatch.setattr(pdf_parser, "document_line_keys", broken)
    with caplog.at_level(logging.WARNING, logger="docparse.pdf_parser"):
        parsed = parse_document(_filing_pdf(tmp_path / "filing.pdf"), ParseOptions(ocr="off"))
        elements = list(parsed.elements)
    assert parsed.info.running_lines == frozenset()
    assert any("court reviewed" in e.text for e in elements)
    assert "could not look for running heads" in caplog.text and "filing.pdf" in caplog.text
