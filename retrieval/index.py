"""The library index: adds, updates and removes documents, and answers hybrid (dense + lexical + image) searches.

Ingest order (why a crash anywhere leaves a usable library): vectors are upserted first, the catalog then records
the new document and drops the previous version at the same path in ONE transaction, and only after that commit
are the old version's vectors and crops deleted. Vectors without a catalog element are orphans that search skips.

The index wires its parts together; each has one job: retrieval.store_marker / store_lock (the store guard),
text_vectors, vector_freshness, store_cleanup, clip_route (CLIP's lifecycle), search_routes and search_pipeline
(the search), ingest_session (the order of an ingest).
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from docparse.base import DocumentInfo, ParseOptions, stored_path
from docparse.element import Element, ElementKind
from retrieval.catalog import Catalog, DocumentRecord
from retrieval.chroma_store import ChromaStore
from retrieval.clip_route import ClipRoute
from retrieval.crash_points import crash_point
from retrieval.hit import Hit
from retrieval.lexical_index import LexicalIndex
from retrieval.model_profiles import route_reading
from retrieval.query_language import reads_query
from retrieval.rerank import Reranker
from retrieval.search_filter import SearchFilter
from retrieval.search_pipeline import check_queries, finish_hits, fuse_query, image_hits, lexical_queries, truncate
from retrieval.search_routes import dense_route, lexical_route
from retrieval.search_settings import SearchSettings
from retrieval.server_binding import resolve_chroma_url
from retrieval.source_names import name_hits
from retrieval.source_writes import SourceWrites
from retrieval.store_check import check_on_open, check_vector_count
from retrieval.store_cleanup import StoreCleanup
from retrieval.store_lock import StoreLock
from retrieval.store_marker import STORE_FORMAT  # noqa: F401 - re-exported: the format this docrag writes
from retrieval.store_marker import StoreMarker
from retrieval.text_embedder import TextEmbedder
from retrieval.text_vectors import embed_stream, upsert_text_vectors
from retrieval.tokenize import LexicalTokenizer
from retrieval.vector_freshness import VectorFreshness

log = logging.getLogger(__name__)


class LibraryIndex(SourceWrites):
    """A library folder: `catalog.sqlite` (documents and elements), Chroma vectors (`chroma/` or a server),
    crops under `assets/<doc_id>/`, page images under `pages/<doc_id>/`, the store-format marker and the lock.

    Writes (add, remove) take the ingest lock; searches do not. lock_timeout: seconds to wait for the lock.
    search_settings (or its older name settings): how searches fuse their routes (default: SearchSettings(); a
    library passes its search_* settings, chat.settings); tokenizer: lexical terms; reranker: an optional
    cross-encoder that re-orders the top rerank_depth fused hits; image_embedder: a loaded CLIP embedder (else see
    `clip`).
    chroma_url: a Chroma server instead of `<root>/chroma`; collection: the library's collection name there.
    rebuilding: open for `retrieval.store_repair.rebuild_store`, which re-embeds every document, so the store
    marker (text model, format) of the vectors being replaced is not checked.
    """

    def __init__(self, root: Path, embedder: TextEmbedder, chroma_url: str | None = None, *,
                 lock_timeout: float = 5.0, settings: SearchSettings | None = None,
                 search_settings: SearchSettings | None = None, tokenizer: LexicalTokenizer | None = None,
                 image_embedder: Any = None, reranker: Reranker | None = None, collection: str | None = None,
                 rebuilding: bool = False) -> None:
        self.root = Path(root).expanduser().resolve()
        self.embedder = embedder
        self.root.mkdir(parents=True, exist_ok=True)
        self.marker = StoreMarker(self.root, embedder, rebuilding)
        check_on_open(self.root)  # a lost catalog beside stored vectors is damage, not an empty library
        self.catalog = Catalog(self.root)
        # A library created with --chroma-url keeps using its server (recorded), never an embedded store; there
        # it has its own collection (derived from root, or `collection`).
        chroma_url = resolve_chroma_url(self.root, chroma_url)
        self.store = ChromaStore(root=self.root, url=chroma_url, library=collection)
        self.settings = search_settings or settings or SearchSettings()
        self.lexical = LexicalIndex(self.root, self.catalog, tokenizer)
        self.reranker = reranker  # None = fused order
        self.clip = ClipRoute(self.root, chroma_url, self.catalog)  # exists only once an image embedder loaded
        if image_embedder is not None:
            self.clip.attach(image_embedder)
        self.freshness = VectorFreshness(self.root, self.catalog, self._vector_stores)
        self.cleanup = StoreCleanup(self.root, self.catalog, self.store, self.clip)
        self.lock = StoreLock(self.root, lock_timeout, on_acquire=self.freshness.follow)
        self._short_checked = False  # whether searches compared the vector count with the catalog's views

    @contextmanager
    def write_lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the exclusive ingest lock on `<root>/ingest.lock` (re-entrant within this object and thread),
        waiting up to `timeout` seconds (default: lock_timeout), then raising StoreLockedError."""
        with self.lock.hold(timeout):
            yield

    def ingest(self, options: ParseOptions, *, workers: int = 1, progress: Callable | None = None,
               cancel: Any = None, write_guard: Callable | None = None):
        """An `retrieval.ingest_session.IngestSession`: `with index.ingest(options) as session:
        session.add(files)`, then `session.report`. progress(IngestEvent) hears each step; cancel (a
        threading.Event) stops the ingest between documents; write_guard() (a context manager) is held around
        each store write and never around parsing (a server's write lock)."""
        from retrieval.ingest_session import IngestSession
        return IngestSession(self, options, workers=workers, progress=progress, cancel=cancel,
                             write_guard=write_guard)

    # -- writes ------------------------------------------------------------------------------------------------
    def add(self, info: DocumentInfo, elements: Iterable[Element], batch_size: int = 64) -> int:
        """Store a document: embed its elements batch by batch, upsert the vectors, record document and elements
        in one catalog transaction (replacing the previous version at the same path), then delete that previous
        version's vectors and crops. Returns the number of elements stored: 0 when these bytes are already stored
        (under this path, or another: the path then becomes one more source of that content, see set_source)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        path = stored_path(info.path)
        with self.write_lock():
            self.marker.ensure()
            self.cleanup.sweep_once()
            same_bytes = self.catalog.document_by_id(info.doc_id)
            if same_bytes is not None:
                at_path = self.catalog.document_for_path(path)
                if at_path is None or at_path.doc_id != info.doc_id:
                    self.set_source(path, info.source, info.doc_id)
                    log.info("%s has the same bytes as %s, already stored; recorded as another source of it",
                             path, same_bytes.path)
                return 0
            record = DocumentRecord(doc_id=info.doc_id, source=info.source, path=path, pages=info.pages,
                                    format=info.format, n_elements=0, added_at=time.time())
            stored, replaced = self.catalog.put_document(
                record, embed_stream(info, elements, batch_size, self._upsert_vectors))
            crash_point("commit")
            self.cleanup.drop_documents(replaced)
            if replaced:
                self.catalog.mark_swept()
            self.clip.add_document(stored, self.cleanup.sweep_late_route)
            self.freshness.own_write()  # the open stores already hold it
            log.info("stored %s: %d elements", info.source, stored.n_elements)
            return stored.n_elements

    def _upsert_vectors(self, doc: DocumentRecord | DocumentInfo, batch: Sequence[Element]) -> None:
        upsert_text_vectors(self.embedder, self.store, self.marker.dimension, doc, batch)

    def upsert_vectors(self, record: DocumentRecord | DocumentInfo, elements: Sequence[Element]) -> None:
        """Embed these elements of a document and upsert their vectors (retrieval.store_repair re-embeds from the
        catalog with it). Call with the ingest lock held."""
        self.marker.ensure()
        self._upsert_vectors(record, elements)

    def ensure_marker(self) -> None:
        """Write the store marker (format, text model, dimension) if there is none; check the dimension if there is."""
        self.marker.ensure()

    @property
    def images(self):
        """The CLIP route (`retrieval.image_route.ImageRoute`), or None when image search is off. Waits for an
        image embedder still loading (see `clip`)."""
        return self.clip.route

    def settle_images(self) -> None:
        """Wait for an image embedder still loading and turn the CLIP route on with it (if it loaded)."""
        self.clip.settle()

    def open_image_changes(self) -> bool:
        """Before an ingest: see ClipRoute.open_changes."""
        return self.clip.open_changes()

    def close_image_changes(self, was_complete: bool) -> int:
        """After an ingest: offer the CLIP route the documents it lacks (see ClipRoute.close_changes)."""
        return self.clip.close_changes(was_complete, self.write_lock, self.cleanup.sweep_late_route)

    def refresh_lexical(self) -> bool:
        """Bring the lexical index up to date with the catalog now (searches also do it on demand). Call after a
        batch ingest so the first search does not pay for the rebuild. Returns True when it rebuilt."""
        return self.lexical.sync()

    def close(self) -> None:
        """Let go of the vector stores' clients (they reopen on next use)."""
        for store in self._vector_stores():
            store.close()
        self.freshness.forget()

    def _vector_stores(self) -> list[ChromaStore]:
        """The stores open now (never waits for a CLIP route still loading)."""
        return self.clip.open_stores(self.store)

    # -- reads -------------------------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        """All stored documents, by file name then path."""
        return self.catalog.documents()

    def element_count(self) -> int:
        """How many elements the catalog holds (with or without vectors)."""
        return self.catalog.element_count()

    def search(self, query: str, k: int = 10, sources: Sequence[str] | None = None, *,
               kinds: Sequence[str | ElementKind] | None = None, pages: tuple[int, int] | int | None = None,
               settings: SearchSettings | None = None) -> list[Hit]:
        """The k best elements for `query`: dense, lexical and image routes fused by rank (see SearchSettings),
        views of one element collapsed into one Hit whose routes name every route that found it.

        sources: only documents with these file names (full paths count by their base name); kinds: only these
        element kinds ("text", "table", "figure", ...); pages: only pages first..last (inclusive) of each
        document. Every route filters inside its own search. A query with no letter or digit (blank,
        punctuation only) raises ValueError("empty query ..."); a very long one is read up to
        settings.max_query_chars characters."""
        return self.search_many([(query, sources)], k=k, kinds=kinds, pages=pages, settings=settings)[0]

    def search_many(self, queries: Sequence[tuple[str, Sequence[str] | None]], k: int = 10, *,
                    kinds: Sequence[str | ElementKind] | None = None, pages: tuple[int, int] | int | None = None,
                    settings: SearchSettings | None = None) -> list[list[Hit]]:
        """search() for many (query, sources) pairs with one embedding call; results in input order. kinds and
        pages apply to every query. Raises ValueError naming the first empty query's position."""
        settings = settings or self.settings
        check_queries(queries)
        if not queries:
            return []
        if k < 1 or self.catalog.document_count() == 0:
            return [[] for _ in queries]
        texts = [truncate(q, settings) for q, _ in queries]
        filters = [SearchFilter.build(sources=s, kinds=kinds, pages=pages).resolved(self.catalog.doc_ids_named)
                   for _, s in queries]
        reranking = self.reranker is not None and self.reranker.available
        fused_k = max(k, settings.rerank_depth) if reranking else k
        depth = settings.candidates(fused_k)
        scripts = self._route_scripts(settings)
        ranked = self._ranked(texts, filters, depth, settings, scripts)
        wanted = {e for lists in ranked.values() for row in lists for e in row}
        found = self.catalog.get_elements(list(wanted))  # the catalog decides: ids it lacks are never served
        if self.images is not None:
            found.update(self.images.page_elements(wanted - set(found), self.catalog))
        results = [finish_hits(text, fuse_query(text, {route: lists[i] for route, lists in ranked.items()}, found,
                                                settings, scripts, fused_k, self._last_pages),
                               self.reranker if reranking else None, k)
                   for i, text in enumerate(texts)]
        names = self.catalog.sources_of({h.element.provenance.doc_id for hits in results for h in hits})
        return [name_hits(hits, names, where.sources) for hits, where in zip(results, filters)]

    def _ranked(self, texts: list[str], filters: list[SearchFilter], depth: int,
                settings: SearchSettings, scripts: dict) -> dict[str, list[list[str]]]:
        """Each route's ranked element ids per query (a route that cannot read the queries' script is skipped)."""
        ranked: dict[str, list[list[str]]] = {}
        if "dense" in settings.route_names and any(reads_query(scripts.get("dense"), t) for t in texts):
            self.marker.check_dimension()
            self.freshness.follow()
            self._check_vector_count()
            ranked["dense"] = dense_route(self.embedder, self.store, self.catalog, texts, filters, depth)
        if "lexical" in settings.route_names:
            words = lexical_queries(texts, filters, settings)
            ranked["lexical"] = lexical_route(self.lexical, words, filters, depth)
        if "image" in settings.route_names and self.images is not None:
            ranked["image"] = self.images.ranked_for_texts(texts, filters, depth)
        return ranked

    def _route_scripts(self, settings: SearchSettings) -> dict:
        return route_reading(self.embedder, self.images and self.images.images.embedder) \
            if settings.script_check else {}

    def _check_vector_count(self) -> None:
        total = self.store.count()
        if total == 0 or not self._short_checked:
            self._short_checked = True
            check_vector_count(self.root, self.store, self.lexical, total)

    def _last_pages(self) -> dict[str, int]:
        return {r.doc_id: r.pages for r in self.catalog.documents()}

    def search_by_image(self, path: str | Path, k: int = 10, sources: Sequence[str] | None = None, *,
                        kinds: Sequence[str | ElementKind] | None = None) -> list[Hit]:
        """Figures, tables and pages that look like the image at `path` (CLIP route only). Raises ValueError when
        image search is off (no CLIP model) or the file is not an image."""
        if self.images is None:
            raise ValueError("image search is off: no CLIP model is loaded (see the warning above, or set "
                             "--clip-model/--clip-pretrained to a local checkpoint)")
        if k < 1 or self.catalog.document_count() == 0:
            return []
        where = SearchFilter.build(sources=sources, kinds=kinds).resolved(self.catalog.doc_ids_named)
        self.freshness.follow()
        ids = self.images.ranked_for_image(str(path), where, self.settings.candidates(k))
        found = self.catalog.get_elements(ids)
        found.update(self.images.page_elements(set(ids) - set(found), self.catalog))
        hits = image_hits(ids, found, k, self.settings)
        return name_hits(hits, self.catalog.sources_of({h.element.provenance.doc_id for h in hits}), where.sources)
