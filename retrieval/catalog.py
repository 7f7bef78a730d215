"""The catalog: a SQLite file that is the source of truth for which documents and elements a library holds.

Vectors in Chroma are only an index over it; a vector whose element is not in the catalog is ignored at search
time, which is what lets ingestion write vectors first and commit the catalog last (a crash leaves orphans, never
dangling catalog rows).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from docparse.element import Element
from retrieval.errors import StoreDamagedError, StoreError, StoreLockedError
from retrieval.store_guard import (check_readable, classify, may_write, read_only_error,
                                   rebuild_hint as _store_rebuild_hint)
from retrieval.catalog_migration import UPGRADES, upgrade
from retrieval.crash_points import crash_point
from retrieval.document_record import DOC_SELECT, PRIMARY_ORDER, DocumentRecord, SourceChange, record_of
from retrieval.document_sources import (apply_source_changes, delete_paths, doc_ids_named, drop_unheld, names_by_doc,
                                        refresh_primary_source)

log = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite"
SCHEMA_VERSION = 2  # 1: one path per content (documents.path); retrieval.catalog_migration upgrades it
_SQL_BATCH = 500  # stay well below SQLite's limit on bound parameters per statement

# A document is a content (documents: one row per doc_id, the hash of the bytes) held at one or more paths
# (document_sources: one row per path). A rename moves a path row; an identical copy adds one; vectors, elements and
# page images belong to the content and never change with its paths.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, pages INTEGER NOT NULL, format TEXT NOT NULL, n_elements INTEGER NOT NULL,
    added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS document_sources (
    path TEXT PRIMARY KEY, doc_id TEXT NOT NULL, source TEXT NOT NULL, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS elements (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, kind TEXT NOT NULL,
    page INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS elements_by_doc ON elements (doc_id, ordinal);
CREATE INDEX IF NOT EXISTS sources_by_doc ON document_sources (doc_id, added_at, path);
CREATE INDEX IF NOT EXISTS sources_by_name ON document_sources (source);
"""


def rebuild_hint(root: Path) -> str:
    """How to rebuild a library folder whose catalog is unusable, as one clause ending in the command to run."""
    return _store_rebuild_hint(root, with_documents=True)


def _stamp(conn: sqlite3.Connection) -> str:
    values = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('catalog_id', 'generation')").fetchall())
    return f"{values.get('catalog_id', '')}:{values.get('generation', '0')}"


def _bump_generation(conn: sqlite3.Connection) -> None:
    """Count a committed change (inside the caller's transaction, so it commits or rolls back with it)."""
    conn.execute("INSERT INTO meta (key, value) VALUES ('generation', '1') "
                 "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")


class Catalog:
    """The catalog file `<root>/catalog.sqlite` (WAL mode, so searches read while an ingest writes).

    Every operation uses its own short-lived connection: a long ingest transaction is then invisible to readers
    in the same process until it commits, and the object is safe to share between threads.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / CATALOG_FILE
        self.root.mkdir(parents=True, exist_ok=True)
        self._rebuild_hint = rebuild_hint(self.root)
        check_readable(self.root, self.path)
        # A user who may read but not write the store still searches it: SQLite then opens the file read-only.
        self.read_only = not may_write(self.path)
        self._init_schema()

    # -- connections -------------------------------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._open_connection()
        except sqlite3.Error as err:
            raise self._reported(err) from err
        try:
            yield conn
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                # Busy, not damaged: another writer held the file past the timeout.
                raise StoreLockedError(f"catalog {self.path} is busy ({err}); another process is writing to "
                                       "it") from err
            raise self._reported(err) from err
        except sqlite3.DatabaseError as err:
            raise self._reported(err) from err
        finally:
            conn.close()

    def _open_connection(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        # Read-only WAL needs the -wal and -shm files to exist already; without them there is no writer and
        # nothing beyond the main file to read, so the file is opened as immutable (no -shm needed).
        side_files = [self.path.with_name(self.path.name + suffix) for suffix in ("-wal", "-shm")]
        immutable = "" if all(f.exists() for f in side_files) else "&immutable=1"
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro{immutable}", timeout=30.0,
                               isolation_level=None, uri=True)

    def _reported(self, err: sqlite3.Error) -> StoreError:
        """The StoreError for a SQLite failure: full disk, read-only, permissions, else damage."""
        return classify(err, self.root, self.path, damage=f"catalog {self.path}", with_documents=True) \
            or StoreError(f"catalog {self.path}: {err}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self.read_only:
            raise read_only_error(self.root, self.path, "permission denied")
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _check_version(self, version: str) -> None:
        if version != str(SCHEMA_VERSION):
            raise StoreDamagedError(f"catalog {self.path} has schema version {version}, this docrag reads "
                                    f"version {SCHEMA_VERSION}; {self._rebuild_hint}")

    def _ready_version(self, conn: sqlite3.Connection) -> str | None:
        """The schema version of a catalog that already holds every table and its id, read without a lock;
        None when the schema still has to be written."""
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "documents", "elements"} <= tables:
            return None
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('schema_version', 'catalog_id')"))
        return meta.get("schema_version") if "catalog_id" in meta else None

    def _init_schema(self) -> None:
        with self._connect() as conn:
            # An existing catalog is only read here: taking the write lock would make every reader (a search
            # during an ingest) wait for the ingest's open document transaction, and fail after the timeout.
            version = self._ready_version(conn)
            if version in UPGRADES:
                try:
                    upgrade(conn, self.path)
                except sqlite3.OperationalError as err:
                    if "readonly" not in str(err):
                        raise
                    raise StoreError(f"catalog {self.path} has schema version {version} and must be upgraded to "
                                     f"version {SCHEMA_VERSION} once by a process that may write to {self.root} "
                                     f"({err}); nothing was changed") from err
                version = self._ready_version(conn)
            if version is not None:
                self._check_version(version)
                return
            if self.read_only:
                raise read_only_error(self.root, self.path, "the catalog's tables are not there yet")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if row is None:
                    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                                 (str(SCHEMA_VERSION),))
                else:
                    self._check_version(row[0])
                # A random id per catalog file: a lexical index built for another catalog (deleted and
                # re-ingested) can then never match by a coincidence of generation numbers.
                conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('catalog_id', ?)",
                             (uuid.uuid4().hex,))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- documents ---------------------------------------------------------------------------------------------
    def document_for_path(self, path: str) -> DocumentRecord | None:
        """The document stored for this absolute path, if any."""
        with self._connect() as conn:
            row = conn.execute(f"{DOC_SELECT} WHERE s.path = ?", (path,)).fetchone()
        return record_of(row) if row else None

    def document_by_id(self, doc_id: str) -> DocumentRecord | None:
        """The content with this hash, at its primary path (the one holding it longest), if any."""
        with self._connect() as conn:
            row = conn.execute(f"{DOC_SELECT} WHERE s.doc_id = ? ORDER BY {PRIMARY_ORDER} LIMIT 1",
                               (doc_id,)).fetchone()
        return record_of(row) if row else None

    def documents(self) -> list[DocumentRecord]:
        """Every stored path, by file name then path (identical copies are listed once per path)."""
        with self._connect() as conn:
            rows = conn.execute(f"{DOC_SELECT} ORDER BY s.source, s.path").fetchall()
        return [record_of(row) for row in rows]

    def sources_of(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        """doc_id -> the file names holding it, primary first."""
        with self._connect() as conn:
            return names_by_doc(conn, list(dict.fromkeys(doc_ids)))

    def doc_ids_named(self, names: Iterable[str]) -> set[str]:
        """The contents held under any of these file names."""
        with self._connect() as conn:
            return doc_ids_named(conn, list(dict.fromkeys(names)))

    def document_count(self) -> int:
        """How many contents are stored (identical copies count once)."""
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def element_count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM elements").fetchone()[0])

    def stamp(self) -> str:
        """"<catalog id>:<generation>": changes with every committed change to documents or their paths, so an
        index derived from the catalog (the lexical index) knows whether it is current."""
        with self._connect() as conn:
            return _stamp(conn)

    def snapshot(self) -> tuple[str, list[Element]]:
        """(stamp, every element) read in one transaction, so the elements are exactly those of that stamp."""
        with self._connect() as conn:
            conn.execute("BEGIN")
            try:
                stamp = _stamp(conn)
                rows = conn.execute("SELECT data FROM elements ORDER BY doc_id, ordinal").fetchall()
            finally:
                conn.execute("COMMIT")
        return stamp, [Element.from_dict(json.loads(data)) for (data,) in rows]

    def snapshot_documents(self, needs_elements: Callable[[DocumentRecord], bool]
                           ) -> tuple[str, list[DocumentRecord], dict[str, list[Element]]]:
        """(stamp, every content at its primary path ordered by doc_id, the elements of the documents
        `needs_elements` picks) read in one transaction, so all of it is exactly that stamp's (the lexical index
        reads only documents whose terms it has not cached)."""
        with self._connect() as conn:
            conn.execute("BEGIN")
            try:
                stamp = _stamp(conn)
                rows = conn.execute(f"{DOC_SELECT} ORDER BY s.doc_id, {PRIMARY_ORDER}").fetchall()
                records = list({row[0]: record_of(row) for row in reversed(rows)}.values())[::-1]
                elements = {
                    record.doc_id: [Element.from_dict(json.loads(data)) for (data,) in conn.execute(
                        "SELECT data FROM elements WHERE doc_id = ? ORDER BY ordinal", (record.doc_id,))]
                    for record in records if needs_elements(record)}
            finally:
                conn.execute("COMMIT")
        return stamp, records, elements

    def put_document(self, record: DocumentRecord, elements: Iterable[Element]) -> tuple[DocumentRecord,
                                                                                          list[DocumentRecord]]:
        """Store a content and its elements at record.path in ONE transaction: the path leaves the content it
        held before, and a content left at no path is deleted; an earlier copy of the same doc_id is replaced
        (keeping its other paths). `elements` is consumed inside the transaction (it may be a lazy stream whose
        producer does slow work: nothing is visible to readers until it is exhausted); if it raises, nothing
        changes. n_elements is counted here. Returns (stored record, deleted contents other than this one: their
        vectors and crops are now the caller's to delete)."""
        with self._transaction() as conn:
            before = [record_of(row) for row in conn.execute(f"{DOC_SELECT} WHERE s.path = ?", (record.path,))]
            conn.execute("DELETE FROM elements WHERE doc_id = ?", (record.doc_id,))
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (record.doc_id,))
            count = 0
            for element in elements:
                conn.execute("INSERT OR REPLACE INTO elements (id, doc_id, ordinal, kind, page, data) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (element.id, record.doc_id, count, element.kind.value, element.page,
                              json.dumps(element.to_dict(), ensure_ascii=False)))
                count += 1
            stored = replace(record, n_elements=count)
            conn.execute("INSERT INTO documents (doc_id, pages, format, n_elements, added_at) VALUES (?, ?, ?, ?, ?)",
                         (stored.doc_id, stored.pages, stored.format, stored.n_elements, stored.added_at))
            conn.execute("INSERT OR REPLACE INTO document_sources (path, doc_id, source, added_at) "
                         "VALUES (?, ?, ?, ?)", (stored.path, stored.doc_id, stored.source, stored.added_at))
            dropped = drop_unheld(conn, [old for old in before if old.doc_id != record.doc_id])
            refresh_primary_source(conn, record.doc_id)
            _bump_generation(conn)
        return stored, dropped

    def set_sources(self, changes: Sequence[SourceChange]) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
        """Make each change's path hold its stored content, all in ONE transaction: identical copies, and renames
        (`moved_from`: that path row moves, keeping its age and so whether it is its content's primary path; a
        swap of two names works). Each path leaves what it held before; contents then left at no path are deleted.
        Returns (records at the changed paths, deleted contents: their vectors and crops are the caller's to
        delete). Raises KeyError naming a doc_id that is not stored (nothing changes)."""
        with self._transaction() as conn:
            stored, dropped = apply_source_changes(conn, changes, self.path)
            if changes:
                _bump_generation(conn)
            crash_point("paths")
        return stored, dropped

    def delete_sources(self, paths: Sequence[str]) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
        """Remove these paths in ONE transaction; a content left at no path is deleted with its elements.
        Returns (records of the paths removed, contents deleted: their vectors and crops are the caller's to
        delete)."""
        with self._transaction() as conn:
            removed, dropped = delete_paths(conn, paths)
            if removed:
                _bump_generation(conn)
            crash_point("paths")
        return removed, dropped

    def delete_document(self, doc_id: str) -> DocumentRecord | None:
        """Delete a content at every path and its elements; returns its primary record (None if not stored)."""
        with self._transaction() as conn:
            row = conn.execute(f"{DOC_SELECT} WHERE s.doc_id = ? ORDER BY {PRIMARY_ORDER} LIMIT 1",
                               (doc_id,)).fetchone()
            conn.execute("DELETE FROM document_sources WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM elements WHERE doc_id = ?", (doc_id,))
            deleted = conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,)).rowcount
            if row is not None or deleted:
                _bump_generation(conn)
        return record_of(row) if row else None

    def unswept(self) -> bool:
        """Whether contents were deleted whose vectors may not all be deleted yet (a writer killed after its
        commit): the next writer then sweeps orphan vectors (LibraryIndex.sweep_if_unswept)."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM meta WHERE key = 'unswept'").fetchone() is not None

    def mark_swept(self) -> None:
        """Record that no content's vectors are left to delete (after a sweep, or after deleting them all)."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key = 'unswept'")

    # -- elements ----------------------------------------------------------------------------------------------
    def get_elements(self, ids: Sequence[str]) -> dict[str, Element]:
        """The stored elements among `ids` (missing ids are simply absent from the result)."""
        found: dict[str, Element] = {}
        unique = list(dict.fromkeys(ids))
        with self._connect() as conn:
            for start in range(0, len(unique), _SQL_BATCH):
                chunk = unique[start:start + _SQL_BATCH]
                marks = ",".join("?" * len(chunk))
                for element_id, data in conn.execute(f"SELECT id, data FROM elements WHERE id IN ({marks})",
                                                     chunk):
                    found[element_id] = Element.from_dict(json.loads(data))
        return found

    def element_ids_present(self, ids: Sequence[str]) -> set[str]:
        """The ids among `ids` that the catalog holds (no element data read: cheaper than get_elements)."""
        present: set[str] = set()
        unique = list(dict.fromkeys(ids))
        with self._connect() as conn:
            for start in range(0, len(unique), _SQL_BATCH):
                chunk = unique[start:start + _SQL_BATCH]
                marks = ",".join("?" * len(chunk))
                present.update(row[0] for row in conn.execute(f"SELECT id FROM elements WHERE id IN ({marks})",
                                                              chunk))
        return present

    def elements_of(self, doc_id: str) -> list[Element]:
        """A document's elements in their original order."""
        with self._connect() as conn:
            rows = conn.execute("SELECT data FROM elements WHERE doc_id = ? ORDER BY ordinal", (doc_id,)).fetchall()
        return [Element.from_dict(json.loads(data)) for (data,) in rows]

    def element_position(self, element_id: str) -> tuple[str, int] | None:
        """(doc_id, ordinal) of an element, or None if it is not stored."""
        with self._connect() as conn:
            row = conn.execute("SELECT doc_id, ordinal FROM elements WHERE id = ?", (element_id,)).fetchone()
        return (row[0], int(row[1])) if row else None

    def elements_between(self, doc_id: str, first: int, last: int) -> list[Element]:
        """Elements of a document with first <= ordinal <= last, in order."""
        with self._connect() as conn:
            rows = conn.execute("SELECT data FROM elements WHERE doc_id = ? AND ordinal BETWEEN ? AND ? "
                                "ORDER BY ordinal", (doc_id, first, last)).fetchall()
        return [Element.from_dict(json.loads(data)) for (data,) in rows]
