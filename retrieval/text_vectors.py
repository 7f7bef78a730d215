"""Text vectors of a document's elements: embedded batch by batch and upserted into the text collection before
each batch goes on to the catalog (so a crash leaves orphan vectors, never catalog elements without vectors)."""
from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from docparse.element import Element
from retrieval.chroma_store import ChromaStore
from retrieval.crash_points import crash_point
from retrieval.element_text import embedding_views, view_id
from retrieval.errors import StoreError

log = logging.getLogger(__name__)

Upsert = Callable[[Any, Sequence[Element]], None]


def embed_stream(info: Any, elements: Iterable[Element], batch_size: int, upsert: Upsert) -> Iterator[Element]:
    """Pass elements through (duplicate ids skipped), calling `upsert(info, batch)` before each batch goes on."""
    seen: set[str] = set()
    batch: list[Element] = []
    for element in elements:
        if element.id in seen:
            log.warning("%s: duplicate element id %s skipped", info.source, element.id)
            continue
        seen.add(element.id)
        batch.append(element)
        if len(batch) >= batch_size:
            upsert(info, batch)
            crash_point("vectors")
            yield from batch
            batch = []
    if batch:
        upsert(info, batch)
        crash_point("vectors")
        yield from batch


def upsert_text_vectors(embedder: Any, store: ChromaStore, dimension: int, doc: Any,
                        batch: Sequence[Element]) -> None:
    """Embed every view of these elements of `doc` (a DocumentInfo or DocumentRecord) and upsert the vectors.
    Raises StoreError when the embedder's vectors do not have the store's dimension."""
    pairs = [(view_id(element.id, n), element, text)
             for element in batch for n, text in enumerate(embedding_views(element))]
    if not pairs:
        return
    vectors = np.asarray(embedder.embed_documents([text for _, _, text in pairs]), dtype=np.float32)
    if vectors.shape != (len(pairs), dimension):
        raise StoreError(f"text embedder {embedder.name!r} returned vectors of shape {vectors.shape} for "
                         f"{len(pairs)} texts; the store {store.root} expects dimension "
                         f"{dimension}")
    metadatas = [{"doc_id": doc.doc_id, "source": doc.source, "page": int(element.page),
                  "kind": element.kind.value} for _, element, _ in pairs]
    store.upsert([vid for vid, _, _ in pairs], vectors, None, metadatas)
