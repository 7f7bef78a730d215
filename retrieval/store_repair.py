"""Repairing a library folder from its catalog: re-embedding documents whose vectors are missing (found by every
ingest), and `docrag ingest --rebuild`, which re-makes every derived part (vectors, lexical index, page images
where the file is still present) from the catalog and keeps every document the catalog holds.

A catalog that cannot be read is set aside under a new name (never deleted), so that a rebuild can start a new
one from the documents given to it.
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from retrieval.catalog import CATALOG_FILE, DocumentRecord
from retrieval.element_text import embedding_views, view_id
from retrieval.errors import StoreDamagedError, StoreError, StoreLockedError
from retrieval.page_images import delete_document_folders, document_folder_names
from retrieval.store_guard import classify
from retrieval.store_lock import LOCK_FILE

if TYPE_CHECKING:
    from retrieval.index import LibraryIndex

log = logging.getLogger(__name__)

_BATCH = 64


def catalog_damage(root: Path) -> StoreError | None:
    """The error that keeps the catalog of `root` from being read (damaged, missing beside stored parts, of
    another schema version), or None when it reads. Permission, read-only and full-disk errors are raised."""
    from retrieval.catalog import Catalog
    from retrieval.store_check import check_on_open

    try:
        check_on_open(root)
        Catalog(root).document_count()
    except StoreDamagedError as err:
        return err
    return None


def set_aside_catalog(root: Path) -> Path:
    """Rename the catalog of `root` (and its SQLite side files) to `catalog.sqlite.damaged-<time>` and start an
    empty one; returns the new name. Nothing is deleted: what it still holds can be read with sqlite3."""
    root = Path(root)
    target = root / f"{CATALOG_FILE}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    with _ingest_lock(root):  # never rename a catalog under a running ingest
        for suffix in ("", "-wal", "-shm"):
            source = root / f"{CATALOG_FILE}{suffix}"
            if source.exists():
                os.replace(source, Path(f"{target}{suffix}"))
    log.warning("the unreadable catalog of %s is kept as %s", root, target)
    from retrieval.catalog import Catalog
    Catalog(root)  # an empty catalog in its place: the folder's other parts are then orphans, not damage
    return target


@contextmanager
def _ingest_lock(root: Path, wait: float = 5.0) -> Iterator[None]:
    """The store's ingest lock (the flock LibraryIndex.write_lock takes), for work done before an index can be
    opened. Not re-entrant: release it before opening a LibraryIndex on the same folder."""
    try:
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise classify(err, root, root / LOCK_FILE) or err from err
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLockedError(f"another ingest is running on {root} (lock file {root / LOCK_FILE}); "
                                           "run again when it has finished") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def expected_views(index: "LibraryIndex", record: DocumentRecord) -> tuple[list, set[str]]:
    """(the document's catalog elements, the vector ids its views need)."""
    elements = index.catalog.elements_of(record.doc_id)
    return elements, {view_id(e.id, n) for e in elements for n, _ in enumerate(embedding_views(e))}


def reembed(index: "LibraryIndex", record: DocumentRecord, elements: list) -> None:
    """Replace the document's vectors with new ones made from its catalog elements' stored text."""
    index.store.delete_where({"doc_id": record.doc_id})
    for start in range(0, len(elements), _BATCH):
        index.upsert_vectors(record, elements[start:start + _BATCH])


def repair_missing_vectors(index: "LibraryIndex") -> list[DocumentRecord]:
    """Re-embed every document with fewer vectors than its element views (a deleted `chroma/` folder, a wiped
    server collection, a crash inside a vector store); returns the documents repaired. Cheap when nothing is
    missing: one count against the lexical index's view count. Call with the ingest lock held."""
    records = index.documents()
    if not records:
        return []
    if index.store.count() >= index.lexical.indexed_view_count():
        return []
    held = index.store.ids_by_document()
    repaired = []
    for record in records:
        elements, wanted = expected_views(index, record)
        if wanted - held.get(record.doc_id, set()):
            log.warning("%s: %d of %d vectors are missing from %r; re-embedding them from the catalog",
                        record.source, len(wanted - held.get(record.doc_id, set())), len(wanted), index.store)
            reembed(index, record, elements)
            repaired.append(record)
    return repaired


def images_short(index: "LibraryIndex") -> bool:
    """Whether the CLIP collection holds fewer vectors than the stored PDFs have pages (each page image is one;
    a wiped or deleted collection): the ingest then offers every document to the image route again, which
    indexes those it holds nothing of. False when image search is off."""
    route = index.images
    if route is None:
        return False
    pages = sum(record.pages for record in index.documents() if record.format == "pdf")
    return route.images.store.count() < pages


def rebuild_store(index: "LibraryIndex") -> list[DocumentRecord]:
    """Re-make vectors, the lexical index and missing page images of every catalog document (the stored element
    text is embedded again, so documents whose files are gone keep everything; page images are rendered only
    where the file is still present). Page folders and crops of documents not in the catalog are deleted.
    Returns the documents rebuilt. Call with the ingest lock held, on an index opened with rebuilding=True."""
    root = index.root
    index.close()
    try:
        _drop_collections(index)
    except StoreDamagedError as err:  # an embedded store too damaged to open: its folder goes instead
        log.warning("%s; replacing %s", err, root / "chroma")
        index.close()
        _replace_embedded_vectors(root)
    shutil.rmtree(root / "lexical", ignore_errors=True)
    index.ensure_marker()
    records = index.documents()
    for record in records:
        elements, _ = expected_views(index, record)
        reembed(index, record, elements)
        if record.format == "pdf":
            _render_missing_pages(root, record)
        log.info("rebuilt %s: %d elements", record.source, len(elements))
    delete_document_folders(root, document_folder_names(root) - {r.doc_id for r in records})
    index.refresh_lexical()
    return records


def _replace_embedded_vectors(root: Path) -> None:
    """Move `chroma/` aside and delete it (it is derived from the catalog, and may be too damaged to open)."""
    folder = root / "chroma"
    if not folder.exists():
        return
    aside = root / f".chroma-rebuild-{os.getpid()}"
    try:
        os.replace(folder, aside)
    except OSError as err:
        raise classify(err, root, folder) or err from err
    shutil.rmtree(aside, ignore_errors=True)


def _drop_collections(index: "LibraryIndex") -> None:
    """Delete the library's vector collections (text, and CLIP), embedded or on its Chroma server."""
    from retrieval.chroma_store import ChromaStore
    from retrieval.image_index import CLIP_COLLECTION

    clip = ChromaStore(index.root, index.store.url, collection=CLIP_COLLECTION)
    for store in (index.store, clip):
        client = store.client  # a StoreError here: the store cannot be opened at all
        try:
            client.delete_collection(store.collection_name)
        except Exception as err:  # noqa: BLE001 - only a collection that is not there is expected here
            if store.url is None and _is_damage(err):
                raise StoreDamagedError(f"vector store {index.root / 'chroma'} is damaged ({err})") from err
            log.info("collection %s not deleted: %s", store.collection_name, err)
        store.close()


def _is_damage(err: BaseException) -> bool:
    from retrieval.chroma_store import _is_damage as chroma_damage
    return chroma_damage(err)


def _render_missing_pages(root: Path, record: DocumentRecord) -> None:
    from retrieval.page_images import render_page_images

    if not Path(record.path).is_file():
        log.info("%s: its file %s is gone; its stored page images are kept", record.source, record.path)
        return
    try:
        for _ in render_page_images(record.path, record.doc_id, root):
            pass
    except ValueError as err:
        log.warning("%s: page images not rendered (%s)", record.source, err)
