"""The path side of the library's writes: a path that becomes one more source of a stored content (an identical
copy), a rename, and removal, each one catalog transaction. A content keeps its vectors, crops and page images
while any path holds it; only after the commit that leaves it at no path are they deleted (a crash in between
leaves orphans, which search skips and the next ingest sweeps).

Removal asks the vector stores first whether they answer, so a Chroma server that is down fails the removal
before anything changed rather than after the catalog dropped the document.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Sequence

from docparse.base import stored_path
from retrieval.catalog import DocumentRecord, SourceChange
from retrieval.crash_points import crash_point
from retrieval.errors import StoreError

log = logging.getLogger(__name__)


def contents_left_unheld(records: Iterable[DocumentRecord], paths: Sequence[str]) -> bool:
    """Whether removing `paths` leaves some stored content at no path (so vectors have to be deleted)."""
    going = set(paths)
    held: dict[str, bool] = {}
    for record in records:
        held[record.doc_id] = held.get(record.doc_id, False) or record.path not in going
    return any(not kept for kept in held.values())


def check_stores_answer(stores: Sequence, paths: Sequence[str]) -> None:
    """Raise StoreError, saying nothing was removed, when a vector store does not answer a count."""
    for store in stores:
        try:
            store.forget_count()
            store.count()
        except StoreError as err:
            raise StoreError(f"nothing was removed ({', '.join(Path(p).name for p in paths)} still stored): "
                             f"{err}") from err


class SourceWrites:
    """LibraryIndex's path writes (mixed into it: uses its catalog, write_lock, _vector_stores, cleanup
    (retrieval.store_cleanup) and freshness (retrieval.vector_freshness))."""

    def set_source(self, path: str | Path, source: str, doc_id: str, moved_from: str | Path | None = None
                   ) -> DocumentRecord:
        """Record that `path` holds the stored content `doc_id`: an identical copy, or with `moved_from` a rename
        (the document keeps its elements and vectors and gets the new path and name). See set_sources."""
        old = stored_path(moved_from) if moved_from is not None else None
        return self.set_sources([SourceChange(stored_path(path), source, doc_id, old)])[0]

    def set_sources(self, changes: Sequence[SourceChange]) -> list[DocumentRecord]:
        """Apply copies and renames (retrieval.catalog.SourceChange, absolute paths) in one catalog transaction;
        only a content that no path holds any more then loses its vectors and crops, after the commit. Returns the
        records at the changed paths. Raises KeyError naming a content that is not stored (nothing changes)."""
        if not changes:
            return []
        with self.write_lock():
            self.sweep_if_unswept()
            stored, dropped = self.catalog.set_sources(changes)
            crash_point("rename")
            self.cleanup.drop_documents(dropped)
            if dropped:
                self.catalog.mark_swept()
            self.freshness.own_write(only_if_open=True)
            return stored

    def sweep_if_unswept(self) -> None:
        """Delete orphan vectors when the catalog says a writer was killed between deleting contents and deleting
        their vectors (Catalog.unswept), which clears that mark. Page folders are left to the ingest's own sweep
        (StoreCleanup.sweep_pages_once): parse workers may be writing those of documents not committed yet."""
        with self.write_lock():
            if self.catalog.unswept():
                log.info("a run ended before deleting the vectors of removed documents; deleting them now")
                self.cleanup.sweep_vectors()

    def remove(self, name_or_path: str) -> list[DocumentRecord]:
        """Remove the documents stored at this path (absolute or relative to the working folder) or, for a bare
        file name, every document with that file name. Returns what was removed (empty if nothing matched).
        A content also stored at another path keeps its vectors; see remove_paths for what happens on errors."""
        target = stored_path(name_or_path)
        bare_name = Path(name_or_path).name == name_or_path
        with self.write_lock():
            matches = [record for record in self.catalog.documents()
                       if record.path == target or (bare_name and record.source == name_or_path)]
            return self.remove_paths([record.path for record in matches])

    def remove_paths(self, paths: Sequence[str]) -> list[DocumentRecord]:
        """Remove these stored paths in one catalog transaction; a content no path holds then loses its vectors,
        crops and page images. The vector stores are asked first whether they answer: when one does not (a Chroma
        server down), StoreError says so and nothing was removed. Vectors that cannot be deleted after the commit
        are left as orphans (search skips them; the next ingest deletes them). Returns the removed records."""
        if not paths:
            return []
        with self.write_lock():
            if contents_left_unheld(self.catalog.documents(), paths):
                check_stores_answer(self._vector_stores(), paths)
                self.sweep_if_unswept()
            removed, dropped = self.catalog.delete_sources(paths)
            crash_point("remove")
            try:
                self.cleanup.drop_documents(dropped)
                if dropped:
                    self.catalog.mark_swept()
            except StoreError as err:
                log.warning("removed %s from the catalog, but its vectors could not be deleted now (%s); search "
                            "ignores them and the next ingest deletes them", ", ".join(r.source for r in dropped),
                            err)
            self.freshness.own_write(only_if_open=True)
        for record in removed:
            log.info("removed %s (%s)", record.source, record.path)
        return removed

