"""The image route: CLIP vectors of figure and table crops and page images, in their own Chroma collection.

CLIP space is not the text embedder's space, so these vectors live in `docrag_clip`, apart from `docrag_text`,
and their distances are never compared with text-route scores: callers fuse the routes by rank.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

import numpy as np

from retrieval.chroma_store import ChromaStore
from retrieval.clip_embedder import ImageEmbedder

log = logging.getLogger(__name__)

CLIP_COLLECTION = "docrag_clip"
IMAGE_KINDS = ("figure", "table", "page")
_ADD_CHUNK = 64  # images decoded and embedded per step while adding: bounds memory for image-heavy documents


def page_element_id(doc_id: str, page: int) -> str:
    """The stable id of the image of a whole page (figures and tables keep their element ids)."""
    return f"{doc_id}:page:{page}"


@dataclass(frozen=True)
class ImageItem:
    """One image to index: a figure or table crop (element_id of its Element) or a page image
    (element_id from `page_element_id`). page is 1-based; image_path is a file PIL can read."""

    element_id: str
    kind: str
    page: int
    image_path: str

    def __post_init__(self) -> None:
        if self.kind not in IMAGE_KINDS:
            raise ValueError(f"image kind {self.kind!r} of {self.element_id} is not one of {', '.join(IMAGE_KINDS)}")


class ImageMatch(NamedTuple):
    """One image-route result; distance is a cosine distance in CLIP space (lower is nearer)."""

    element_id: str
    kind: str
    source: str
    page: int
    distance: float


def _chunks(items: Iterable[ImageItem], size: int) -> Iterator[list[ImageItem]]:
    chunk: list[ImageItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class ImageIndex:
    """CLIP vectors of a library's images. root: the library folder; chroma_url: a Chroma server used instead of
    the embedded store under `<root>/chroma`. Vector ids are element ids; metadata: doc_id, source, page, kind,
    element_id."""

    def __init__(self, root: Path, embedder: ImageEmbedder, chroma_url: str | None = None) -> None:
        self.root = Path(root)
        self.embedder = embedder
        self.store = ChromaStore(self.root, chroma_url, collection=CLIP_COLLECTION)

    def __repr__(self) -> str:
        return f"ImageIndex({self.store!r}, embedder={self.embedder.name!r})"

    def _embed(self, doc_id: str, chunk: list[ImageItem]) -> tuple[list[ImageItem], np.ndarray]:
        """Vectors for the chunk; on a bad image, embeds one by one and skips the bad ones with a warning."""
        try:
            return chunk, self.embedder.embed_images([item.image_path for item in chunk])
        except (ValueError, OSError):
            pass
        kept: list[ImageItem] = []
        vectors: list[np.ndarray] = []
        for item in chunk:
            try:
                vectors.append(self.embedder.embed_images([item.image_path]))
                kept.append(item)
            except (ValueError, OSError) as err:
                log.warning("skipped image %s (%s, page %d) of document %s: %s",
                            item.element_id, item.kind, item.page, doc_id, err)
        if not vectors:
            return [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return kept, np.concatenate(vectors)

    def add(self, doc_id: str, source: str, items: Iterable[ImageItem]) -> int:
        """Embed and store the images of one document (upsert by element id), a chunk at a time; returns how
        many were stored. Images that cannot be read are skipped with a warning. Call `remove` first to replace
        a document's images."""
        stored = 0
        for chunk in _chunks(items, _ADD_CHUNK):
            kept, vectors = self._embed(doc_id, chunk)
            metadatas = [{"doc_id": doc_id, "source": source, "page": int(item.page), "kind": item.kind,
                          "element_id": item.element_id} for item in kept]
            self.store.upsert([item.element_id for item in kept], vectors, None, metadatas)
            stored += len(kept)
        return stored

    def remove(self, doc_id: str) -> None:
        """Delete every image vector of document `doc_id`."""
        self.store.delete_where({"doc_id": doc_id})

    def holds(self, doc_id: str) -> bool:
        """Whether any image of document `doc_id` is indexed."""
        return self.store.holds({"doc_id": doc_id})

    def count(self) -> int:
        """How many image vectors the collection holds."""
        return self.store.count()

    def search_text(self, queries: Sequence[str], k: int = 10, where: Mapping[str, Any] | None = None,
                    kinds: Sequence[str] | None = None) -> list[list[ImageMatch]]:
        """The k nearest images to each text query (CLIP text tower), nearest first, one list per query.

        where: a Chroma metadata filter (e.g. {"source": {"$in": [...]}}); kinds: keep only these of IMAGE_KINDS.
        """
        return self._search(self.embedder.embed_texts(list(queries)), k, where, kinds)

    def search_image(self, path: str | Path, k: int = 10, where: Mapping[str, Any] | None = None,
                     kinds: Sequence[str] | None = None) -> list[ImageMatch]:
        """The k nearest images to the image file at `path`, nearest first (filters as in `search_text`).
        Raises ValueError naming the file when it is not a readable image."""
        return self._search(self.embedder.embed_images([str(path)]), k, where, kinds)[0]

    def _search(self, vectors: np.ndarray, k: int, where: Mapping[str, Any] | None,
                kinds: Sequence[str] | None) -> list[list[ImageMatch]]:
        if kinds is not None and len(kinds) == 0:
            return [[] for _ in range(len(vectors))]
        rows = self.store.query(vectors, k, _combine(where, kinds))
        ids = sorted({element_id for row in rows for element_id, _ in row})
        if not ids:
            return [[] for _ in rows]
        found = self.store.collection.get(ids=ids, include=["metadatas"])
        metas = dict(zip(found["ids"], found["metadatas"]))
        return [[ImageMatch(element_id, str(metas[element_id]["kind"]), str(metas[element_id]["source"]),
                            int(metas[element_id]["page"]), distance)
                 for element_id, distance in row if element_id in metas] for row in rows]


def _combine(where: Mapping[str, Any] | None, kinds: Sequence[str] | None) -> dict[str, Any] | None:
    if kinds is not None:
        unknown = sorted(set(kinds) - set(IMAGE_KINDS))
        if unknown:
            raise ValueError(f"unknown image kinds {unknown}; valid: {', '.join(IMAGE_KINDS)}")
    clauses = [dict(where)] if where else []
    if kinds is not None:
        clauses.append({"kind": {"$in": list(kinds)}})
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else None
