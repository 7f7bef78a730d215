"""Catalog: transactions, replacement semantics and refusal of unknown or damaged files."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from docparse.element import Element, ElementKind, Provenance
from retrieval.catalog import Catalog, DocumentRecord
from retrieval.errors import StoreError


def _elements(doc_id: str, n: int) -> list[Element]:
    return [Element(id=f"{doc_id}-{i}", kind=ElementKind.TEXT, text=f"text {i}",
                    provenance=Provenance(doc_id=doc_id, source=f"{doc_id}.pdf", page=i + 1))
            for i in range(n)]


def _record(doc_id: str, path: str) -> DocumentRecord:
    return DocumentRecord(doc_id=doc_id, source=Path(path).name, path=path, pages=3, format="pdf",
                          n_elements=0, added_at=1.0)


def test_put_get_and_replace(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    stored, replaced = catalog.put_document(_record("d1", "/x/a.pdf"), iter(_elements("d1", 3)))
    assert stored.n_elements == 3 and replaced == []
    assert catalog.document_for_path("/x/a.pdf") == stored
    assert catalog.document_by_id("d1") == stored
    assert [e.id for e in catalog.elements_of("d1")] == ["d1-0", "d1-1", "d1-2"]
    _, replaced = catalog.put_document(_record("d2", "/x/a.pdf"), _elements("d2", 1))
    assert [r.doc_id for r in replaced] == ["d1"]
    assert catalog.get_elements(["d1-0", "d2-0"]).keys() == {"d2-0"}
    assert catalog.element_count() == 1
    assert catalog.delete_document("d2").doc_id == "d2"
    assert catalog.delete_document("d2") is None
    assert catalog.documents() == []


def test_failed_stream_rolls_back(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.put_document(_record("d1", "/x/a.pdf"), _elements("d1", 2))

    def broken():
        yield from _elements("d2", 2)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        catalog.put_document(_record("d2", "/x/a.pdf"), broken())
    assert [d.doc_id for d in catalog.documents()] == ["d1"]
    assert catalog.element_count() == 2


def test_unknown_schema_version_refused(tmp_path: Path) -> None:
    Catalog(tmp_path)
    with sqlite3.connect(tmp_path / "catalog.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99.*docrag ingest --rebuild"):
        Catalog(tmp_path)


def test_damaged_file_refused(tmp_path: Path) -> None:
    (tmp_path / "catalog.sqlite").write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StoreError, match="damaged"):
        Catalog(tmp_path)


def test_opening_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A search opens the catalog while an ingest holds its document transaction: it reads what is committed."""
    Catalog(tmp_path).put_document(_record("d1", "/x/a.pdf"), _elements("d1", 2))
    writer = sqlite3.connect(tmp_path / "catalog.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM elements")
    try:
        reader = Catalog(tmp_path)
        assert [d.doc_id for d in reader.documents()] == ["d1"]
        assert reader.element_count() == 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()
