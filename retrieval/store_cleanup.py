"""Deleting what the catalog no longer holds: vectors, crops and page images of replaced or removed documents,
and the orphans a killed run left behind (vectors upserted before a commit that never came, page folders of
documents that failed mid-parse). Searches already skip orphans; this keeps the store from growing with them."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from retrieval.catalog import Catalog, DocumentRecord
from retrieval.chroma_store import ChromaStore
from retrieval.page_images import delete_document_folders, document_folder_names

log = logging.getLogger(__name__)


def delete_orphans(store: ChromaStore, keep: list[str]) -> None:
    """Delete the vectors in `store` whose doc_id is not in `keep`."""
    before = store.count()
    if before:
        store.delete_where({"doc_id": {"$nin": keep}})
        if store.count() != before:
            log.info("deleted %d orphan vectors from %r", before - store.count(), store)


class StoreCleanup:
    """Sweeps of one index. stores(): the vector stores open now; clip: the index's retrieval.clip_route.ClipRoute.
    Each sweep is done once per index: orphan vectors at its first add, page folders before its first parse."""

    def __init__(self, root: Path, catalog: Catalog, text_store: ChromaStore, clip) -> None:
        self.root = root
        self.catalog = catalog
        self.text_store = text_store
        self.clip = clip
        self.swept = False  # orphan vectors deleted (once per index, on its first add)
        self.images_swept = False  # ... in the CLIP collection too (a route that arrived late is swept then)
        self.pages_swept = False  # page folders of documents not held (once, before any parse writes new ones)

    def held_doc_ids(self) -> list[str]:
        return [record.doc_id for record in self.catalog.documents()] or ["-"]

    def sweep_vectors(self, keep: list[str] | None = None) -> None:
        """Delete orphan vectors from every open store (a CLIP route still loading is swept when it arrives)."""
        keep = self.held_doc_ids() if keep is None else keep
        for store in self.clip.open_stores(self.text_store):
            delete_orphans(store, keep)
        self.images_swept = self.clip.loaded is not None
        self.swept = True
        self.catalog.mark_swept()

    def sweep_pages(self, keep: list[str] | None = None) -> None:
        """Delete page folders of documents not held. Crops are not swept: worker processes write them for
        documents not yet committed (page images too, but only after this ran)."""
        held = set(self.held_doc_ids() if keep is None else keep)
        delete_document_folders(self.root, document_folder_names(self.root, crops=False) - held, crops=False)
        self.pages_swept = True

    def sweep_once(self) -> None:
        """Orphan vectors, once per index; page folders only if sweep_pages_once has not run (after it, the parse
        workers may be writing page images of documents not committed yet). Call with the ingest lock held."""
        if self.swept:
            return
        keep = self.held_doc_ids()
        self.sweep_vectors(keep)
        if not self.pages_swept:
            self.sweep_pages(keep)

    def sweep_pages_once(self) -> None:
        """The page-folder sweep, once per index, before parse workers write page images of documents not
        committed yet. Call with the ingest lock held."""
        if not self.pages_swept:
            self.sweep_pages()

    def sweep_all(self) -> None:
        """Orphan vectors and page folders, now. Call with the ingest lock held."""
        keep = self.held_doc_ids()
        self.sweep_vectors(keep)
        self.sweep_pages(keep)

    def sweep_late_route(self, store: ChromaStore) -> None:
        """Sweep the CLIP collection of a route that arrived after this index's first sweep."""
        if self.swept and not self.images_swept:
            delete_orphans(store, self.held_doc_ids())
            self.images_swept = True

    def drop_documents(self, records: Sequence[DocumentRecord]) -> None:
        """Delete vectors, crops and page images of documents already gone from the catalog (runs after the
        commit, so a crash here only leaves orphans). Skipped for a doc_id the catalog still holds."""
        gone = [r.doc_id for r in records if self.catalog.document_by_id(r.doc_id) is None]
        for doc_id in gone:
            self.text_store.delete_where({"doc_id": doc_id})
            self.clip.remove_document(doc_id)
        delete_document_folders(self.root, gone)


