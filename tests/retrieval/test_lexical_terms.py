"""The lexical index's per-document term cache: a rebuild tokenizes only documents new since the last one, never
uses an entry made for another version of a document, and drops entries of removed documents."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval import LibraryIndex
from retrieval.lexical_terms import TERMS_DIR, DocumentRows, TermCache
from retrieval.search_settings import SearchSettings
from tests.retrieval.test_index import HashingEmbedder, make_doc

LEXICAL = SearchSettings(routes=(("lexical", 1.0),), visual_every=0)


class CountingTokenizer:
    """Wraps the index's tokenizer and records how many texts it was asked to tokenize."""

    def __init__(self, inner):
        self.inner, self.name, self.texts = inner, inner.name, 0

    def tokenize_many(self, texts):
        self.texts += len(texts)
        return self.inner.tokenize_many(texts)

    def tokenize(self, text):
        return self.inner.tokenize(text)


@pytest.fixture()
def index(tmp_path: Path) -> LibraryIndex:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    index.lexical.tokenizer = CountingTokenizer(index.lexical.tokenizer)
    return index


def test_a_rebuild_tokenizes_only_new_documents(index: LibraryIndex, tmp_path: Path) -> None:
    first, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns", "quarterly revenue"])
    index.add(first, elements)
    index.refresh_lexical()
    counted = index.lexical.tokenizer.texts
    assert counted >= 2
    second, more = make_doc(tmp_path, "b.txt", ["giraffe feeding habits"])
    index.add(second, more)
    assert index.refresh_lexical() is True
    assert index.lexical.tokenizer.texts - counted == 1  # b.txt's one view; a.txt's terms came from the cache
    assert [h.element.text for h in index.search("zebra", k=5, settings=LEXICAL)] == ["zebra migration patterns"]
    assert [h.element.text for h in index.search("giraffe", k=5, settings=LEXICAL)] == ["giraffe feeding habits"]


def test_cached_and_fresh_builds_score_alike(index: LibraryIndex, tmp_path: Path) -> None:
    for name, texts in (("a.txt", ["net sales 82,959 in 2022", "weather report"]),
                        ("b.txt", ["net sales grew", "sales of 71,200 units"])):
        info, elements = make_doc(tmp_path, name, texts)
        index.add(info, elements)
    index.refresh_lexical()
    other, more = make_doc(tmp_path, "c.txt", ["unrelated zebra"])
    index.add(other, more)
    index.refresh_lexical()  # a.txt and b.txt from the cache
    terms = index.lexical.tokenizer.tokenize("net sales")
    cached = index.lexical.search(terms, 10)
    shutil.rmtree(index.root / "lexical")  # no saved build, no term cache: everything from the catalog
    fresh_store = LibraryIndex(index.root, HashingEmbedder(), lock_timeout=0.5)
    fresh_store.refresh_lexical()
    assert len(cached) == 3 and cached == fresh_store.lexical.search(terms, 10)


def test_an_entry_made_for_another_version_is_not_used(tmp_path: Path) -> None:
    from retrieval.catalog import DocumentRecord

    cache = TermCache(tmp_path / "lexical", "tok")
    record = DocumentRecord(doc_id="d1", source="a.pdf", path="/a.pdf", pages=1, format="pdf", n_elements=2,
                            added_at=100.0)
    rows = DocumentRows(element_ids=["e1", "e2"], sources=["a.pdf"] * 2, kinds=["text"] * 2, pages=[1, 1],
                        terms=[["net", "sale"], []])
    cache.put(record, rows)
    assert cache.get(record) == rows
    from dataclasses import replace
    assert cache.get(replace(record, added_at=200.0)) is None  # the same bytes re-added: new elements maybe
    assert cache.get(replace(record, n_elements=3)) is None
    assert TermCache(tmp_path / "lexical", "other tokenizer").get(record) is None


def test_damaged_entries_are_made_again_and_removed_documents_dropped(index: LibraryIndex, tmp_path: Path) -> None:
    first, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns"])
    index.add(first, elements)
    second, more = make_doc(tmp_path, "b.txt", ["giraffe feeding habits"])
    index.add(second, more)
    index.refresh_lexical()
    entries = sorted(index.lexical.terms.folder.glob("*.npz"))
    assert [p.stem for p in entries] == sorted([first.doc_id, second.doc_id])
    index.lexical.terms._path(first.doc_id).write_bytes(b"not an npz")
    index.remove("b.txt")
    index.refresh_lexical()
    assert [p.stem for p in index.lexical.terms.folder.glob("*.npz")] == [first.doc_id]
    with np.load(index.lexical.terms._path(first.doc_id)) as data:  # rewritten whole
        assert "zebra" in str(data["terms"])
    assert [h.element.text for h in index.search("zebra", k=5, settings=LEXICAL)] == ["zebra migration patterns"]
    assert (index.root / "lexical" / TERMS_DIR).is_dir()


def test_an_unwritable_cache_still_builds(index: LibraryIndex, tmp_path: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(np, "savez", refuse)
    info, elements = make_doc(tmp_path, "a.txt", ["zebra migration patterns"])
    index.add(info, elements)
    assert [h.element.text for h in index.search("zebra", k=5, settings=LEXICAL)] == ["zebra migration patterns"]
