"""Catalog paths (document_sources): the schema upgrade of version-1 catalogs, renames and copies in one
transaction, removal of one source of a shared content, and the ingest plan that tells renames from copies
(issue 19)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from docparse.element import Element, ElementKind, Provenance
from retrieval import StoreError
from retrieval.catalog import Catalog, SourceChange
from retrieval.source_plan import plan_sources

_V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, source TEXT NOT NULL, pages INTEGER NOT NULL,
    format TEXT NOT NULL, n_elements INTEGER NOT NULL, added_at REAL NOT NULL);
CREATE TABLE elements (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL, kind TEXT NOT NULL,
    page INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX elements_by_doc ON elements (doc_id, ordinal);
CREATE INDEX documents_by_source ON documents (source);
"""


def _element(doc_id: str, source: str, n: int) -> Element:
    return Element(id=f"{doc_id}-{n}", kind=ElementKind.TEXT, text=f"text {n}",
                   provenance=Provenance(doc_id=doc_id, source=source, page=1))


def _write_v1_catalog(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(folder / "catalog.sqlite") as conn:
        conn.executescript(_V1_SCHEMA)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("schema_version", "1"), ("catalog_id", "abc"),
                                                            ("generation", "4")])
        for doc_id, path in (("d1", "/x/a.pdf"), ("d2", "/x/b.pdf")):
            conn.execute("INSERT INTO documents VALUES (?, ?, ?, 2, 'pdf', 2, 1.0)", (doc_id, path, Path(path).name))
            for n in range(2):
                element = _element(doc_id, Path(path).name, n)
                conn.execute("INSERT INTO elements VALUES (?, ?, ?, 'text', 1, ?)",
                             (element.id, doc_id, n, json.dumps(element.to_dict())))


def test_version_1_catalog_is_upgraded_in_place(tmp_path: Path) -> None:
    _write_v1_catalog(tmp_path)
    catalog = Catalog(tmp_path)
    assert [(d.doc_id, d.source, d.path, d.n_elements) for d in catalog.documents()] == [
        ("d1", "a.pdf", "/x/a.pdf", 2), ("d2", "b.pdf", "/x/b.pdf", 2)]
    assert catalog.element_count() == 4 and catalog.elements_of("d1")[0].source == "a.pdf"
    with sqlite3.connect(tmp_path / "catalog.sqlite") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    assert Catalog(tmp_path).document_count() == 2  # opens again without upgrading twice


def test_read_only_version_1_catalog_is_refused_without_changes(tmp_path: Path) -> None:
    _write_v1_catalog(tmp_path)
    before = (tmp_path / "catalog.sqlite").read_bytes()
    (tmp_path / "catalog.sqlite").chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        if (tmp_path / "probe").exists() or _writable(tmp_path):
            pytest.skip("running as root: permissions do not make the folder read-only")
        with pytest.raises(StoreError, match="must be upgraded.*nothing was changed"):
            Catalog(tmp_path)
    finally:
        tmp_path.chmod(0o755)
        (tmp_path / "catalog.sqlite").chmod(0o644)
    assert (tmp_path / "catalog.sqlite").read_bytes() == before


def _writable(folder: Path) -> bool:
    try:
        (folder / "probe").write_text("x")
    except OSError:
        return False
    (folder / "probe").unlink()
    return True


def test_rename_keeps_the_elements_and_names_them_anew(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    record = catalog.put_document(make_record("d1", "/x/a.pdf"), [_element("d1", "a.pdf", 0)])[0]
    [moved], dropped = catalog.set_sources([SourceChange("/y/b.pdf", "b.pdf", "d1", moved_from="/x/a.pdf")])
    assert dropped == [] and (moved.path, moved.source, moved.added_at) == ("/y/b.pdf", "b.pdf", record.added_at)
    assert [d.path for d in catalog.documents()] == ["/y/b.pdf"]
    assert catalog.elements_of("d1")[0].source == "b.pdf"  # the stored element shows the new name
    with pytest.raises(KeyError, match="d9"):
        catalog.set_sources([SourceChange("/y/c.pdf", "c.pdf", "d9")])


def test_swap_in_one_transaction_loses_nothing(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.put_document(make_record("d1", "/x/a.pdf"), [_element("d1", "a.pdf", 0)])
    catalog.put_document(make_record("d2", "/x/b.pdf"), [_element("d2", "b.pdf", 0)])
    _, dropped = catalog.set_sources([SourceChange("/x/a.pdf", "a.pdf", "d2"), SourceChange("/x/b.pdf", "b.pdf", "d1")])
    assert dropped == []
    assert {(d.path, d.doc_id) for d in catalog.documents()} == {("/x/a.pdf", "d2"), ("/x/b.pdf", "d1")}
    assert catalog.elements_of("d1")[0].source == "b.pdf"


def test_deleting_the_primary_source_names_elements_after_the_other(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.put_document(make_record("d1", "/x/a.pdf"), [_element("d1", "a.pdf", 0)])
    catalog.set_sources([SourceChange("/x/copy.pdf", "copy.pdf", "d1")])
    assert catalog.sources_of(["d1"]) == {"d1": ["a.pdf", "copy.pdf"]}
    removed, dropped = catalog.delete_sources(["/x/a.pdf"])
    assert [r.source for r in removed] == ["a.pdf"] and dropped == []
    assert catalog.elements_of("d1")[0].source == "copy.pdf"
    removed, dropped = catalog.delete_sources(["/x/copy.pdf"])
    assert [r.doc_id for r in dropped] == ["d1"] and catalog.element_count() == 0


def make_record(doc_id: str, path: str):
    from retrieval.catalog import DocumentRecord

    return DocumentRecord(doc_id=doc_id, source=Path(path).name, path=path, pages=1, format="pdf", n_elements=0,
                          added_at=1.0)


def test_plan_tells_renames_from_copies(tmp_path: Path) -> None:
    stored = [make_record("d1", "/x/gone.pdf"), make_record("d2", "/x/kept.pdf")]
    files = {Path("/x/new.pdf"): "d1", Path("/x/copy.pdf"): "d2", Path("/x/kept.pdf"): "d2",
             Path("/x/second-new.pdf"): "d1", Path("/x/fresh.pdf"): "d3", Path("/x/fresh-copy.pdf"): "d3"}
    plan = plan_sources(files, stored, exists=lambda path: path == "/x/kept.pdf")
    assert [(r.old.path, str(r.path)) for r in plan.renames] == [("/x/gone.pdf", "/x/new.pdf")]
    assert plan.copies == ((Path("/x/copy.pdf"), "d2"), (Path("/x/second-new.pdf"), "d1"))
    assert plan.unchanged == (Path("/x/kept.pdf"),) and plan.parses == (Path("/x/fresh.pdf"),)
    assert plan.copies_of_new == ((Path("/x/fresh-copy.pdf"), "d3", Path("/x/fresh.pdf")),)
