"""What each element is embedded and lexically indexed from: document label, section, caption, table views."""
from __future__ import annotations

import pytest

from docparse.element import Element, ElementKind, Provenance
from retrieval.element_text import ROWS_PER_VIEW, document_label, embedding_text, embedding_views


@pytest.mark.parametrize("source, label", [
    ("3M_2018_10K.pdf", "3M 2018 10K"),
    ("2023 Q2 AAPL.pdf", "2023 Q2 AAPL"),
    ("AMCOR_2022_8K_dated-2022-07-01.pdf", "AMCOR 2022 8K dated 2022 07 01"),
    ("a5879805d70c854ea4361e43a84e3bb2.pdf", ""),  # a hash names no document
    ("보고서_2024.pdf", "보고서 2024"),
    ("README", "README"),
])
def test_document_label(source: str, label: str) -> None:
    assert document_label(source) == label


def _element(kind: ElementKind, text: str, source: str = "ACME_2021_10K.pdf", **extra) -> Element:
    return Element(id="e1", kind=kind, text=text, section=("RESULTS OF OPERATIONS", "Net Sales:"),
                   provenance=Provenance(doc_id="d1", source=source, page=3), **extra)


SALES = "Sales rose 5% on higher volumes in every region, led by industrial products and new contracts."


def test_text_leads_with_document_and_section() -> None:
    text = embedding_text(_element(ElementKind.TEXT, SALES))
    assert text.splitlines()[0] == "ACME 2021 10K | RESULTS OF OPERATIONS > Net Sales:"
    assert text.endswith(SALES)
    unnamed = embedding_text(_element(ElementKind.TEXT, "Sales rose.", source="0f3e9a1b2c4d5e6f7a8b9c0d.pdf"))
    assert unnamed.splitlines()[0] == "RESULTS OF OPERATIONS > Net Sales:"


def test_a_chunk_of_a_few_words_is_led_by_its_section_only() -> None:
    # "Not applicable." under "Item 4": with the label it would match every question naming ACME and 2021
    text = embedding_text(_element(ElementKind.TEXT, "Not applicable."))
    assert text.splitlines() == ["RESULTS OF OPERATIONS > Net Sales:", "Not applicable."]
    figure = embedding_text(_element(ElementKind.FIGURE, "Revenue by segment"))
    assert figure.startswith("ACME 2021 10K | ")  # figures keep it: their words are few by nature


def test_every_row_group_of_a_long_table_repeats_the_lead_and_header() -> None:
    rows = (("Item", "2021", "2020"),) + tuple((f"Line {i}", f"{i},000", f"{i},500") for i in range(20))
    views = embedding_views(_element(ElementKind.TABLE, "| table |", cells=rows))
    assert len(views) == 1 + -(-20 // ROWS_PER_VIEW)
    for view in views[1:]:
        assert view.startswith("ACME 2021 10K | RESULTS OF OPERATIONS > Net Sales:")
        assert "| Item | 2021 | 2020 |" in view
    assert "Line 19" in views[-1] and "Line 0 " not in views[-1]


def test_headings_are_not_embedded_on_their_own() -> None:
    assert embedding_views(_element(ElementKind.TITLE, "Net Sales:")) == []
