"""LibraryIndex: add / update / remove semantics, search, orphans, crops, locking and store-format checks.

A deterministic hashing embedder stands in for a real model so these tests run in seconds; the real MiniLM is
exercised in test_text_embedder.py.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

from docparse.base import DocumentInfo, file_doc_id, stored_path
from docparse.element import Element, ElementKind, Provenance, element_id
from retrieval import DocumentRecord, LibraryIndex, StoreError, StoreLockedError
from retrieval.text_embedder import TextEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class HashingEmbedder:
    """Bag of words hashed into `dimension` buckets, L2-normalised: texts sharing words are near each other."""

    tokenizer_path = None

    def __init__(self, name: str = "fake-hashing", dimension: int = 64) -> None:
        self.name = name
        self.dimension = dimension
        self.calls: list[int] = []

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            out[row, -1] += 0.01  # no all-zero vectors
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    embed_documents = _embed
    embed_queries = _embed


def status_of(index: LibraryIndex, info) -> str:
    """What adding `info` would do, as the ingest plan reads it from the catalog."""
    at_path = index.catalog.document_for_path(stored_path(info.path))
    if at_path is not None:
        return "unchanged" if at_path.doc_id == info.doc_id else "updated"
    return "added"


def make_doc(folder: Path, name: str, texts: Sequence[str], kinds: Sequence[ElementKind] | None = None,
             content: bytes | None = None) -> tuple[DocumentInfo, list[Element]]:
    """Write a file (its bytes decide doc_id) and build its elements, one per text, one page each."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content if content is not None else "\n".join(texts).encode())
    doc_id = file_doc_id(path)
    kinds = kinds or [ElementKind.TEXT] * len(texts)
    elements = [Element(id=element_id(doc_id, kind.value, i + 1, i, text), kind=kind, text=text,
                        provenance=Provenance(doc_id=doc_id, source=name, page=i + 1, bbox=(0, 0, 10, 10)))
                for i, (text, kind) in enumerate(zip(texts, kinds))]
    return DocumentInfo(doc_id=doc_id, source=name, path=str(path), pages=len(texts), format="txt"), elements


@pytest.fixture()
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture()
def index(tmp_path: Path, embedder: HashingEmbedder) -> LibraryIndex:
    return LibraryIndex(tmp_path / "store", embedder, lock_timeout=0.5)


SALES = ["total net sales grew to 394 billion dollars", "the company employs many engineers",
         "weather was rainy in april"]


def test_fake_embedder_satisfies_protocol(embedder: HashingEmbedder) -> None:
    assert isinstance(embedder, TextEmbedder)


def test_add_then_status_and_search(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path / "docs", "report.txt", SALES)
    assert status_of(index, info) == "added"
    assert index.add(info, iter(elements), batch_size=2) == 3
    assert status_of(index, info) == "unchanged"
    [record] = index.documents()
    assert isinstance(record, DocumentRecord)
    assert (record.source, record.n_elements, record.pages, record.path) == ("report.txt", 3, 3, info.path)
    hits = index.search("net sales total", k=2)
    assert [h.rank for h in hits] == [1, 2]
    assert hits[0].element.text == SALES[0]
    assert hits[0].routes == ("dense", "lexical")  # both routes found it: one Hit
    assert hits[0].score > hits[1].score
    assert 0.0 < hits[0].score <= 1.0 + 1e-6
    assert hits[0].element == elements[0]  # round-trips through the catalog intact


def test_add_is_idempotent(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", SALES)
    index.add(info, elements)
    index.add(info, elements)
    assert index.element_count() == 3
    assert index.store.count() == 3
    assert len(index.documents()) == 1


def test_update_replaces_previous_version(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", SALES)
    index.add(info, elements)
    crops = index.root / "assets" / info.doc_id
    crops.mkdir(parents=True)
    (crops / "table-1.png").write_bytes(b"png")
    new_info, new_elements = make_doc(tmp_path, "a.txt", ["quarterly revenue by segment", "risk factors"])
    assert new_info.doc_id != info.doc_id
    assert status_of(index, new_info) == "updated"
    assert index.add(new_info, new_elements) == 2
    assert [d.doc_id for d in index.documents()] == [new_info.doc_id]
    assert index.element_count() == 2
    assert index.store.count() == 2  # old vectors deleted
    assert not crops.exists()
    assert all(h.element.provenance.doc_id == new_info.doc_id for h in index.search("net sales", k=5))


def test_identical_bytes_under_two_paths_stored_once_listed_twice(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path / "one", "a.txt", SALES)
    index.add(info, elements)
    copy, copy_elements = make_doc(tmp_path / "two", "b.txt", SALES)
    assert copy.doc_id == info.doc_id
    assert status_of(index, copy) == "added"
    assert index.add(copy, copy_elements) == 0  # nothing embedded again
    assert status_of(index, copy) == "unchanged"
    assert [d.path for d in index.documents()] == [info.path, copy.path]
    assert index.element_count() == 3 and index.store.count() == 3
    assert [h.element.source for h in index.search("net sales", k=1, sources=["b.txt"])] == ["b.txt"]
    [hit] = index.search("net sales", k=1)
    assert hit.element.source == "a.txt" and hit.sources == ("a.txt", "b.txt")


def test_path_updated_to_bytes_stored_elsewhere_drops_stale_version(index: LibraryIndex, tmp_path: Path) -> None:
    a, a_elements = make_doc(tmp_path / "one", "a.txt", SALES)
    b, b_elements = make_doc(tmp_path / "two", "b.txt", ["something else entirely"])
    index.add(a, a_elements)
    index.add(b, b_elements)
    b2, b2_elements = make_doc(tmp_path / "two", "b.txt", SALES)  # b now has a's bytes
    assert status_of(index, b2) == "updated"
    assert index.add(b2, b2_elements) == 0
    assert [(d.path, d.doc_id) for d in index.documents()] == [(a.path, a.doc_id), (b.path, a.doc_id)]
    assert index.store.count() == 3 and index.element_count() == 3  # b's old content is gone


def test_remove_by_name_and_by_path(index: LibraryIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, a_el = make_doc(tmp_path / "docs", "a.txt", SALES)
    b, b_el = make_doc(tmp_path / "docs", "b.txt", ["another document about engines"])
    index.add(a, a_el)
    index.add(b, b_el)
    crops = index.root / "assets" / a.doc_id
    crops.mkdir(parents=True)
    assert index.remove("missing.txt") == []
    removed = index.remove("a.txt")
    assert [r.doc_id for r in removed] == [a.doc_id]
    assert not crops.exists()
    assert index.store.count() == 1 and index.element_count() == 1
    monkeypatch.chdir(tmp_path)
    assert [r.source for r in index.remove("docs/b.txt")] == ["b.txt"]  # relative path
    assert index.documents() == [] and index.store.count() == 0
    assert index.search("engines") == []


def test_source_filter_by_name_and_path(index: LibraryIndex, tmp_path: Path) -> None:
    a, a_el = make_doc(tmp_path, "a.txt", ["net sales in europe"])
    b, b_el = make_doc(tmp_path, "b.txt", ["net sales in asia"])
    index.add(a, a_el)
    index.add(b, b_el)
    assert {h.element.source for h in index.search("net sales", k=5)} == {"a.txt", "b.txt"}
    assert [h.element.source for h in index.search("net sales", k=5, sources=["b.txt"])] == ["b.txt"]
    assert [h.element.source for h in index.search("net sales", k=5, sources=[a.path])] == ["a.txt"]
    assert index.search("net sales", k=5, sources=["nope.pdf"]) == []


def test_blank_elements_kept_without_vectors(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", ["net sales", "   ", "a figure of sales"],
                              kinds=[ElementKind.TEXT, ElementKind.TEXT, ElementKind.FIGURE])
    assert index.add(info, elements) == 3
    assert index.element_count() == 3
    assert index.store.count() == 2


def test_orphan_vectors_are_ignored(index: LibraryIndex, tmp_path: Path, embedder: HashingEmbedder) -> None:
    info, elements = make_doc(tmp_path, "a.txt", SALES)
    index.add(info, elements)
    # A crash after the upsert but before the catalog commit leaves vectors with no catalog rows.
    orphan_texts = [f"total net sales {i}" for i in range(30)]
    index.store.upsert([f"orphan-{i}" for i in range(30)], embedder.embed_documents(orphan_texts), None,
                       [{"doc_id": "dead", "source": "a.txt", "page": 1, "kind": "text"}] * 30)
    hits = index.search("total net sales", k=3)
    assert hits[0].element.id == elements[0].id
    assert len(hits) == 3 and {h.element.id for h in hits} == {e.id for e in elements}
    assert [h.rank for h in hits] == [1, 2, 3]


def test_crash_mid_stream_leaves_catalog_unchanged(index: LibraryIndex, tmp_path: Path) -> None:
    info, elements = make_doc(tmp_path, "a.txt", SALES)
    index.add(info, elements)
    new_info, new_elements = make_doc(tmp_path, "a.txt", [f"new text {i}" for i in range(5)])

    def exploding():
        yield from new_elements[:3]
        raise RuntimeError("parser died")

    with pytest.raises(RuntimeError):
        index.add(new_info, exploding(), batch_size=2)
    assert [d.doc_id for d in index.documents()] == [info.doc_id]
    assert index.element_count() == 3
    assert {h.element.provenance.doc_id for h in index.search("new text", k=10)} == {info.doc_id}


def test_search_many_keeps_order_and_embeds_once(index: LibraryIndex, tmp_path: Path,
                                                 embedder: HashingEmbedder) -> None:
    a, a_el = make_doc(tmp_path, "a.txt", SALES)
    b, b_el = make_doc(tmp_path, "b.txt", ["engineers build engines"])
    index.add(a, a_el)
    index.add(b, b_el)
    embedder.calls.clear()
    results = index.search_many([("rainy weather", None), ("engineers", ["b.txt"]), ("net sales", ["a.txt"])],
                                k=1)
    assert embedder.calls == [3]
    assert [r[0].element.text for r in results] == [SALES[2], "engineers build engines", SALES[0]]


def test_empty_query_and_empty_library(index: LibraryIndex) -> None:
    with pytest.raises(ValueError, match="empty query"):
        index.search("   ")
    with pytest.raises(ValueError, match="empty query"):
        index.search_many([("fine", None), ("", None)])
    assert index.search("anything") == []
    assert index.search_many([("a", None), ("b", ["x.pdf"])]) == [[], []]


def test_lock_contention_in_thread(tmp_path: Path, embedder: HashingEmbedder) -> None:
    first = LibraryIndex(tmp_path / "store", embedder, lock_timeout=0.3)
    second = LibraryIndex(tmp_path / "store", embedder, lock_timeout=0.3)
    errors: list[BaseException] = []

    def try_lock() -> None:
        try:
            with second.write_lock():
                pass
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            errors.append(err)

    with first.write_lock():
        with first.write_lock():  # re-entrant for the holder
            thread = threading.Thread(target=try_lock)
            thread.start()
            thread.join()
    assert len(errors) == 1 and isinstance(errors[0], StoreLockedError)
    assert str(first.root) in str(errors[0])
    with second.write_lock():  # released again
        pass


def test_lock_contention_across_processes(tmp_path: Path, embedder: HashingEmbedder) -> None:
    index = LibraryIndex(tmp_path / "store", embedder, lock_timeout=0.3)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'a')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n",
         str(index.root / "ingest.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        info, elements = make_doc(tmp_path, "a.txt", SALES)
        with pytest.raises(StoreLockedError, match="another ingest is running"):
            index.add(info, elements)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert index.add(info, elements) == 3


def test_store_built_with_other_model_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "store"
    index = LibraryIndex(root, HashingEmbedder("model-a"))
    info, elements = make_doc(tmp_path, "a.txt", SALES)
    index.add(info, elements)
    with pytest.raises(StoreError) as caught:
        LibraryIndex(root, HashingEmbedder("model-b"))
    message = str(caught.value)
    assert "model-a" in message and "model-b" in message and "docrag ingest --rebuild" in message
    assert "rm -r" not in message
    other_dim = LibraryIndex(root, HashingEmbedder("model-a", dimension=32))
    with pytest.raises(StoreError, match="64-dimensional"):
        other_dim.search("net sales")


def test_damaged_catalog_is_reported(tmp_path: Path, embedder: HashingEmbedder) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / "catalog.sqlite").write_bytes(b"this is not a sqlite database" * 100)
    with pytest.raises(StoreError, match="docrag ingest --rebuild"):
        LibraryIndex(root, embedder)


def test_damaged_marker_is_reported(tmp_path: Path, embedder: HashingEmbedder) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / "docrag-store.json").write_text("{not json")
    with pytest.raises(StoreError, match="docrag ingest --rebuild"):
        LibraryIndex(root, embedder)


def test_pdf_page_images_kept_without_clip_and_removed_with_the_document(index: LibraryIndex,
                                                                         tmp_path: Path) -> None:
    from docparse import parse_document
    from retrieval.page_images import page_image_path
    from tests.pdf_builders import make_report_pdf

    parsed = parse_document(make_report_pdf(tmp_path / "report.pdf"))
    assert index.images is None  # no CLIP: the text routes only
    index.add(parsed.info, parsed.elements)
    pages = [page_image_path(index.root, parsed.info.doc_id, n) for n in (1, 2, 3)]
    assert all(p.is_file() and p.stat().st_size > 0 for p in pages)
    orphan = page_image_path(index.root, "not-a-stored-doc", 1)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a killed run")
    with index.write_lock():
        index.cleanup.sweep_all()
    assert not orphan.parent.exists() and pages[0].is_file()
    index.remove("report.pdf")
    assert not pages[0].parent.exists()


def test_parallel_ingest_gives_the_embedder_the_cores_the_workers_leave(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.text_embedder as text_embedder
    from chat.library import Library
    from docparse import cpu, parallel
    from retrieval import page_images
    from retrieval.page_images import page_image_path
    from tests.pdf_builders import make_report_pdf

    class ThreadAwareEmbedder(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.limits: list[int | None] = []

        def limit_threads(self, threads: int | None) -> None:
            self.limits.append(threads)

    rendered_here: list[object] = []  # page images are the parse workers' job

    def not_here(*args: object) -> None:
        rendered_here.append(args)

    embedder = ThreadAwareEmbedder()
    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: embedder)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 6)
    monkeypatch.setattr(cpu, "usable_cores", lambda: 6)
    monkeypatch.setattr(page_images, "render_page_image", not_here)
    files = [make_report_pdf(tmp_path / f"r{i}.pdf") for i in range(2)]
    orphan = page_image_path(tmp_path / "lib", "left-by-a-killed-run", 1)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    library = Library.open(tmp_path / "lib", image_search=False)
    report = library.add(files, workers=2)
    assert len(report.added) == 2 and embedder.calls
    assert not orphan.parent.exists()  # swept before the workers wrote this run's page images
    for record in library.documents():
        assert all(page_image_path(tmp_path / "lib", record.doc_id, n).is_file() for n in (1, 2, 3))
    assert rendered_here == []
    assert embedder.limits[0] == 4 and embedder.limits[-1] is None  # 6 cores - 2 workers, then all again
    assert set(embedder.limits) == {4, None}
    assert library.add(files, workers=2).unchanged == ("r0.pdf", "r1.pdf")  # nothing to parse: no limit set
    assert embedder.limits.count(4) == 1
