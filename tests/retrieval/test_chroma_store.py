"""ChromaStore: embedded on disk, and against a `chroma run` server started on 127.0.0.1 by the test."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.chroma_store import ChromaStore
from tests.retrieval.chroma_server import chroma_server  # noqa: F401 - the server fixture


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exercise(store: ChromaStore) -> None:
    vectors = _unit([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
    metas = [{"doc_id": d, "source": f"{d}.pdf", "page": i + 1, "kind": "text"}
             for i, d in enumerate(["a", "a", "b", "b"])]
    store.upsert(["e0", "e1", "e2", "e3"], vectors, None, metas)
    assert store.count() == 4
    [row] = store.query(_unit([[1, 0.1, 0]]), k=2)
    assert [i for i, _ in row] == ["e0", "e3"]
    assert row[0][1] < 0.01  # cosine distance
    [row] = store.query(_unit([[1, 0, 0]]), k=10, where={"source": {"$in": ["b.pdf"]}})
    assert [i for i, _ in row] == ["e3", "e2"]
    store.delete_where({"doc_id": "a"})
    assert store.count() == 2


def test_persistent_store_in_small_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ChromaStore(root=tmp_path)
    batches: list[int] = []
    real_upsert = store.collection.upsert
    monkeypatch.setattr(store.client, "get_max_batch_size", lambda: 3)
    monkeypatch.setattr(store.collection, "upsert", lambda **kw: (batches.append(len(kw["ids"])), real_upsert(**kw)))
    _exercise(store)
    assert batches == [3, 1]
    assert (tmp_path / "chroma").is_dir()
    assert ChromaStore(root=tmp_path).count() == 2  # persisted


def test_needs_root_or_url() -> None:
    with pytest.raises(ValueError):
        ChromaStore()


@pytest.mark.slow
def test_http_store(chroma_server: str) -> None:
    _exercise(ChromaStore(url=chroma_server, collection="exercise_3d"))  # own collection: dimension 3


@pytest.mark.slow
def test_library_index_on_server(chroma_server: str, tmp_path: Path) -> None:
    from retrieval import LibraryIndex
    from tests.retrieval.test_index import HashingEmbedder, make_doc

    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), chroma_url=chroma_server)
    info, elements = make_doc(tmp_path, "server.txt", ["net sales on a server", "unrelated words here"])
    assert index.add(info, elements) == 2
    assert not (index.root / "chroma").exists()
    assert index.search("net sales", k=1)[0].element.source == "server.txt"
    assert [r.source for r in index.remove("server.txt")] == ["server.txt"]
