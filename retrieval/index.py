"""The library index: adds, updates and removes documents, and answers hybrid (dense + lexical) searches over them.

Ingest order (why a crash anywhere leaves a usable library): vectors are upserted first, the catalog then records
the new document and drops the previous version at the same path in ONE transaction, and only after that commit
are the old version's vectors and crops deleted. Vectors without a catalog element are orphans that search skips.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import sys
import threading
import time
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from docparse.base import DocumentInfo, stored_path
from docparse.element import Element, ElementKind
from retrieval.catalog import Catalog, DocumentRecord
from retrieval.chroma_store import ChromaStore
from retrieval.crash_points import crash_point
from retrieval.element_text import element_of_view, embedding_views, view_id
from retrieval.errors import StoreDamagedError, StoreError, StoreLockedError
from retrieval.fusion import fuse, named_candidates
from retrieval.kind_refs import kind_references
from retrieval.label_refs import caption_label, label_references
from retrieval.page_refs import LAST_PAGE, page_references, printed_page_number
from retrieval.hit import Hit
from retrieval.lexical_index import LexicalIndex
from retrieval.model_profiles import route_reading
from retrieval.page_images import PAGES_FOLDER
from retrieval.query_language import reads_query, voting_routes
from retrieval.rerank import Reranker, rerank_hits
from retrieval.search_filter import SearchFilter
from retrieval.search_settings import SearchSettings
from retrieval.server_binding import resolve_chroma_url
from retrieval.store_check import check_on_open, check_vector_count
from retrieval.store_guard import STORE_MARKER, classify, rebuild_command, rebuild_hint
from retrieval.source_names import name_hits
from retrieval.source_writes import SourceWrites
from retrieval.text_embedder import TextEmbedder
from retrieval.tokenize import LexicalTokenizer, has_searchable_text

log = logging.getLogger(__name__)

STORE_FORMAT = 1
LOCK_FILE = "ingest.lock"
ASSETS_DIR = "assets"


_FEW_QUERIES = 8  # up to this many queries are embedded on one torch thread (see _one_torch_thread)


@contextmanager
def _one_torch_thread(active: bool) -> Iterator[None]:
    """Run a few short queries through torch on one thread. Splitting a 10-token MiniLM pass over threads gains
    little, and on a busy machine the threads' spin-waiting costs far more: on the 2-core dev machine under load a
    query took 630 ms with torch's 2 threads and 80 ms with one (bench/results/search-latency.md). Batches
    (ingest, --queries files) keep every thread."""
    torch = sys.modules.get("torch") if active else None  # only when the embedder already imported it
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    if before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            torch.set_num_threads(before)


def _lock_holder(fd: int) -> str:
    """" (pid N)" naming the process that wrote the lock file, when it wrote one."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


class LibraryIndex(SourceWrites):
    """A library folder: `catalog.sqlite` (documents and elements), Chroma vectors (`chroma/` or a server),
    crops under `assets/<doc_id>/`, the store-format marker and the ingest lock.

    Writes (add, remove) take the ingest lock; searches do not. lock_timeout: seconds to wait for the lock.
    settings: how searches fuse their routes (default: SearchSettings.from_env()); tokenizer: lexical terms.
    reranker: an optional cross-encoder that re-orders the top settings.rerank_depth fused hits.
    chroma_url: a Chroma server instead of `<root>/chroma`; collection: the library's collection name there.
    The lexical index under `lexical/` follows the catalog by itself (rebuilt when the catalog changed).
    rebuilding: open for `retrieval.store_repair.rebuild_store`, which re-embeds every document, so the store
    marker (text model, format) of the vectors being replaced is not checked.
    """

    def __init__(self, root: Path, embedder: TextEmbedder, chroma_url: str | None = None, *,
                 lock_timeout: float = 5.0, settings: SearchSettings | None = None,
                 tokenizer: LexicalTokenizer | None = None, image_embedder: Any = None,
                 reranker: Reranker | None = None, collection: str | None = None, rebuilding: bool = False) -> None:
        self.root = Path(root).expanduser().resolve()
        self.embedder = embedder
        self.lock_timeout = lock_timeout
        self.root.mkdir(parents=True, exist_ok=True)
        self._rebuild_hint = rebuild_hint(self.root)
        self._marker = None if rebuilding else self._read_marker()
        self._dimension_checked = False
        check_on_open(self.root)  # a lost catalog beside stored vectors is damage, not an empty library
        self.catalog = Catalog(self.root)
        # A library created with --chroma-url keeps using its server (recorded), never an embedded store.
        chroma_url = resolve_chroma_url(self.root, chroma_url)
        # On a Chroma server the library has its own collection (derived from root, or `collection`).
        self.store = ChromaStore(root=self.root, url=chroma_url, library=collection)
        self.settings = settings or SearchSettings.from_env()
        self.lexical = LexicalIndex(self.root, self.catalog, tokenizer)
        # The CLIP route exists only when an image embedder loaded (see retrieval.clip_embedder).
        self._images = None
        self._pending_images: Future | None = None
        self._chroma_url = chroma_url
        # Optional cross-encoder over the top fused hits (retrieval.rerank); None = fused order.
        self.reranker = reranker
        if image_embedder is not None:
            self.attach_image_embedder(image_embedder)
        self._vectors_stamp: str | None = None  # catalog stamp the open vector stores are known to reflect
        self._swept = False  # orphan vectors of crashed runs are deleted once per index, on its first add
        self._images_swept = False
        self._short_checked = False  # whether searches compared the vector count with the catalog's views
        self._pages_swept = False  # page folders of documents not held: once, before any parse writes new ones
        self._thread_lock = threading.RLock()
        self._lock_depth = 0
        self._lock_fd: int | None = None

    # -- store-format marker -----------------------------------------------------------------------------------
    @property
    def marker_path(self) -> Path:
        return self.root / STORE_MARKER

    def _read_marker(self) -> dict[str, Any] | None:
        if not self.marker_path.exists():
            return None
        try:
            marker = json.loads(self.marker_path.read_text(encoding="utf-8"))
            fmt, model, dim = marker["format"], str(marker["text_model"]), int(marker["dimension"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise classify(err, self.root, self.marker_path, damage=f"store marker {self.marker_path}") from err
        if fmt != STORE_FORMAT:
            raise StoreDamagedError(f"store {self.root} has format {fmt!r}, this docrag reads format "
                                    f"{STORE_FORMAT}; {self._rebuild_hint}")
        if model != self.embedder.name:
            raise StoreError(f"store {self.root} was built with text model {model!r}, but the text model now is "
                             f"{self.embedder.name!r}; use --text-model {model!r}, or re-embed the store with the "
                             f"new model: {rebuild_command(self.root)} --text-model {self.embedder.name!r}")
        return {"format": fmt, "text_model": model, "dimension": dim}

    def _check_dimension(self) -> None:
        """Compare the embedder's dimension with the store's (loads the model, so done on first real use)."""
        if self._dimension_checked or self._marker is None:
            return
        dimension = int(self.embedder.dimension)
        if dimension != self._marker["dimension"]:
            raise StoreDamagedError(f"store {self.root} holds {self._marker['dimension']}-dimensional vectors "
                                    f"from {self._marker['text_model']!r}, but {self.embedder.name!r} makes "
                                    f"{dimension}-dimensional ones; {self._rebuild_hint}")
        self._dimension_checked = True

    def _ensure_marker(self) -> None:
        if self._marker is not None:
            self._check_dimension()
            return
        marker = {"format": STORE_FORMAT, "text_model": self.embedder.name, "dimension": int(self.embedder.dimension)}
        tmp = self.marker_path.with_suffix(".json.tmp")
        try:
            tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.marker_path)  # atomic: a crash leaves the old marker or the new one
        except OSError as err:
            raise classify(err, self.root, self.marker_path) or err from err
        self._marker = marker
        self._dimension_checked = True

    # -- locking -----------------------------------------------------------------------------------------------
    @contextmanager
    def write_lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the exclusive ingest lock on `<root>/ingest.lock` (re-entrant within this object and thread).

        Waits up to `timeout` seconds (default: lock_timeout), then raises StoreLockedError."""
        wait = self.lock_timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        if not self._thread_lock.acquire(timeout=max(wait, 0.0)):
            raise StoreLockedError(f"another ingest is running on {self.root} (in this process); "
                                   f"gave up after {wait:.1f} s")
        try:
            if self._lock_depth == 0:
                self._lock_fd = self._take_file_lock(deadline, wait)
                try:
                    self._follow_other_writers()  # write on top of what the last writer left, not a stale view
                except BaseException:
                    self._release_file_lock()
                    raise
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0:
                    self._release_file_lock()
        finally:
            self._thread_lock.release()

    def _release_file_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _take_file_lock(self, deadline: float, wait: float) -> int:
        """flock the lock file and write our pid into it. The kernel drops an flock when its process dies, however
        it dies (kill -9 included), so a lock file left behind by a dead ingest never blocks: the pid in it is only
        there to name the live holder in the error message."""
        try:
            fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:  # a read-only store, or a full disk: every write starts here
            raise classify(err, self.root, self.root / LOCK_FILE) or err from err
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                return fd
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    holder = _lock_holder(fd)
                    os.close(fd)
                    raise StoreLockedError(f"another ingest is running on {self.root}{holder} (lock file "
                                           f"{self.root / LOCK_FILE}); gave up after {wait:.1f} s; run again "
                                           "when it has finished") from None
                time.sleep(0.05)

    # -- writes ------------------------------------------------------------------------------------------------
    def status_of(self, path: Path, doc_id: str) -> str:
        """What adding this file would do: "unchanged" (this path already holds these bytes), "updated" (this path
        holds other bytes), or "added" (a new path; its bytes may already be stored under another one, and are
        then not embedded again)."""
        at_path = self.catalog.document_for_path(stored_path(path))
        if at_path is not None:
            return "unchanged" if at_path.doc_id == doc_id else "updated"
        return "added"

    def add(self, info: DocumentInfo, elements: Iterable[Element], batch_size: int = 64) -> int:
        """Store a document: embed its elements batch by batch, upsert the vectors, record document and elements
        in one catalog transaction (replacing the previous version at the same path), then delete that previous
        version's vectors and crops. Returns the number of elements stored: 0 when these bytes are already stored
        (under this path, or another: the path then becomes one more source of that content, see set_source)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        path = stored_path(info.path)
        with self.write_lock():
            self._ensure_marker()
            self.sweep_orphans_once()
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
            stored, replaced = self.catalog.put_document(record, self._embed_stream(info, elements, batch_size))
            crash_point("commit")
            self._drop_vectors_and_assets(replaced)
            if replaced:
                self.catalog.mark_swept()
            self._index_images(stored)
            self._vectors_stamp = self.catalog.stamp()  # our own write: the open stores already hold it
            log.info("stored %s: %d elements", info.source, stored.n_elements)
            return stored.n_elements

    @property
    def images(self):
        """The CLIP route (`retrieval.image_route.ImageRoute`), or None when image search is off. Waits for an
        image embedder still loading (`attach_image_embedder_when_ready`)."""
        self.settle_images()
        return self._images

    def settle_images(self) -> None:
        """Wait for an image embedder still loading and turn the CLIP route on with it (if it loaded)."""
        pending, self._pending_images = self._pending_images, None
        if pending is not None:
            embedder = pending.result()
            if embedder is not None:
                self.attach_image_embedder(embedder)

    @property
    def images_requested(self) -> bool:
        """Whether the CLIP route is on or loading (answers without waiting for it)."""
        return self._images is not None or self._pending_images is not None

    def attach_image_embedder(self, image_embedder: Any) -> None:
        """Turn the CLIP image route on with a loaded `retrieval.clip_embedder.ImageEmbedder`."""
        from retrieval.image_route import ImageRoute
        self._images = ImageRoute(self.root, image_embedder, chroma_url=self._chroma_url)

    def attach_image_embedder_when_ready(self, pending: Future) -> None:
        """Turn the CLIP route on once `pending` (a Future of an ImageEmbedder, or of None when CLIP could not be
        loaded) is done. Nothing waits for it until the route is first used: a document being stored meanwhile
        waits at its image step, after its text is committed."""
        self._pending_images = pending

    def _index_images(self, record: DocumentRecord) -> None:
        """Write a PDF's page images and add its crops and page images to the CLIP route. Runs after the catalog
        commit: a failure here costs only page images or image search for this document, never the document."""
        if self.images is None:
            if record.format == "pdf":
                self._render_pages(record)  # kept for showing cited regions, and ready for CLIP later
            return
        if record.n_elements == 0 and record.format != "pdf":
            return
        try:
            if self._swept and not self._images_swept:  # the route arrived after this index's first sweep
                self._delete_orphans(self.images.images.store, self._held_doc_ids())
                self._images_swept = True
            count = self.images.index_document(record, self.catalog.elements_of(record.doc_id))
            log.info("%s: %d images in the CLIP index", record.source, count)
        except Exception as err:  # image search is an extra route; the text routes already hold the document
            log.warning("%s: image indexing failed (%s); text search is unaffected", record.source, err)

    def open_image_changes(self) -> bool:
        """Before an ingest: whether the CLIP route held every stored document; the store's marker then says
        "maybe not" until close_image_changes, so a run killed in between (or run while image search is off)
        leaves the next one a full backfill."""
        from retrieval.image_route import images_complete, set_images_complete

        was_complete = images_complete(self.root)
        set_images_complete(self.root, False)
        return was_complete

    def close_image_changes(self, was_complete: bool) -> int:
        """After an ingest, with the CLIP route on: offer it every stored document it does not hold (unless it
        held them all before this ingest, whose own documents it indexed on the way), then record that it is
        complete. Documents stored while image search was off (no weights then, or `--no-images`) get their crops
        and page images indexed this way. Returns how many documents were indexed; with the route off, 0."""
        from retrieval.image_route import set_images_complete

        route = self.images
        if route is None:
            return 0
        indexed = 0
        with self.write_lock():
            if not was_complete:
                for record in {r.doc_id: r for r in reversed(self.catalog.documents())}.values():
                    if (record.format == "pdf" or record.n_elements) and not route.images.holds(record.doc_id):
                        self._index_images(record)
                        indexed += 1
            set_images_complete(self.root, True)
        if indexed:
            log.info("added %d documents stored while image search was off to the CLIP index", indexed)
        return indexed

    def _render_pages(self, record: DocumentRecord) -> None:
        from retrieval.page_images import render_page_images

        try:
            count = sum(1 for _ in render_page_images(record.path, record.doc_id, self.root))
            log.info("%s: %d page images", record.source, count)
        except Exception as err:
            log.warning("%s: page images not written (%s); search is unaffected", record.source, err)

    def _embed_stream(self, info: DocumentInfo, elements: Iterable[Element], batch_size: int) -> Iterator[Element]:
        """Pass elements through, upserting each batch's vectors before the batch goes on to the catalog."""
        seen: set[str] = set()
        batch: list[Element] = []
        for element in elements:
            if element.id in seen:
                log.warning("%s: duplicate element id %s skipped", info.source, element.id)
                continue
            seen.add(element.id)
            batch.append(element)
            if len(batch) >= batch_size:
                self._upsert_vectors(info, batch)
                crash_point("vectors")
                yield from batch
                batch = []
        if batch:
            self._upsert_vectors(info, batch)
            crash_point("vectors")
            yield from batch

    def _upsert_vectors(self, info: DocumentInfo, batch: Sequence[Element]) -> None:
        pairs = [(view_id(element.id, n), element, text)
                 for element in batch for n, text in enumerate(embedding_views(element))]
        if not pairs:
            return
        vectors = np.asarray(self.embedder.embed_documents([text for _, _, text in pairs]), dtype=np.float32)
        if vectors.shape != (len(pairs), self._marker["dimension"]):  # type: ignore[index]
            raise StoreError(f"text embedder {self.embedder.name!r} returned vectors of shape {vectors.shape} for "
                             f"{len(pairs)} texts; the store {self.root} expects dimension "
                             f"{self._marker['dimension']}")  # type: ignore[index]
        metadatas = [{"doc_id": info.doc_id, "source": info.source, "page": int(element.page),
                      "kind": element.kind.value} for _, element, _ in pairs]
        self.store.upsert([vid for vid, _, _ in pairs], vectors, None, metadatas)

    def upsert_vectors(self, record: DocumentRecord | DocumentInfo, elements: Sequence[Element]) -> None:
        """Embed these elements of a document and upsert their vectors (retrieval.store_repair re-embeds from the
        catalog with it). Call with the ingest lock held."""
        self.ensure_marker()
        self._upsert_vectors(record, elements)  # type: ignore[arg-type]

    def ensure_marker(self) -> None:
        """Write the store marker (format, text model, dimension) if there is none; check the dimension if there is."""
        self._ensure_marker()

    def sweep_orphans_once(self) -> None:
        """sweep_orphans, once per index, at its first add; page folders only if sweep_orphan_pages_once has not
        run (after it, the parse workers may be writing page images of documents not committed yet)."""
        if self._swept:
            return
        with self.write_lock():
            keep = self._held_doc_ids()
            self._sweep_vectors(keep)
            if not self._pages_swept:
                self._sweep_page_folders(keep)

    def sweep_orphan_pages_once(self) -> None:
        """The page-image part of sweep_orphans, once per index. An ingest whose parse workers write page images
        calls it before they start: their documents are not committed yet, and a later sweep would take their
        images. (The vector part waits for the first add: opening Chroma then overlaps the parsing.)"""
        if self._pages_swept:
            return
        with self.write_lock():
            self._sweep_page_folders(self._held_doc_ids())

    def sweep_orphans(self) -> None:
        """Delete vectors whose document the catalog does not hold: left by a run killed between upserting
        vectors and committing the catalog (or between a commit and deleting the replaced version's vectors).
        Searches already skip them; this keeps the collection from growing with them. Also deletes page images of
        documents not held. Takes the ingest lock."""
        with self.write_lock():
            keep = self._held_doc_ids()
            self._sweep_vectors(keep)
            self._sweep_page_folders(keep)

    def _sweep_vectors(self, keep: list[str]) -> None:
        for store in self._vector_stores():  # a CLIP route still loading is swept when it arrives
            self._delete_orphans(store, keep)
        self._images_swept = self._images is not None
        self._swept = True
        self.catalog.mark_swept()

    def _sweep_page_folders(self, keep: list[str]) -> None:
        # Page images of documents no longer held: left by a run killed before its commit, or by a document that
        # failed mid-parse. Crops are not swept: worker processes write them for documents not yet committed
        # (page images too, but only after sweep_orphan_pages_once).
        held, pages = set(keep), self.root / PAGES_FOLDER
        for files in (pages.iterdir() if pages.is_dir() else ()):
            if files.is_dir() and files.name not in held:
                shutil.rmtree(files, ignore_errors=True)
        self._pages_swept = True

    def _drop_vectors_and_assets(self, records: Sequence[DocumentRecord]) -> None:
        """Delete vectors and crops of documents already gone from the catalog (runs after the commit, so a crash
        here only leaves orphans). Skipped for a doc_id the catalog still holds."""
        for record in records:
            if self.catalog.document_by_id(record.doc_id) is not None:
                continue
            self.store.delete_where({"doc_id": record.doc_id})
            if self.images is not None:
                self.images.remove_document(record.doc_id)
            for folder in (ASSETS_DIR, PAGES_FOLDER):  # crops; page images (whether or not CLIP is loaded)
                files = self.root / folder / record.doc_id
                if files.parent == self.root / folder and files.is_dir():
                    shutil.rmtree(files, ignore_errors=True)

    def _held_doc_ids(self) -> list[str]:
        return [record.doc_id for record in self.catalog.documents()] or ["-"]

    @staticmethod
    def _delete_orphans(store: ChromaStore, keep: list[str]) -> None:
        before = store.count()
        if before:
            store.delete_where({"doc_id": {"$nin": keep}})
            if store.count() != before:
                log.info("deleted %d orphan vectors from %r", before - store.count(), store)

    def close(self) -> None:
        """Let go of the vector stores' clients (they reopen on next use)."""
        for store in self._vector_stores():
            store.close()
        self._vectors_stamp = None

    # -- reads -------------------------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        """All stored documents, by file name then path."""
        return self.catalog.documents()

    def element_count(self) -> int:
        """How many elements the catalog holds (with or without vectors)."""
        return self.catalog.element_count()

    def get_elements(self, ids: Sequence[str]) -> dict[str, Element]:
        """The stored elements among `ids`, by id."""
        return self.catalog.get_elements(ids)

    def neighbours(self, element_id: str, window: int = 1) -> list[Element]:
        """Elements of the same document within `window` positions before and after this one, in document order,
        not including the element itself ([] if the element is not stored)."""
        position = self.catalog.element_position(element_id)
        if position is None or window < 1:
            return []
        doc_id, ordinal = position
        return [e for e in self.catalog.elements_between(doc_id, ordinal - window, ordinal + window)
                if e.id != element_id]

    def search(self, query: str, k: int = 10, sources: Sequence[str] | None = None, *,
               kinds: Sequence[str | ElementKind] | None = None, pages: tuple[int, int] | int | None = None,
               settings: SearchSettings | None = None) -> list[Hit]:
        """The k best elements for `query`: dense and lexical routes fused by rank (see SearchSettings), views of
        one element collapsed into one Hit whose routes name every route that found it.

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
        for position, (query, _) in enumerate(queries):
            if not query or not has_searchable_text(query):
                raise ValueError(f"empty query at position {position}: {query[:40]!r} has no letter or digit "
                                 "to search for")
        if not queries:
            return []
        if k < 1 or self.catalog.document_count() == 0:
            return [[] for _ in queries]
        texts = [self._truncate(q, settings) for q, _ in queries]
        filters = [SearchFilter.build(sources=s, kinds=kinds, pages=pages).resolved(self.catalog.doc_ids_named)
                   for _, s in queries]
        reranking = self.reranker is not None and self.reranker.available
        fused_k = max(k, settings.rerank_depth) if reranking else k
        depth = settings.candidates(fused_k)
        ranked: dict[str, list[list[str]]] = {}
        route_scripts = route_reading(self.embedder, self.images and self.images.images.embedder) \
            if settings.script_check else {}
        if "dense" in settings.route_names and any(reads_query(route_scripts.get("dense"), t) for t in texts):
            ranked["dense"] = self._dense_route(texts, filters, depth)
        if "lexical" in settings.route_names:
            ranked["lexical"] = self._lexical_route(texts, filters, depth)
        if "image" in settings.route_names and self.images is not None:
            ranked["image"] = self.images.ranked_for_texts(texts, filters, depth)
        wanted = {e for lists in ranked.values() for row in lists for e in row}
        found = self.catalog.get_elements(list(wanted))  # the catalog decides: ids it lacks are never served
        if self.images is not None:
            found.update(self.images.page_elements(wanted - set(found), self.catalog))
        results: list[list[Hit]] = []
        for i in range(len(queries)):
            per_route = voting_routes({route: [e for e in lists[i] if e in found] for route, lists in ranked.items()},
                                      texts[i], route_scripts)
            candidates = dict(per_route)  # the named routes choose among the real routes' candidates
            if "page" in settings.route_names:
                named = page_references(texts[i])
                if named:  # "the chart on page 14": that page's candidates get a route of their own
                    per_route["page"] = named_candidates(candidates, self._on_named_page(found, named))
            if "label" in settings.route_names:
                labels = label_references(texts[i])
                if labels:  # "the green bars in Figure 1": the element captioned "Figure 1" gets a route
                    per_route["label"] = named_candidates(
                        candidates, lambda e: caption_label(found[e].caption) in labels)
            kinds_of = {e: found[e].kind.value for row in per_route.values() for e in row}
            pages_of = {e: (found[e].provenance.doc_id, found[e].page) for row in per_route.values() for e in row}
            fused = fuse(per_route, kinds_of, fused_k, settings, pages_of, kind_references(texts[i]))
            hits = [Hit(element=found[f.element_id], score=f.score, rank=rank, routes=f.routes)
                    for rank, f in enumerate(fused, start=1)]
            results.append(rerank_hits(texts[i], hits, self.reranker, k) if reranking else hits)
        names = self.catalog.sources_of({h.element.provenance.doc_id for hits in results for h in hits})
        return [name_hits(hits, names, where.sources) for hits, where in zip(results, filters)]

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
        self._follow_other_writers()
        ids = self.images.ranked_for_image(str(path), where, self.settings.candidates(k))
        found = self.catalog.get_elements(ids)
        found.update(self.images.page_elements(set(ids) - set(found), self.catalog))
        kept = [i for i in ids if i in found][:k]
        hits = [Hit(element=found[i], score=1.0 / (self.settings.rrf_k + rank), rank=rank, routes=("image",))
                for rank, i in enumerate(kept, start=1)]
        return name_hits(hits, self.catalog.sources_of({h.element.provenance.doc_id for h in hits}), where.sources)

    def _on_named_page(self, found: dict[str, Element], named: Sequence[int]) -> Callable[[str], bool]:
        """Whether a found element lies on a page the question names: by its place in the file, by the number
        printed in its page's footer or running head (reports whose page 9 is the file's 12th page), or, for
        LAST_PAGE, as its document's last page."""
        pages = set(named)
        last_page = {r.doc_id: r.pages for r in self.catalog.documents()} if LAST_PAGE in pages else {}

        def on_named_page(element_id: str) -> bool:
            element = found[element_id]
            if element.page in pages or last_page.get(element.provenance.doc_id) == element.page:
                return True
            furniture = dict(element.metadata)
            printed = printed_page_number(furniture.get("page_footer", "")) or \
                printed_page_number(furniture.get("page_header", ""))
            return printed in pages

        return on_named_page

    def _truncate(self, query: str, settings: SearchSettings) -> str:
        if len(query) <= settings.max_query_chars:
            return query
        log.info("query of %d characters truncated to its first %d (SearchSettings.max_query_chars)",
                 len(query), settings.max_query_chars)
        return query[:settings.max_query_chars]

    def preload_lexical(self) -> threading.Thread:
        """Import the BM25 library in a background thread, returned started (join it before the process ends):
        an ingest's closing refresh_lexical then skips the import (~0.25 s of numba loading, otherwise paid after
        the last document while the cores sit idle)."""
        from retrieval.lexical_index import import_bm25s

        thread = threading.Thread(target=import_bm25s, name="docrag-preload-bm25s", daemon=True)
        thread.start()
        return thread

    def refresh_lexical(self) -> bool:
        """Bring the lexical index up to date with the catalog now (searches also do it on demand). Call after a
        batch ingest so the first search does not pay for the rebuild. Returns True when it rebuilt."""
        return self.lexical.sync()

    def _lexical_route(self, texts: Sequence[str], filters: Sequence[SearchFilter], depth: int) -> list[list[str]]:
        self.lexical.sync()
        return [[element for element, _ in self.lexical.search(self.lexical.tokenizer.tokenize(text), depth, where)]
                for text, where in zip(texts, filters)]

    def _vector_stores(self) -> list[ChromaStore]:
        """The stores open now (never waits for a CLIP route still loading)."""
        return [self.store] + ([self._images.images.store] if self._images is not None else [])

    def _follow_other_writers(self) -> None:
        """Reopen the embedded vector stores when another process changed the library since they were opened:
        an open embedded Chroma does not see another process's writes (a Chroma server needs no such step)."""
        stamp = self.catalog.stamp()
        if stamp != self._vectors_stamp:
            if self._vectors_stamp is not None and self.store.url is None:
                log.info("the library changed since its vectors were opened; reopening %s", self.root / "chroma")
            for store in self._vector_stores():
                if store.url is None:
                    store.close()  # a no-op for a store not opened yet
                else:
                    store.forget_count()  # a server is always current; only our cached count is not
        self._vectors_stamp = stamp

    def _dense_route(self, texts: Sequence[str], filters: Sequence[SearchFilter], depth: int) -> list[list[str]]:
        self._check_dimension()
        self._follow_other_writers()
        with _one_torch_thread(len(texts) <= _FEW_QUERIES):
            vectors = np.asarray(self.embedder.embed_queries(list(texts)), dtype=np.float32)
        groups: dict[SearchFilter, list[int]] = {}
        for i, where in enumerate(filters):
            groups.setdefault(where, []).append(i)
        results: list[list[str]] = [[] for _ in texts]
        for where, members in groups.items():
            for i, row in zip(members, self._dense(vectors[members], depth, where.chroma_where())):
                results[i] = row
        return results

    def _dense(self, vectors: np.ndarray, k: int, where: dict[str, Any] | None) -> list[list[str]]:
        """Ids of the k nearest catalog elements per vector, nearest first. Orphan vectors (no catalog element)
        are skipped and do not count against k, so this over-fetches and widens the fetch until k are found or
        the collection runs out."""
        total = self.store.count()
        if total == 0 or not self._short_checked:
            self._short_checked = True
            check_vector_count(self.root, self.store, self.lexical, total)
        results: list[list[str]] = [[] for _ in range(len(vectors))]
        pending = list(range(len(vectors)))
        fetch = k + max(k, 10)
        while pending:
            raw = self.store.query(vectors[pending], fetch, where)
            found = self.catalog.element_ids_present(list({element_of_view(i) for row in raw for i, _ in row}))
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
