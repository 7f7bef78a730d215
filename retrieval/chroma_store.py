"""The vector store: one Chroma collection of text-space vectors, embedded on disk or on a Chroma server.

Vectors carry only the metadata search filters on (doc_id, source, page, kind); element content lives in the
catalog. chromadb is imported on first use so that importing docrag stays fast.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlparse

import numpy as np

log = logging.getLogger(__name__)

TEXT_COLLECTION = "docrag_text"


def _http_client(url: str, settings: Any) -> Any:
    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"Chroma URL {url!r} is not of the form http://host:port")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=ssl, settings=settings)


class ChromaStore:
    """A cosine-space Chroma collection, `TEXT_COLLECTION` by default.

    root: the library folder (vectors go to `<root>/chroma` in an embedded PersistentClient); url: a Chroma
    server ("http://host:port") used instead. Exactly one of them is needed.
    """

    def __init__(self, root: Path | None = None, url: str | None = None,
                 collection: str = TEXT_COLLECTION) -> None:
        if root is None and url is None:
            raise ValueError("ChromaStore needs a library folder (root) or a Chroma server URL (url)")
        self.root = Path(root) if root is not None else None
        self.url = url
        self.collection_name = collection
        self._client: Any = None
        self._collection: Any = None

    def __repr__(self) -> str:
        where = self.url or str(self.root / "chroma")  # type: ignore[operator]
        return f"ChromaStore({where!r}, collection={self.collection_name!r})"

    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            if self.url is not None:
                self._client = _http_client(self.url, settings)
            else:
                folder = self.root / "chroma"  # type: ignore[operator]
                folder.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(folder), settings=settings)
        return self._client

    @property
    def collection(self) -> Any:
        if self._collection is None:
            # embedding_function=None: we always pass vectors, and Chroma's default would fetch an ONNX model.
            self._collection = self.client.get_or_create_collection(
                self.collection_name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        return self._collection

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray,
               documents: Sequence[str] | None = None,
               metadatas: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Insert or replace vectors, in chunks no larger than the client's maximum batch size."""
        if len(ids) == 0:
            return
        step = max(1, int(self.client.get_max_batch_size()))
        vectors = np.asarray(embeddings, dtype=np.float32)
        for start in range(0, len(ids), step):
            end = start + step
            self.collection.upsert(
                ids=list(ids[start:end]), embeddings=vectors[start:end],
                documents=list(documents[start:end]) if documents is not None else None,
                metadatas=[dict(m) for m in metadatas[start:end]] if metadatas is not None else None)

    def delete_where(self, where: Mapping[str, Any]) -> None:
        """Delete every vector whose metadata matches `where` (a Chroma filter such as {"doc_id": "..."})."""
        self.collection.delete(where=dict(where))

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete vectors by id (unknown ids are ignored)."""
        if ids:
            self.collection.delete(ids=list(ids))

    def count(self) -> int:
        """How many vectors the collection holds (orphans included)."""
        return int(self.collection.count())

    def query(self, embeddings: np.ndarray, k: int,
              where: Mapping[str, Any] | None = None) -> list[list[tuple[str, float]]]:
        """The k nearest vectors to each query vector: per query, (id, cosine distance), nearest first."""
        vectors = np.asarray(embeddings, dtype=np.float32)
        if len(vectors) == 0:
            return []
        total = self.count()
        if total == 0 or k <= 0:
            return [[] for _ in range(len(vectors))]
        result = self.collection.query(query_embeddings=vectors, n_results=min(k, total),
                                       where=dict(where) if where else None, include=["distances"])
        return [list(zip(ids, (float(d) for d in distances)))
                for ids, distances in zip(result["ids"], result["distances"])]
