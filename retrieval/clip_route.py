"""The CLIP image route of one index, through its life: off, loading in the background, on (or off for good when
the weights could not be had). It indexes each stored document's crops and page images after the catalog
commit, offers the route the documents stored while it was off, and deletes a removed document's image vectors
(without loading CLIP when nothing asked for it)."""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Callable

from retrieval.catalog import Catalog, DocumentRecord
from retrieval.chroma_store import ChromaStore

log = logging.getLogger(__name__)


class ClipRoute:
    """The image route of the library at `root` (vectors on `chroma_url` when given), reading `catalog`."""

    def __init__(self, root: Path, chroma_url: str | None, catalog: Catalog) -> None:
        self.root = root
        self.chroma_url = chroma_url
        self.catalog = catalog
        self._route = None  # retrieval.image_route.ImageRoute once an image embedder is attached
        self._pending: Future | None = None
        self._load_started = False

    @property
    def loaded(self):
        """The ImageRoute if it is on now (never waits for one still loading), else None."""
        return self._route

    @property
    def route(self):
        """The ImageRoute, or None when image search is off; waits for an embedder still loading."""
        self.settle()
        return self._route

    @property
    def requested(self) -> bool:
        """Whether the route is on or loading (answers without waiting for it)."""
        return self._route is not None or self._pending is not None

    def settle(self) -> None:
        """Wait for an image embedder still loading and turn the route on with it (if it loaded)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            embedder = pending.result()
            if embedder is not None:
                self.attach(embedder)

    @property
    def loading(self) -> bool:
        """Whether an image embedder is still loading (settle would wait for it)."""
        return self._pending is not None and not self._pending.done()

    def wait_for_load(self) -> None:
        """Wait for an image embedder still loading, without turning the route on (settle does that)."""
        pending = self._pending
        if pending is not None:
            wait([pending])

    def attach(self, image_embedder: Any) -> None:
        """Turn the route on with a loaded `retrieval.clip_embedder.ImageEmbedder`."""
        from retrieval.image_route import ImageRoute
        self._route = ImageRoute(self.root, image_embedder, chroma_url=self.chroma_url)

    def attach_when_ready(self, pending: Future) -> None:
        """Turn the route on once `pending` (a Future of an ImageEmbedder, or of None when CLIP could not be
        loaded) is done. Nothing waits for it until the route is first used: a document being stored meanwhile
        waits at its image step, after its text is committed."""
        self._pending = pending

    def load_in_background(self, settings: Any) -> None:
        """Load CLIP (`retrieval.clip_embedder.ClipSettings`) in a background thread, once per index: importing
        open_clip and torch alone takes seconds, which an ingest spends parsing and storing text. When the weights
        cannot be had, the loader says once why image search is off, and the text routes carry on."""
        if self.requested or self._load_started:
            return
        from retrieval.image_route import load_store_clip

        loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-load")
        self.attach_when_ready(loader.submit(load_store_clip, self.root, settings))
        loader.shutdown(wait=False)
        self._load_started = True

    def open_stores(self, text_store: ChromaStore) -> list[ChromaStore]:
        """The text store and, when the route is on now, its CLIP store (never waits for a route loading)."""
        return [text_store] + ([self._route.images.store] if self._route is not None else [])

    def remove_document(self, doc_id: str) -> None:
        """Delete the document's CLIP vectors. With no route requested (a `docrag remove`), the CLIP collection
        is opened without loading the model."""
        if self.requested:
            route = self.route
            if route is not None:
                route.images.remove(doc_id)
            return
        from retrieval.image_route import store_has_images
        if store_has_images(self.root):
            from retrieval.image_index import CLIP_COLLECTION
            store = ChromaStore(self.root, self.chroma_url, collection=CLIP_COLLECTION)
            try:
                store.delete_where({"doc_id": doc_id})
            finally:
                store.close()

    def add_document(self, record: DocumentRecord, sweep_late: Callable[[ChromaStore], None]) -> None:
        """Write a PDF's page images and add its crops and page images to the route. Runs after the catalog
        commit: a failure here costs only page images or image search for this document, never the document.
        sweep_late(store): sweeps the CLIP collection of a route that arrived after the index's first sweep."""
        route = self.route
        if route is None:
            if record.format == "pdf":
                self._render_pages(record)  # kept for showing cited regions, and ready for CLIP later
            return
        if record.n_elements == 0 and record.format != "pdf":
            return
        try:
            sweep_late(route.images.store)
            count = route.index_document(record, self.catalog.elements_of(record.doc_id))
            log.info("%s: %d images in the CLIP index", record.source, count)
        except Exception as err:  # image search is an extra route; the text routes already hold the document
            log.warning("%s: image indexing failed (%s); text search is unaffected", record.source, err)

    def open_changes(self) -> bool:
        """Before an ingest: whether the route held every stored document; the store's marker then says "maybe
        not" until close_changes, so a run killed in between (or run while image search is off) leaves the next
        one a full backfill."""
        from retrieval.image_route import images_complete, set_images_complete

        was_complete = images_complete(self.root)
        set_images_complete(self.root, False)
        return was_complete

    def close_changes(self, was_complete: bool, lock: Callable[[], AbstractContextManager],
                      sweep_late: Callable[[ChromaStore], None]) -> int:
        """After an ingest, with the route on: offer it every stored document it does not hold (unless it held
        them all before this ingest, whose own documents it indexed on the way), then record that it is complete.
        Returns how many documents were indexed; with the route off, 0."""
        from retrieval.image_route import set_images_complete

        route = self.route
        if route is None:
            return 0
        indexed = 0
        with lock():
            if not was_complete:
                for record in {r.doc_id: r for r in reversed(self.catalog.documents())}.values():
                    if (record.format == "pdf" or record.n_elements) and not route.images.holds(record.doc_id):
                        self.add_document(record, sweep_late)
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
