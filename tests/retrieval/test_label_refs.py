"""Figure/table labels named in a question ("Figure 1") and the "label" route that favours the captioned element."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from docparse.element import ElementKind
from retrieval.label_refs import caption_label, label_references
from tests.retrieval.test_index import HashingEmbedder, make_doc


@pytest.mark.parametrize("query, labels", [
    ("How many green bars appear in Figure 1?", {("figure", "1")}),
    ("Compare Figure 3 (left) with Table 2", {("figure", "3"), ("table", "2")}),
    ("what does fig. 2b show", {("figure", "2")}),
    ("FIGURE 10.", {("figure", "10")}),
    ("Figure 1.5 shows", {("figure", "1.5")}),
    ("그림 2와 [표 3]", {("figure", "2"), ("table", "3")}),
    ("the table 1,234 rows long", set()),  # a number, not a label
    ("대표 3명", set()),  # "표" inside a word
    ("the 2019 table", set()),
])
def test_label_references(query: str, labels: set) -> None:
    assert label_references(query) == frozenset(labels)


@pytest.mark.parametrize("caption, label", [
    ("Figure 1: Strong performance", ("figure", "1")),
    ("Fig. 3b: ablation", ("figure", "3")),
    ("TABLE 4", ("table", "4")),
    ("[표 1] 인구", ("table", "1")),
    ("Chart 2 - Revenue", ("figure", "2")),
    ("The figure 3 above", None),  # a label must start the caption
    (None, None),
    ("", None),
])
def test_caption_label(caption: str | None, label) -> None:
    assert caption_label(caption) == label


def test_search_favours_the_element_captioned_with_the_named_label(tmp_path: Path) -> None:
    from retrieval.index import LibraryIndex

    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    texts = ["Figure 1: accuracy bars for each task", "Figure 2: accuracy bars for each task and model",
             "Figure 3: accuracy bars for each task and model size"]
    info, elements = make_doc(tmp_path / "docs", "paper.txt", texts, kinds=[ElementKind.FIGURE] * 3)
    elements = [replace(e, caption=e.text) for e in elements]
    index.add(info, iter(elements))
    question = "accuracy bars for each task and model size"
    assert index.search(question, k=3)[0].element.caption.startswith("Figure 3")
    named = index.search(f"{question} in Figure 1", k=3)
    assert named[0].element.caption.startswith("Figure 1") and "label" in named[0].routes
    assert all("label" not in hit.routes for hit in named[1:])
