"""Upgrades of older catalog schemas, each in one transaction (a crash or a failure leaves the old catalog).

Version 1 held one path per content (documents.path, documents.source); version 2 moves paths to their own table
(document_sources) so identical bytes at two paths are two sources of one content and a rename moves a row. The
upgrade copies every path; elements, vectors, lexical terms and page images stay as they are.
"""
from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)

_V1_TO_V2 = """
CREATE TABLE document_sources (
    path TEXT PRIMARY KEY, doc_id TEXT NOT NULL, source TEXT NOT NULL, added_at REAL NOT NULL);
INSERT INTO document_sources (path, doc_id, source, added_at) SELECT path, doc_id, source, added_at FROM documents;
CREATE TABLE documents_v2 (
    doc_id TEXT PRIMARY KEY, pages INTEGER NOT NULL, format TEXT NOT NULL, n_elements INTEGER NOT NULL,
    added_at REAL NOT NULL);
INSERT INTO documents_v2 (doc_id, pages, format, n_elements, added_at)
    SELECT doc_id, pages, format, n_elements, added_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_v2 RENAME TO documents;
CREATE INDEX IF NOT EXISTS sources_by_doc ON document_sources (doc_id, added_at, path);
CREATE INDEX IF NOT EXISTS sources_by_name ON document_sources (source);
UPDATE meta SET value = '2' WHERE key = 'schema_version'
"""

UPGRADES = {"1": _V1_TO_V2}


def upgrade(conn: sqlite3.Connection, path: object) -> None:
    """Bring the catalog on `conn` (autocommit mode) from an older schema in UPGRADES to the current one. Re-reads
    the version under the write lock, so two processes opening an old catalog at once upgrade it once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        steps = 0
        while version in UPGRADES:
            for statement in filter(str.strip, UPGRADES[version].split(";")):
                conn.execute(statement)
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            steps += 1
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    if steps:
        log.info("catalog %s upgraded to schema version %s", path, version)
