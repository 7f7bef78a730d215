"""Line text from spans: a space only where the page shows one (small capitals, punctuation, footnote marks)."""
from __future__ import annotations

from pathlib import Path

import pymupdf

from docparse.base import ParseOptions
from docparse.registry import parse_document
from docparse.span_text import join_lines, line_text


def _span(text: str, x0: float, x1: float, size: float = 10.0, baseline: float = 100.0) -> dict:
    return {"text": text, "size": size, "bbox": (x0, baseline - size, x1, baseline + 2), "origin": (x0, baseline)}


def test_touching_spans_on_one_baseline_are_one_word() -> None:
    assert line_text([_span("I", 10, 14, size=12), _span("NTRODUCTION", 14.5, 80, size=9.6)]) == "INTRODUCTION"
    assert line_text([_span("Exception", 10, 50), _span(". The rule", 50, 90)]) == "Exception. The rule"


def test_a_gap_a_blank_span_or_a_raised_mark_keeps_the_space() -> None:
    assert line_text([_span("Total", 10, 40), _span("2021", 45, 70)]) == "Total 2021"  # 0.5 em apart
    assert line_text([_span("Total", 10, 40), _span(" ", 40, 43), _span("2021", 43, 70)]) == "Total 2021"
    assert line_text([_span("Total ", 10, 43), _span("2021", 43, 70)]) == "Total 2021"
    assert line_text([_span("revenue", 10, 50), _span("1", 50, 53, size=6, baseline=96)]) == "revenue 1"
    assert line_text([{"text": "no"}, {"text": "geometry"}]) == "no geometry"


def test_join_lines_undoes_hyphenation() -> None:
    assert join_lines(["the manage-", "ment team", "", "agreed"]) == "the management team agreed"
    assert join_lines(["pre-", "Tax"]) == "pre- Tax"  # a capital after the hyphen: a real hyphen


def test_small_capitals_heading_is_read_as_one_word(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "I", fontname="hebo", fontsize=14)
    width = pymupdf.get_text_length("I", fontname="hebo", fontsize=14)
    page.insert_text((72 + width, 72), "NTRODUCTION", fontname="hebo", fontsize=11)
    page.insert_textbox(pymupdf.Rect(72, 90, 520, 300), "The field of language processing grows. " * 6,
                        fontname="helv", fontsize=10)
    doc.save(tmp_path / "caps.pdf")
    elements = list(parse_document(tmp_path / "caps.pdf", ParseOptions(ocr="off")).elements)
    assert "INTRODUCTION" in " ".join(e.text for e in elements)
    assert any(e.section and e.section[-1] == "INTRODUCTION" for e in elements if e.kind.value == "text")
