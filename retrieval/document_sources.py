"""SQL over the catalog's path rows (document_sources), run inside the caller's transaction: deleting contents no
path holds any more, and keeping each stored element's file name that of its content's primary path.

Elements carry their document's file name (Element.provenance.source) because hits, citations and evidence headers
show it. A rename or the removal of a content's primary path changes that name in the catalog only: vectors,
lexical terms and crops are keyed by doc_id and element id, so nothing is embedded again.
"""
from __future__ import annotations

import sqlite3
import time
from typing import Sequence

from retrieval.document_record import DOC_SELECT, DocumentRecord, SourceChange, record_of


def drop_unheld(conn: sqlite3.Connection, previous: Sequence) -> list:
    """Delete the contents of `previous` (DocumentRecords as they were before this transaction's changes) that no
    path holds now, with their elements, and mark the catalog "unswept" (Catalog.unswept). Returns those records
    (one per deleted content)."""
    dropped = []
    for record in {r.doc_id: r for r in previous}.values():
        held = conn.execute("SELECT 1 FROM document_sources WHERE doc_id = ? LIMIT 1", (record.doc_id,)).fetchone()
        if held is not None:
            continue
        conn.execute("DELETE FROM elements WHERE doc_id = ?", (record.doc_id,))
        if conn.execute("DELETE FROM documents WHERE doc_id = ?", (record.doc_id,)).rowcount:
            dropped.append(record)
    if dropped:  # their vectors go after the commit; a crash before that leaves this mark for the next writer
        conn.execute("INSERT INTO meta (key, value) VALUES ('unswept', '1') "
                     "ON CONFLICT(key) DO UPDATE SET value = '1'")
    return dropped


def refresh_primary_source(conn: sqlite3.Connection, doc_id: str) -> None:
    """Write the file name of the content's primary path (held longest) into each of its elements that names
    another one (none for a content no path holds)."""
    row = conn.execute("SELECT source FROM document_sources WHERE doc_id = ? ORDER BY added_at, path LIMIT 1",
                       (doc_id,)).fetchone()
    if row is None:
        return
    conn.execute("UPDATE elements SET data = json_set(data, '$.provenance.source', ?) "
                 "WHERE doc_id = ? AND json_extract(data, '$.provenance.source') IS NOT ?", (row[0], doc_id, row[0]))


_BATCH = 500  # bound parameters per statement, well below SQLite's limit


def names_by_doc(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, list[str]]:
    """doc_id -> the file names of its paths, primary (held longest) first."""
    names: dict[str, list[str]] = {}
    for start in range(0, len(doc_ids), _BATCH):
        chunk = list(doc_ids[start:start + _BATCH])
        for doc_id, source in conn.execute(f"SELECT doc_id, source FROM document_sources WHERE doc_id IN "
                                           f"({','.join('?' * len(chunk))}) ORDER BY doc_id, added_at, path", chunk):
            names.setdefault(doc_id, []).append(source)
    return names


def doc_ids_named(conn: sqlite3.Connection, names: Sequence[str]) -> set[str]:
    """The contents held under any of these file names."""
    found: set[str] = set()
    for start in range(0, len(names), _BATCH):
        chunk = list(names[start:start + _BATCH])
        found.update(row[0] for row in conn.execute(
            f"SELECT doc_id FROM document_sources WHERE source IN ({','.join('?' * len(chunk))})", chunk))
    return found


def records_at(conn: sqlite3.Connection, paths: Sequence[str]) -> list[DocumentRecord]:
    """The records of these paths (paths not stored are left out)."""
    records: list[DocumentRecord] = []
    for start in range(0, len(paths), _BATCH):
        chunk = list(paths[start:start + _BATCH])
        records += [record_of(row) for row in conn.execute(
            f"{DOC_SELECT} WHERE s.path IN ({','.join('?' * len(chunk))})", chunk)]
    return records


def apply_source_changes(conn: sqlite3.Connection, changes: Sequence[SourceChange], catalog: object
                         ) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
    """Catalog.set_sources inside the caller's transaction (it counts the change): (records at the changed paths,
    deleted contents). Raises KeyError naming a doc_id not stored in `catalog` before changing anything."""
    targets = {change.path for change in changes}
    for change in changes:
        if conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (change.doc_id,)).fetchone() is None:
            raise KeyError(f"content {change.doc_id} is not stored in {catalog}")
    involved = sorted(targets | {c.moved_from for c in changes if c.moved_from})
    previous = {r.path: r for r in records_at(conn, involved)}
    ages = {path: float(age) for path, age in conn.execute(
        f"SELECT path, added_at FROM document_sources WHERE path IN ({','.join('?' * len(involved))})", involved)}
    now = time.time()
    rows = []
    for change in changes:
        kept = previous.get(change.moved_from or change.path)  # a rename keeps the moved row's age
        age = ages[kept.path] if kept is not None and kept.doc_id == change.doc_id else now
        rows.append((change.path, change.doc_id, change.source, age))
    for change in changes:
        if change.moved_from and change.moved_from not in targets:
            conn.execute("DELETE FROM document_sources WHERE path = ?", (change.moved_from,))
    conn.executemany("INSERT OR REPLACE INTO document_sources (path, doc_id, source, added_at) VALUES (?, ?, ?, ?)",
                     rows)
    dropped = drop_unheld(conn, list(previous.values()))
    for held in ({c.doc_id for c in changes} | {r.doc_id for r in previous.values()}) - {r.doc_id for r in dropped}:
        refresh_primary_source(conn, held)
    return records_at(conn, sorted(targets)), dropped


def delete_paths(conn: sqlite3.Connection, paths: Sequence[str]) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
    """Catalog.delete_sources inside the caller's transaction: (records of the paths removed, deleted contents)."""
    removed = records_at(conn, list(dict.fromkeys(paths)))
    conn.executemany("DELETE FROM document_sources WHERE path = ?", [(r.path,) for r in removed])
    dropped = drop_unheld(conn, removed)
    for held in {r.doc_id for r in removed} - {r.doc_id for r in dropped}:
        refresh_primary_source(conn, held)
    return removed, dropped
