"""Split words: a stray space inside a word ("Cash Flow s") is removed when lexicon and glyph gaps agree."""
from __future__ import annotations

import logging
from pathlib import Path

import pymupdf
import pytest

import docparse.pdf_parser as pdf_parser
from docparse.base import ParseOptions
from docparse.element import ElementKind
from docparse.registry import parse_document
from docparse.split_words import WordRepair, lexical_strength, page_repairs


def _tj_line(y: float, parts: str, size: float = 10) -> str:
    """One line drawn with a TJ array: a positive number moves the next glyph left by n/1000 of the font size,
    which is how the stray space of a split word overlaps its neighbours."""
    return f"BT 1 0 0 1 72 {y} Tm /helv {size} Tf [{parts}] TJ ET\n"


def _split_word_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "x", fontname="helv", fontsize=10)  # registers the font as /helv
    body = "The Company reports its results in the statements that follow, audited every year. " * 3
    content = (
        _tj_line(770, "(Statement of Cash Flow) 90 ( ) 90 (s)", 14)  # stray space, overlapping both letters
        + _tj_line(740, "(Busines) 0 ( ) 0 (s overview)")  # "Busines" is no word: joined even at a normal gap
        + _tj_line(720, "(The sample) 0 ( ) 0 (s is small)")  # two words at a normal gap: kept
        + _tj_line(700, "(Model) 100 ( ) 100 (S and Model X)")  # a capital after a word: a name, kept
        + _tj_line(680, f"({body[:90]})") + _tj_line(668, f"({body[90:180]})")
    )
    doc.update_stream(page.get_contents()[0], content.encode("latin-1"))
    doc.save(path)
    return path


def test_lexical_strength_needs_a_common_word_and_a_fragment() -> None:
    assert lexical_strength("Flow", "s") == 1  # a lone letter
    assert lexical_strength("Shee", "t") == 2  # "Shee" is no word
    assert lexical_strength("LIQUIDI", "TY") == 2
    assert lexical_strength("any", "one") == 0  # two words that also join ("anyone"): left alone
    assert lexical_strength("Model", "S") == 0  # case of a name, not of one word
    assert lexical_strength("Cash", "Flow") == 0  # "cashflow" is no common word


def test_word_repair_replaces_whole_words_only() -> None:
    repair = WordRepair({"Flow s": "Flows", "Shee t": "Sheet"})
    assert repair("Cash Flow s and Balance Shee t") == "Cash Flows and Balance Sheet"
    assert repair("Overflow s-curve") == "Overflow s-curve"  # not at a word start; a hyphen follows
    assert repair(None) is None
    assert not WordRepair({})
    assert WordRepair({})("Flow s") == "Flow s"


def test_page_repairs_read_glyph_gaps(tmp_path: Path) -> None:
    doc = pymupdf.open(_split_word_pdf(tmp_path / "split.pdf"))
    page = doc[0]
    repairs = page_repairs(page, page.get_text("dict")["blocks"])
    assert repairs == {"Flow s": "Flows", "Busines s": "Business"}


def test_page_without_candidates_skips_the_glyph_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Cash flows from operating activities rose.", fontname="helv", fontsize=10)
    blocks = page.get_text("dict")["blocks"]
    calls = []
    original = pymupdf.Page.get_text
    monkeypatch.setattr(pymupdf.Page, "get_text", lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    assert page_repairs(page, blocks) == {}
    assert calls == []


def test_parsed_heading_and_text_are_joined(tmp_path: Path) -> None:
    parsed = parse_document(_split_word_pdf(tmp_path / "split.pdf"), ParseOptions(ocr="off"))
    elements = list(parsed.elements)
    texts = " ".join(e.text for e in elements)
    assert "Statement of Cash Flows" in texts and "Flow s" not in texts
    assert "Business overview" in texts
    assert "sample s is small" in texts and "Model S and Model X" in texts
    titles = [e.text for e in elements if e.kind is ElementKind.TITLE]
    assert titles and titles[0] == "Statement of Cash Flows"
    assert any("Statement of Cash Flows" in e.section for e in elements if e.kind is ElementKind.TEXT)


def test_a_failing_check_costs_the_repair_not_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    def broken(page, blocks):
        raise RuntimeError("glyph boxes unreadable")

    monkeypatch.setattr(pdf_parser, "page_repairs", broken)
    with caplog.at_level(logging.WARNING, logger="docparse.pdf_parser"):
        elements = list(parse_document(_split_word_pdf(tmp_path / "split.pdf"), ParseOptions(ocr="off")).elements)
    assert "Cash Flow s" in " ".join(e.text for e in elements)
    assert "split-word check failed" in caplog.text and "page 1" in caplog.text
