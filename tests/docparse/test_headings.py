"""Headings: list items and lone bullets never open a section; a heading's size is that of its words."""
from __future__ import annotations

from pathlib import Path

import pymupdf

from docparse.base import ParseOptions
from docparse.element import ElementKind
from docparse.headings import dominant_size, is_heading_text
from docparse.registry import parse_document

BODY = ("The Company operates in many markets and its results depend on demand, prices and the cost of the "
        "materials it buys. ")


def test_heading_text_rejects_bullets_and_list_items() -> None:
    assert is_heading_text("Results of Operations")
    assert is_heading_text("2.1 Method")
    for text in ("•", "* ", "* The Company is subject to risks", "• Net sales rose", "\uf0b7 We tested", "—"):
        assert not is_heading_text(text), text


def test_dominant_size_ignores_a_larger_bullet() -> None:
    spans = [{"size": 12.0, "text": "•"}, {"size": 8.0, "text": "The Company is subject to risks"}]
    assert dominant_size(spans) == 8.0
    assert dominant_size([]) == 0.0


def _bullet_heading_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Risk Factors", fontname="hebo", fontsize=14)
    y = 100.0
    for _ in range(4):
        page.insert_textbox(pymupdf.Rect(72, y, 520, y + 60), BODY * 2, fontname="helv", fontsize=10)
        y += 70
    page.insert_text((72, y), "•", fontname="helv", fontsize=14)  # the bullet set larger than its words
    page.insert_text((86, y), "The Company is subject to risks related to its plan", fontname="hebo", fontsize=10)
    page.insert_text((86, y + 12), "to spin off its Health Care business", fontname="hebo", fontsize=10)
    page.insert_textbox(pymupdf.Rect(72, y + 30, 520, y + 90), BODY * 2, fontname="helv", fontsize=10)
    page = doc.new_page()
    page.insert_text((72, 72), "Results of Operations", fontname="hebo", fontsize=14)
    page.insert_textbox(pymupdf.Rect(72, 100, 520, 200), BODY * 3, fontname="helv", fontsize=10)
    doc.save(path)
    return path


def test_bold_list_item_does_not_become_a_section(tmp_path: Path) -> None:
    parsed = parse_document(_bullet_heading_pdf(tmp_path / "risks.pdf"), ParseOptions(ocr="off"))
    titles = [e.text for e in parsed.elements if e.kind is ElementKind.TITLE]
    assert titles == ["Risk Factors", "Results of Operations"], titles
    page2 = [e for e in parsed.elements if e.page == 2 and e.kind is ElementKind.TEXT]
    assert page2 and all(e.section == ("Results of Operations",) for e in page2), [e.section for e in page2]
    item = [e for e in parsed.elements if "spin off" in e.text]
    assert item and item[0].kind is ElementKind.TEXT and item[0].section == ("Risk Factors",)



def _statement_pdf(path: Path) -> Path:
    """A filing's statement page: company, statement name and units as three bold title lines, then body; then a
    second page whose heading follows body text."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "Annual Report 2022", fontname="hebo", fontsize=18)
    page.insert_textbox(pymupdf.Rect(72, 80, 520, 160), BODY * 2, fontname="helv", fontsize=10)
    for k, line in enumerate(("ACME, INC.", "CONSOLIDATED BALANCE SHEETS", "(in thousands)")):
        page.insert_text((72, 200 + 16 * k), line, fontname="hebo", fontsize=12)
    page.insert_textbox(pymupdf.Rect(72, 260, 520, 360), BODY * 3, fontname="helv", fontsize=10)
    page.insert_text((72, 400), "Liquidity", fontname="hebo", fontsize=12)
    page.insert_textbox(pymupdf.Rect(72, 420, 520, 520), BODY * 3, fontname="helv", fontsize=10)
    doc.save(path)
    return path


def test_stacked_title_lines_make_one_section(tmp_path: Path) -> None:
    parsed = parse_document(_statement_pdf(tmp_path / "acme.pdf"), ParseOptions(ocr="off"))
    texts = [e for e in parsed.elements if e.kind is ElementKind.TEXT]
    statement = [e for e in texts if 260 <= e.bbox[1] < 380]
    assert statement and all(e.section == ("Annual Report 2022", "ACME, INC. CONSOLIDATED BALANCE SHEETS "
                                           "(in thousands)") for e in statement), [e.section for e in statement]
    # A heading after body text opens a new section at its level, as before.
    after = [e for e in texts if e.bbox[1] >= 420]
    assert after and all(e.section == ("Annual Report 2022", "Liquidity") for e in after), [e.section for e in after]
