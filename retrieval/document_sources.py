"""SQL over the catalog's path rows (document_sources), run inside the caller's transaction: deleting contents no
path holds any more, and keeping each stored element's file name that of its content's primary path.

Elements carry their document's file name (Element.provenance.source) because hits, citations and evidence headers
show it. A rename or the removal of a content's primary path changes that name in the catalog only: vectors,
lexical terms and crops are keyed by doc_id and element id, so nothing is embedded again.
"""
from __future__ import annotations

import sqlite3
from typing import Sequence


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
