"""LibraryIndex hybrid search: the lexical index follows the catalog (add, update, remove, crash, damage), routes
fuse into one Hit per element, filters apply in every route, tables keep a slot, bad queries are handled."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from docparse.element import ElementKind
from retrieval import LibraryIndex
from retrieval.lexical_index import CURRENT_FILE, LEXICAL_DIR
from retrieval.search_settings import SearchSettings
from tests.retrieval.test_index import HashingEmbedder, make_doc

DENSE = SearchSettings(routes=(("dense", 1.0),), visual_every=0)
LEXICAL = SearchSettings(routes=(("lexical", 1.0),), visual_every=0)


@pytest.fixture()
def index(tmp_path: Path) -> LibraryIndex:
    return LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)


def _ids(hits) -> list[str]:
    return [h.element.id for h in hits]


def _texts(hits) -> list[str]:
    return [h.element.text for h in hits]


def test_lexical_finds_a_number_as_written_differently(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "fin.txt", ["| Net sales | 82,959 |", "| Net sales | 71,200 |",
                                                    "weather in april"])
    index.add(info, elements)
    hits = index.search("82959", k=3, settings=LEXICAL)
    assert _texts(hits) == ["| Net sales | 82,959 |"]  # only the element holding the term
    assert hits[0].routes == ("lexical",)


def test_lexical_index_follows_add_update_remove(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns", "quarterly revenue"])
    index.add(info, elements)
    assert _texts(index.search("zebra", k=5, settings=LEXICAL)) == ["zebra migration patterns"]
    new_info, new_elements = make_doc(tmp_path, "a.txt", ["giraffe feeding habits", "quarterly revenue"])
    index.add(new_info, new_elements)  # update: same path, new bytes
    assert index.search("zebra", k=5, settings=LEXICAL) == []
    assert _texts(index.search("giraffe", k=5, settings=LEXICAL)) == ["giraffe feeding habits"]
    other, other_elements = make_doc(tmp_path, "b.txt", ["giraffe photos from the zoo"])
    index.add(other, other_elements)
    assert len(index.search("giraffe", k=5, settings=LEXICAL)) == 2
    index.remove("a.txt")
    assert _texts(index.search("giraffe", k=5, settings=LEXICAL)) == ["giraffe photos from the zoo"]


def test_saved_build_is_reused_by_a_new_process(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns"])
    index.add(info, elements)
    assert index.refresh_lexical() is True
    assert index.refresh_lexical() is False  # current: nothing to do
    again = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    assert again.refresh_lexical() is False  # loaded from disk, not rebuilt
    assert _texts(again.search("zebra", k=1, settings=LEXICAL)) == ["zebra migration patterns"]
    assert len(list((index.root / LEXICAL_DIR).glob("build-*"))) == 1  # older builds are cleaned up


def test_catalog_commit_without_lexical_update_is_detected_and_rebuilt(index: LibraryIndex,
                                                                       tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns"])
    index.add(info, elements)
    index.refresh_lexical()
    saved = json.loads((index.root / LEXICAL_DIR / CURRENT_FILE).read_text())
    # A second process commits a document and "crashes" before anything touches lexical/.
    other, other_elements = make_doc(tmp_path, "b.txt", ["zebra crossing rules"])
    writer = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    writer.add(other, other_elements)
    assert json.loads((index.root / LEXICAL_DIR / CURRENT_FILE).read_text()) == saved  # lexical untouched
    reader = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    assert len(reader.search("zebra", k=5, settings=LEXICAL)) == 2
    assert json.loads((index.root / LEXICAL_DIR / CURRENT_FILE).read_text())["stamp"] != saved["stamp"]
    # The long-lived first index notices too.
    assert len(index.search("zebra", k=5, settings=LEXICAL)) == 2


def test_damaged_or_deleted_lexical_folder_is_rebuilt(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns"])
    index.add(info, elements)
    index.refresh_lexical()
    for build in (index.root / LEXICAL_DIR).glob("build-*"):
        for f in build.rglob("*.npy"):
            f.write_bytes(b"garbage")
    fresh = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    assert _texts(fresh.search("zebra", k=1, settings=LEXICAL)) == ["zebra migration patterns"]
    shutil.rmtree(index.root / LEXICAL_DIR)
    fresh = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    assert _texts(fresh.search("zebra", k=1, settings=LEXICAL)) == ["zebra migration patterns"]


def test_stale_lexical_ids_missing_from_catalog_are_never_served(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns"])
    other, other_elements = make_doc(tmp_path, "b.txt", ["unrelated"])
    index.add(info, elements)
    index.add(other, other_elements)
    index.refresh_lexical()
    # Delete behind the index's back and forge the stamp, so the old build (still holding "zebra") looks current.
    current_path = index.root / LEXICAL_DIR / CURRENT_FILE
    current = json.loads(current_path.read_text())
    index.catalog.delete_document(info.doc_id)
    current["stamp"] = index.catalog.stamp()
    current_path.write_text(json.dumps(current))
    fresh = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    assert fresh.refresh_lexical() is False  # the forged build is taken as current...
    assert fresh.lexical.search(["zebra"], 5)  # ...and does hold the deleted element,
    assert fresh.search("zebra", k=5, settings=LEXICAL) == []  # which the catalog check drops
    assert "zebra migration patterns" not in _texts(fresh.search("zebra", k=5))


def test_both_routes_give_one_hit_per_element(index: LibraryIndex, tmp_path: Path) -> None:
    rows = [["Segment", "Net sales"]] + [[f"region {i}", f"{i},000"] for i in range(20)]
    from docparse.element import Element, Provenance

    info, elements = make_doc(tmp_path, "t.txt", ["net sales by region overview"])
    table = Element(id="tbl", kind=ElementKind.TABLE, text="| Segment | Net sales |",
                    cells=tuple(tuple(r) for r in rows),
                    provenance=Provenance(doc_id=info.doc_id, source="t.txt", page=2, bbox=(0, 0, 1, 1)))
    index.add(info, elements + [table])
    assert index.store.count() > 2  # the long table has several views
    hits = index.search("net sales region", k=5)
    assert len(_ids(hits)) == len(set(_ids(hits))) == 2
    assert all(h.routes == ("dense", "lexical") for h in hits)
    assert [h.rank for h in hits] == [1, 2] and hits[0].score >= hits[1].score


def test_filters_apply_in_every_route(index: LibraryIndex, tmp_path: Path) -> None:
    kinds = [ElementKind.TEXT, ElementKind.TABLE, ElementKind.TEXT, ElementKind.TABLE]
    texts = ["apple revenue text p1", "apple revenue table p2", "apple revenue text p3", "apple revenue table p4"]
    info, elements = make_doc(tmp_path, "a.pdf", texts, kinds)
    other, other_elements = make_doc(tmp_path, "b.pdf", ["apple revenue elsewhere"])
    index.add(info, elements)
    index.add(other, other_elements)
    for settings in (DENSE, LEXICAL, SearchSettings()):
        tables = index.search("apple revenue", k=10, kinds=("table",), settings=settings)
        assert sorted(_texts(tables)) == ["apple revenue table p2", "apple revenue table p4"]
        pages = index.search("apple revenue", k=10, pages=(2, 3), settings=settings)
        assert sorted(h.element.page for h in pages) == [2, 3]
        both = index.search("apple revenue", k=10, kinds=[ElementKind.TABLE], pages=(3, 7), settings=settings)
        assert _texts(both) == ["apple revenue table p4"]
        source = index.search("apple revenue", k=10, sources=["/some/dir/b.pdf"], settings=settings)
        assert _texts(source) == ["apple revenue elsewhere"]
        assert index.search("apple revenue", k=10, pages=1, sources="b.pdf", settings=settings)[0].element.page == 1


def test_bad_filters_name_valid_choices(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["apple"])
    index.add(info, elements)
    with pytest.raises(ValueError, match="table"):
        index.search("apple", kinds=("tables",))
    with pytest.raises(ValueError, match="first <= last"):
        index.search("apple", pages=(5, 2))


def test_table_ranked_low_by_all_routes_still_gets_a_slot(index: LibraryIndex, tmp_path: Path) -> None:
    texts = [f"solar panel output report number {i} solar panel output" for i in range(8)] + \
            ["solar capacity | 12 | 14"]
    kinds = [ElementKind.TEXT] * 8 + [ElementKind.TABLE]  # table ranks 9th: within 2k
    info, elements = make_doc(tmp_path, "s.txt", texts, kinds)
    index.add(info, elements)
    plain = index.search("solar panel output", k=5)  # default: no slots
    assert all(h.element.kind is ElementKind.TEXT for h in plain)
    slotted = index.search("solar panel output", k=5, settings=SearchSettings(visual_every=5))
    assert slotted[4].element.kind is ElementKind.TABLE
    assert [h.rank for h in slotted] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("query", ["", "   \n\t", "?!...", "-- ()"])
def test_empty_queries_raise(index: LibraryIndex, tmp_path: Path, query: str) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["apple"])
    index.add(info, elements)
    with pytest.raises(ValueError, match="empty query"):
        index.search(query)
    with pytest.raises(ValueError, match="position 1"):
        index.search_many([("apple", None), (query, None)])


def test_huge_query_is_truncated_not_fatal(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns", "quarterly revenue"])
    index.add(info, elements)
    embedder = index.embedder
    huge = "zebra migration " + " ".join(f"word{i} 1,{i % 1000:03d}" for i in range(12000))
    assert len(huge.encode()) > 100_000
    hits = index.search(huge, k=2)
    assert hits[0].element.text == "zebra migration patterns"
    assert embedder.calls[-1] == 1
    assert max(len(q) for q in [huge[:index.settings.max_query_chars]]) == index.settings.max_query_chars
