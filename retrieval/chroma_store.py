"""The vector store: one Chroma collection of text-space vectors, embedded on disk or on a Chroma server.

Vectors carry only the metadata search filters on (doc_id, source, page, kind); element content lives in the
catalog. chromadb is imported on first use so that importing docrag stays fast.

On a Chroma server the library has its own collection, named and recorded by retrieval.server_binding.
The text collection is NAME itself; other collections of the library (CLIP) are NAME-<suffix>.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence
from urllib.parse import urlparse

import numpy as np

from retrieval.errors import StoreError, StoreServerError
from retrieval.server_binding import (SERVER_BINDING, check_collection_name, derived_collection_name,  # noqa: F401
                                      server_collection_base)
from retrieval.store_guard import classify, may_write, searchable_copy

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
    server ("http://host:port") used instead. With both, the collection is the library's own on that server
    (see server_collection_base; `library` requests a name). With a url alone, `collection` is used as given.
    """

    def __init__(self, root: Path | None = None, url: str | None = None,
                 collection: str = TEXT_COLLECTION, library: str | None = None) -> None:
        if root is None and url is None:
            raise ValueError("ChromaStore needs a library folder (root) or a Chroma server URL (url)")
        self.root = Path(root) if root is not None else None
        self.url = url
        if url is not None and self.root is not None:
            base = server_collection_base(self.root, library, url)
            suffix = collection.removeprefix("docrag_")
            collection = base if collection == TEXT_COLLECTION else f"{base}-{suffix}"
        elif library:
            log.warning("collection name %r is used only with a Chroma server (--chroma-url); the embedded "
                        "store under %s has its own folder", library, self.root)
        self.collection_name = collection
        self._client: Any = None
        self._collection: Any = None
        # Chroma's count() costs ~7 ms at 30k vectors and searches need it twice (bench/search_latency.py), so it
        # is kept until this store writes or closes (a reader closes when another process changed the library).
        self._count: int | None = None

    def __repr__(self) -> str:
        where = self.url or str(self.root / "chroma")  # type: ignore[operator]
        return f"ChromaStore({where!r}, collection={self.collection_name!r})"

    @contextmanager
    def _reported(self) -> Iterator[None]:
        """Turn Chroma failures that are not our bug into StoreErrors a user can act on: an embedded store whose
        files are damaged (names the folder and the rebuild command), or a server that cannot be reached."""
        try:
            yield
        except (StoreError, KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as err:  # Chroma's Rust core raises PanicException, a BaseException
            reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
            if self.url is not None:
                if _is_connection_error(err):
                    held = f"; the vectors of {self.root} are kept there, nothing is lost" if self.root else ""
                    raise StoreServerError(f"Chroma server {self.url} cannot be reached ({reason}){held}; start "
                                           "it (chroma run --path DIR --host 127.0.0.1 --port PORT) or check "
                                           "--chroma-url") from err
                raise
            folder = self.root / "chroma"  # type: ignore[operator]
            known = classify(err, self.root, folder, damage=f"vector store {folder}" if _is_damage(err) else None)
            if known is not None:
                raise known from err
            raise

    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            with self._reported():
                if self.url is not None:
                    self._client = _http_client(self.url, settings)
                else:
                    folder = self.root / "chroma"  # type: ignore[operator]
                    folder.mkdir(parents=True, exist_ok=True)
                    if not _writable_tree(folder):  # Chroma opens nothing it may not write
                        folder = searchable_copy(folder)
                    try:
                        self._client = chromadb.PersistentClient(path=str(folder), settings=settings)
                    except BaseException:
                        _forget_failed_system(str(folder))
                        raise
        return self._client

    @property
    def collection(self) -> Any:
        if self._collection is None:
            with self._reported():
                # embedding_function=None: we always pass vectors, and Chroma's default would fetch an ONNX model.
                self._collection = self.client.get_or_create_collection(
                    self.collection_name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        return self._collection

    def close(self) -> None:
        """Let go of the client; the next use opens it again. An embedded Chroma keeps its vector index in
        memory and does not see what another process wrote since it opened, so a reader reopens after a change
        (every ChromaStore on the same folder must close first: they share one Chroma system)."""
        client, self._client, self._collection, self._count = self._client, None, None, None
        if client is not None and hasattr(client, "close"):
            try:
                client.close()
            except Exception as err:  # noqa: BLE001 - closing is best effort; a fresh client is made anyway
                log.debug("closing the Chroma client of %r failed: %s", self, err)

    def forget_count(self) -> None:
        """Drop the cached count (another process may have written)."""
        self._count = None

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray,
               documents: Sequence[str] | None = None,
               metadatas: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Insert or replace vectors, in chunks no larger than the client's maximum batch size."""
        if len(ids) == 0:
            return
        self._count = None
        step = max(1, int(self.client.get_max_batch_size()))
        vectors = np.asarray(embeddings, dtype=np.float32)
        for start in range(0, len(ids), step):
            end = start + step
            with self._reported():
                self.collection.upsert(
                    ids=list(ids[start:end]), embeddings=vectors[start:end],
                    documents=list(documents[start:end]) if documents is not None else None,
                    metadatas=[dict(m) for m in metadatas[start:end]] if metadatas is not None else None)

    def delete_where(self, where: Mapping[str, Any]) -> None:
        """Delete every vector whose metadata matches `where` (a Chroma filter such as {"doc_id": "..."})."""
        self._count = None
        with self._reported():
            self.collection.delete(where=dict(where))

    def holds(self, where: Mapping[str, Any]) -> bool:
        """Whether any vector's metadata matches `where` (a Chroma filter such as {"doc_id": "..."})."""
        with self._reported():
            return bool(self.collection.get(where=dict(where), limit=1, include=[])["ids"])

    def ids_by_document(self, page: int = 5000) -> dict[str, set[str]]:
        """Every vector id, grouped by the doc_id in its metadata (read in pages of `page` ids)."""
        grouped: dict[str, set[str]] = {}
        offset = 0
        while True:
            with self._reported():
                got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            for vector_id, meta in zip(got["ids"], got["metadatas"] or [{}] * len(got["ids"])):
                grouped.setdefault(str((meta or {}).get("doc_id", "")), set()).add(vector_id)
            if len(got["ids"]) < page:
                return grouped
            offset += page

    def count(self) -> int:
        """How many vectors the collection holds (orphans included)."""
        if self._count is None:
            with self._reported():
                self._count = int(self.collection.count())
        return self._count

    def query(self, embeddings: np.ndarray, k: int,
              where: Mapping[str, Any] | None = None) -> list[list[tuple[str, float]]]:
        """The k nearest vectors to each query vector: per query, (id, cosine distance), nearest first."""
        vectors = np.asarray(embeddings, dtype=np.float32)
        if len(vectors) == 0:
            return []
        total = self.count()
        if total == 0 or k <= 0:
            return [[] for _ in range(len(vectors))]
        with self._reported():
            result = self.collection.query(query_embeddings=vectors, n_results=min(k, total),
                                           where=dict(where) if where else None, include=["distances"])
        return [list(zip(ids, (float(d) for d in distances)))
                for ids, distances in zip(result["ids"], result["distances"])]


def _forget_failed_system(identifier: str) -> None:
    """Drop the Chroma system that a failed PersistentClient left in chromadb's per-folder cache (it is cached
    before it starts, and a failed start leaves it half made: every later client of the folder in this process
    would get it, e.g. after `docrag ingest --rebuild` replaced a damaged folder)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    if identifier not in SharedSystemClient._identifier_to_refcount:  # no working client shares it
        SharedSystemClient._identifier_to_system.pop(identifier, None)


def _writable_tree(folder: Path) -> bool:
    """Whether this user may write the embedded store's folder and its database file."""
    database = folder / "chroma.sqlite3"
    return may_write(folder) and (not database.exists() or may_write(database))


def _is_damage(err: BaseException) -> bool:
    """Errors an embedded Chroma raises over damaged files (its SQLite or HNSW segment files)."""
    import sqlite3

    from chromadb.errors import InternalError

    return isinstance(err, (InternalError, sqlite3.DatabaseError)) or type(err).__name__ == "PanicException"


def _is_connection_error(err: BaseException) -> bool:
    """A Chroma server that is down, refuses, or times out (httpx errors, or chromadb's own "Could not connect")."""
    if isinstance(err, (ConnectionError, TimeoutError)):
        return True
    try:
        import httpx
        if isinstance(err, (httpx.TransportError,)):
            return True
    except ImportError:  # pragma: no cover - chromadb depends on httpx
        pass
    return "could not connect" in str(err).lower()
