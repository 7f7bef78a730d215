"""Page crowding inside each document: a long document's many pages never bury a short document's hits."""
from pathlib import Path

import pytest

from retrieval.page_crowding import crowd_by_page, crowd_within_documents, document_of

SAMPLES = Path(__file__).resolve().parents[2] / "data"


def test_within_one_document_it_is_plain_page_crowding() -> None:
    order = ["p1a", "p1b", "p2a", "p1c", "p3a"]
    pages = {"p1a": ("d", 1), "p1b": ("d", 1), "p1c": ("d", 1), "p2a": ("d", 2), "p3a": ("d", 3)}
    assert crowd_within_documents(order, pages, 1) == crowd_by_page(order, pages, 1) == \
        ["p1a", "p2a", "p3a", "p1b", "p1c"]
    assert crowd_within_documents(order, pages, 2) == ["p1a", "p1b", "p2a", "p3a", "p1c"]


def test_a_short_documents_second_hit_is_not_held_behind_a_long_documents_pages() -> None:
    # The samples' case: a one-page document holds the two best hits; a long document has a weak hit on every page.
    order = ["faa_text", "faa_figure"] + [f"apple{p}" for p in range(1, 28)]
    pages = {"faa_text": ("faa", 1), "faa_figure": ("faa", 1), **{f"apple{p}": ("apple", p) for p in range(1, 28)}}
    assert crowd_by_page(order, pages, 1).index("faa_figure") == 28  # the old rule, across the collection
    crowded = crowd_within_documents(order, pages, 1)
    assert crowded[:3] == ["faa_text", "faa_figure", "apple1"]
    assert sorted(crowded) == sorted(order)


def test_documents_merge_by_fused_rank_of_their_next_element() -> None:
    order = ["a1", "b1", "a1x", "c1", "b2", "a2"]
    pages = {"a1": ("A", 1), "a1x": ("A", 1), "a2": ("A", 2), "b1": ("B", 1), "b2": ("B", 2), "c1": ("C", 1)}
    # A's list is a1, a2, a1x (a1x crowded behind A's page 2); B's b1, b2; C's c1.
    assert crowd_within_documents(order, pages, 1) == ["a1", "b1", "c1", "b2", "a2", "a1x"]


def test_elements_without_a_page_and_other_page_keys_stand_alone() -> None:
    assert document_of(("doc", 3)) == "doc" and document_of(7) == 7
    assert crowd_within_documents(["x", "y", "z"], {}, 1) == ["x", "y", "z"]
    assert crowd_within_documents(["x", "y", "z"], {"x": 1, "y": 1, "z": 2}, 1) == ["x", "y", "z"]
    assert crowd_within_documents([], {}, 1) == []


@pytest.mark.slow
def test_faa_figure_reaches_the_top_three_across_the_three_samples(tmp_path) -> None:
    from chat.library import Library

    library = Library.open(tmp_path / "store")
    report = library.add(sorted(SAMPLES.glob("*.pdf")))
    assert len(report.added) == 3 and not report.failed
    hits = library.search("Stainless steel self-locking nut parts", k=10)
    figure = next((i for i, h in enumerate(hits, start=1) if h.element.kind.value == "figure"
                   and "Stainless steel self-locking nut" in (h.element.caption or h.element.text)), None)
    # with crowding across documents it was 29th, behind one weak hit from every Apple page
    assert figure is not None and figure <= 3, [(h.element.source, h.element.page, h.element.kind.value) for h in hits]
