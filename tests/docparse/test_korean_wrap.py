"""Korean words broken by a line wrap are joined without a space where the glyph gap and Kiwi agree."""
from __future__ import annotations

from pathlib import Path

import pytest

from docparse import ElementKind, parse_document
from docparse.korean_wrap import WrapLine, join_table_wraps, join_wrapped
from docparse.ocr.korean_spacing import available

pytestmark = pytest.mark.skipif(not available(), reason="kiwipiepy's model is needed (a core dependency)")

KOREAN_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "korean-insurance-report-4p.pdf"


def test_full_line_broken_inside_a_word_is_joined():
    lines = [WrapLine("코로나-19와 관련하여 보험회사에서 이", right=499.0, height=10.0),
             WrapLine("미 판매했거나 향후 판매하게 될 보험상품의", right=500.0, height=10.0),
             WrapLine("재해보험금 지급 여부를 살펴본다.", right=320.0, height=10.0)]
    assert join_wrapped(lines) == ("코로나-19와 관련하여 보험회사에서 이미 판매했거나 향후 판매하게 될 보험상품의 "
                                   "재해보험금 지급 여부를 살펴본다.")


def test_break_between_words_keeps_its_space():
    lines = [WrapLine("입원 및 사망의 재해 인정 여부에", right=500.0, height=10.0),
             WrapLine("대하여 보험실무상 혼선이 초래되었다.", right=480.0, height=10.0)]
    assert join_wrapped(lines) == "입원 및 사망의 재해 인정 여부에 대하여 보험실무상 혼선이 초래되었다."


def test_short_line_keeps_its_space_whatever_the_dictionary_says():
    # the first line stops three line-heights short of the edge: its author ended it there
    lines = [WrapLine("보험회사에서 이", right=470.0, height=10.0),
             WrapLine("미 판매했거나 향후 판매하게 될 보험상품", right=500.0, height=10.0)]
    assert join_wrapped(lines).startswith("보험회사에서 이 미 판매했거나")


def test_english_lines_and_hyphenation_unchanged():
    lines = [WrapLine("The company will manage-", right=500.0, height=10.0),
             WrapLine("ment of the plan", right=500.0, height=10.0), WrapLine("continues.", right=90.0, height=10.0)]
    assert join_wrapped(lines) == "The company will management of the plan continues."
    assert join_wrapped([WrapLine("no geometry 이"), WrapLine("미 판매")]) == "no geometry 이 미 판매"


def test_table_cell_wrap_joined_from_the_words_lines():
    # PyMuPDF words: (x0, y0, x1, y1, text, block, line, word_no); the cell's first line is full
    words = [(10, 10, 60, 20, "장티푸스,", 3, 0, 0), (62, 10, 99, 20, "파라", 3, 0, 1),
             (10, 22, 50, 32, "티푸스,", 3, 1, 0), (52, 22, 90, 32, "세균성이질", 3, 1, 1)]
    grid = [["구분", "장티푸스, 파라 티푸스, 세균성이질"]]
    assert join_table_wraps(grid, words) == [["구분", "장티푸스, 파라티푸스, 세균성이질"]]


@pytest.mark.slow
def test_korean_sample_wrapped_words_come_out_whole():
    doc = parse_document(KOREAN_SAMPLE)
    text = "\n".join(e.text for e in doc.elements if e.kind in (ElementKind.TEXT, ElementKind.TABLE))
    for whole in ("이미 판매했거나", "적용여부에 대하여", "파라티푸스", "국내 경제를 넘어 세계경제의",
                  "재해보험금 지급을 검토할 필요가 있다고 판단된다."):  # page 4 draws each line as a block
        assert whole in text
    for broken in ("이 미 판매", "대 하여", "파라 티푸스"):
        assert broken not in text


def test_ocr_paragraph_wrap_joined():
    from docparse.ocr import OcrLine
    from docparse.scanned_page import lines_to_boxes

    lines = [OcrLine("코로나-19와 관련하여 보험회사에서 이", (100, 100, 1000, 130), 0.9),
             OcrLine("미 판매했거나 향후 판매하게 될 보험상품의", (100, 140, 1002, 170), 0.9),
             OcrLine("재해보험금 지급 여부를 살펴본다.", (100, 180, 600, 210), 0.9)]
    (box,) = lines_to_boxes(lines, 0.5, (0.0, 0.0), 600.0)
    assert box.text.startswith("코로나-19와 관련하여 보험회사에서 이미 판매했거나 향후")
