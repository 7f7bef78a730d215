"""`remove` is atomic across the catalog and the vectors: when the vector store does not answer (a Chroma server
down), nothing is removed and the error says so; removing one of two sources of one content needs no vector store
(issue 19)."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import LibraryIndex, StoreError
from tests.retrieval.test_index import SALES, HashingEmbedder, make_doc


class _DownStore:
    """Stands in for a Chroma server that stopped answering."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StoreError("Chroma server http://127.0.0.1:9 cannot be reached (connection refused)")
        return fail


def test_remove_while_the_vector_store_is_down_removes_nothing(tmp_path: Path) -> None:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    info, elements = make_doc(tmp_path / "docs", "a.txt", SALES)
    index.add(info, elements)
    working = index.store
    index.store = _DownStore()
    with pytest.raises(StoreError, match=r"nothing was removed \(a.txt still stored\).*cannot be reached"):
        index.remove("a.txt")
    index.store = working
    assert [d.source for d in index.documents()] == ["a.txt"] and index.element_count() == 3
    assert index.search("net sales", k=1)[0].element.source == "a.txt"


def test_remove_one_of_two_sources_needs_no_vector_store(tmp_path: Path) -> None:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    info, elements = make_doc(tmp_path / "one", "a.txt", SALES)
    copy, copy_elements = make_doc(tmp_path / "two", "b.txt", SALES)
    index.add(info, elements)
    index.add(copy, copy_elements)
    working = index.store
    index.store = _DownStore()
    assert [r.source for r in index.remove("a.txt")] == ["a.txt"]
    index.store = working
    assert index.store.count() == 3 and [d.source for d in index.documents()] == ["b.txt"]
