"""The text routes of a search, each a ranked list of catalog element ids per query: dense (nearest text vectors,
orphans skipped) and lexical (BM25)."""
from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np

from retrieval.catalog import Catalog
from retrieval.chroma_store import ChromaStore
from retrieval.compute_threads import FEW_QUERIES, one_torch_thread
from retrieval.element_text import element_of_view
from retrieval.lexical_index import LexicalIndex
from retrieval.search_filter import SearchFilter


def dense_route(embedder: Any, store: ChromaStore, catalog: Catalog, texts: Sequence[str],
                filters: Sequence[SearchFilter], depth: int) -> list[list[str]]:
    """Per query, ids of the `depth` nearest catalog elements, nearest first (queries with the same filter share
    one store query)."""
    with one_torch_thread(len(texts) <= FEW_QUERIES):
        vectors = np.asarray(embedder.embed_queries(list(texts)), dtype=np.float32)
    groups: dict[SearchFilter, list[int]] = {}
    for i, where in enumerate(filters):
        groups.setdefault(where, []).append(i)
    results: list[list[str]] = [[] for _ in texts]
    for where, members in groups.items():
        for i, row in zip(members, nearest_elements(store, catalog, vectors[members], depth, where.chroma_where())):
            results[i] = row
    return results


def nearest_elements(store: ChromaStore, catalog: Catalog, vectors: np.ndarray, k: int,
                     where: dict[str, Any] | None) -> list[list[str]]:
    """Ids of the k nearest catalog elements per vector, nearest first. Orphan vectors (no catalog element) are
    skipped and do not count against k, so this over-fetches and widens the fetch until k are found or the
    collection runs out."""
    total = store.count()
    results: list[list[str]] = [[] for _ in range(len(vectors))]
    pending = list(range(len(vectors)))
    fetch = k + max(k, 10)
    while pending:
        raw = store.query(vectors[pending], fetch, where)
        found = catalog.element_ids_present(list({element_of_view(i) for row in raw for i, _ in row}))
        still: list[int] = []
        for query_index, row in zip(pending, raw):
            # rows arrive nearest first, so the first view seen of an element is its nearest
            nearest = dict.fromkeys(element_of_view(vector_id) for vector_id, _ in row)
            results[query_index] = [e for e in nearest if e in found][:k]
            if len(results[query_index]) < k and len(row) >= fetch and fetch < total:
                still.append(query_index)
        pending = still
        fetch = min(total, fetch * 4)
    return results


def lexical_route(lexical: LexicalIndex, texts: Sequence[str], filters: Sequence[SearchFilter],
                  depth: int) -> list[list[str]]:
    """Per query, ids of the `depth` best BM25 elements (the lexical index is brought up to date first)."""
    lexical.sync()
    return [[element for element, _ in lexical.search(lexical.tokenizer.tokenize(text), depth, where)]
            for text, where in zip(texts, filters)]


def preload_lexical() -> threading.Thread:
    """Import the BM25 library in a background thread, returned started (join it before the process ends): an
    ingest's closing lexical refresh then skips the import (~0.25 s of numba loading, otherwise paid after the
    last document while the cores sit idle)."""
    from retrieval.lexical_index import import_bm25s

    thread = threading.Thread(target=import_bm25s, name="docrag-preload-bm25s", daemon=True)
    thread.start()
    return thread
