"""Pages named in a question ("the chart on page 14") and the "page" route that favours them."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.fusion import named_candidates
from retrieval.page_refs import LAST_PAGE, page_references, printed_page_number
from tests.retrieval.test_index import HashingEmbedder, make_doc


@pytest.mark.parametrize("query, pages", [
    ("According to the chart on page 14, how much time was spent?", (14,)),
    ("the figure in Page 2", (2,)),
    ("see p. 4 and slide 12", (4, 12)),
    ("pages 3-5", (3, 4, 5)),
    ("pages 7 and 15", (7, 15)),
    ("pages 7, 15", (7, 15)),
    ("12페이지의 표와 3쪽", (12, 3)),
    ("page 1,234 people", ()),  # a number, not a page
    ("What grew from 3 to 5 percent?", ()),
    ("pages 3 to 90", (3, 90)),  # too long for a range: two pages
    ("What date is mentioned on the second page?", (2,)),
    ("the words at the top of page two", (2,)),
    ("What date is mentioned at the beginning of page(1)?", (1,)),
    ("How many websites are on the cover page?", (1,)),
    ("Is there a signature on the last page?", (LAST_PAGE,)),
    ("the first slide and the final slide", (1, LAST_PAGE)),
    ("first, the page count", ()),  # "first" not before "page"
    ("Who is the one person paged twice?", ()),
    ("첫 페이지와 마지막 페이지", (1, LAST_PAGE)),
    ("두 번째 페이지의 표", (2,)),
    ("표지에 있는 로고", (1,)),
])
def test_page_references(query: str, pages: tuple[int, ...]) -> None:
    assert page_references(query) == pages


def test_on_named_pages_keeps_candidates_on_those_pages_by_best_rank() -> None:
    ranked = {"dense": ["a", "b", "c"], "lexical": ["c", "d"]}
    page_of = {"a": 1, "b": 2, "c": 2, "d": 3}
    assert named_candidates(ranked, lambda e: page_of[e] == 2) == ["c", "b"]
    assert named_candidates(ranked, lambda e: page_of[e] == 9) == []


def test_search_favours_the_page_a_question_names(tmp_path: Path) -> None:
    from retrieval.index import LibraryIndex

    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    texts = ["revenue by region for the year", "revenue by region chart for the year", "staff numbers"]
    info, elements = make_doc(tmp_path / "docs", "deck.txt", texts)
    index.add(info, iter(elements))
    plain = index.search("revenue by region chart", k=2)
    assert plain[0].element.page == 2
    named = index.search("revenue by region chart on page 1", k=2)
    assert named[0].element.page == 1 and "page" in named[0].routes


def test_search_favours_the_last_page_of_each_document(tmp_path: Path) -> None:
    from retrieval.index import LibraryIndex

    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    for name, pages in (("a.txt", 3), ("b.txt", 4)):
        texts = [f"signature of the officer {name}"] + ["staff numbers"] * (pages - 2) + [f"signature {name}"]
        info, elements = make_doc(tmp_path / "docs", name, texts)
        index.add(info, iter(elements))
    plain = index.search("signature of the officer", k=2)
    assert [h.element.page for h in plain] == [1, 1]  # without a named page, the closer texts lead
    last = index.search("signature of the officer on the last page", k=2)
    assert sorted((h.element.source, h.element.page) for h in last) == [("a.txt", 3), ("b.txt", 4)]
    assert all("page" in h.routes for h in last)


@pytest.mark.parametrize("furniture, number", [
    ("Version 1.3 9", 9),
    ("2021 FORM 10-K 27", 27),
    ("Page 3 of 16", 3),
    ("USCA11 Case: 21-13199 Date Filed: 01/05/2022 Page: 1 of 17", 1),
    ("PEW RESEARCH CENTER | 12", 12),
    ("- 5 -", 5),
    ("www.pewresearch.org", None),
    ("© 2023 Acme Corp.", None),  # a year
    ("Growth of 10%", None),
    ("", None),
])
def test_printed_page_number(furniture: str, number: int | None) -> None:
    assert printed_page_number(furniture) == number


def test_search_favours_the_page_printed_with_the_named_number(tmp_path: Path) -> None:
    from dataclasses import replace

    from retrieval.index import LibraryIndex

    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    texts = ["strategic goals diagram", "strategic goals diagram and staff", "strategic goals diagram staff plan"]
    info, elements = make_doc(tmp_path / "docs", "plan.txt", texts)
    # a cover and a contents page come first: the file's third page is printed as page 1
    elements = [replace(e, metadata=(("page_footer", f"Version 1.3 {e.page - 2}"),)) if e.page == 3 else e
                for e in elements]
    index.add(info, iter(elements))
    assert index.search("strategic goals diagram", k=1)[0].element.page == 1
    hits = index.search("the strategic goals diagram on page 1", k=3)
    assert {h.element.page for h in hits if "page" in h.routes} == {1, 3}
