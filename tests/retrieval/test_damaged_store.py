"""Stores written by an older docrag or damaged on disk are detected and reported in one line that names the store
and the command that rebuilds it; `docrag search --kind/--pages/--source` filters reach every route."""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from docparse.element import ElementKind
from retrieval import LibraryIndex, StoreError
from tests.retrieval.cli_helpers import cli
from tests.retrieval.test_index import SALES, HashingEmbedder, make_doc

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _filled(root: Path, tmp_path: Path, texts: list[str] = SALES) -> LibraryIndex:
    index = LibraryIndex(root, HashingEmbedder(), lock_timeout=0.5)
    info, elements = make_doc(tmp_path / "docs", "a.txt", texts)
    index.add(info, elements)
    assert index.search("net sales", k=1)
    index.close()  # let go of Chroma, so the next index reads the files as they are on disk
    return index


def _assert_rebuild_hint(message: str, root: Path) -> None:
    assert str(root) in message and "docrag ingest --rebuild" in message and f"--store {root}" in message, message
    advice = message.replace(str(root), "STORE")
    assert "rm -r" not in advice and "delete" not in advice, message


def test_older_store_format_is_one_line_from_the_cli(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / "docrag-store.json").write_text(json.dumps({"format": 0, "text_model": "x", "dimension": 8}))
    code, out, err = cli("search", "--store", str(root), "--no-images", "net sales")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and out == "" and len(lines) == 1
    assert "format 0" in lines[0]
    _assert_rebuild_hint(lines[0], root)


def test_older_catalog_schema_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root, tmp_path)
    with sqlite3.connect(root / "catalog.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 0") as caught:
        LibraryIndex(root, HashingEmbedder())
    _assert_rebuild_hint(str(caught.value), root)


def test_corrupted_catalog_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root, tmp_path)
    for name in ("catalog.sqlite-wal", "catalog.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    (root / "catalog.sqlite").write_bytes(b"\x00garbage" * 4096)
    with pytest.raises(StoreError, match="catalog .* is damaged") as caught:
        LibraryIndex(root, HashingEmbedder())
    _assert_rebuild_hint(str(caught.value), root)


def test_corrupted_chroma_database_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root, tmp_path)
    (root / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 1000)
    index = LibraryIndex(root, HashingEmbedder())
    with pytest.raises(StoreError, match="vector store .*chroma is damaged") as caught:
        index.search("net sales")
    _assert_rebuild_hint(str(caught.value), root)


def test_corrupted_vector_index_files_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "store"
    # Enough vectors that Chroma writes its HNSW segment files (it persists them every 1,000 additions).
    _filled(root, tmp_path, [f"net sales line {i} of the yearly report" for i in range(1200)])
    segments = [p for p in (root / "chroma").iterdir() if p.is_dir() and any(p.iterdir())]
    assert segments, "expected an HNSW segment folder"
    for segment in segments:
        for f in segment.iterdir():
            f.write_bytes(b"\x07" * 64)
    index = LibraryIndex(root, HashingEmbedder())
    with pytest.raises(StoreError, match="damaged") as caught:
        index.search("net sales")
    _assert_rebuild_hint(str(caught.value), root)


def test_deleted_chroma_folder_is_reported_not_silently_lexical(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "store"
    _filled(root, tmp_path)
    shutil.rmtree(root / "chroma")
    index = LibraryIndex(root, HashingEmbedder())
    with pytest.raises(StoreError, match="holds no vectors") as caught:
        index.search("net sales")
    _assert_rebuild_hint(str(caught.value), root)


# -- CLI filters ----------------------------------------------------------------------------------------------
@pytest.fixture()
def filtered_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two documents of mixed kinds over pages 1-8, stored with the hashing embedder that the CLI then uses too."""
    import retrieval.text_embedder as text_embedder

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    root = tmp_path / "store"
    index = LibraryIndex(root, HashingEmbedder())
    kinds = [ElementKind.TEXT, ElementKind.TABLE, ElementKind.FIGURE, ElementKind.TEXT] * 2
    for name in ("alpha.txt", "beta.txt"):
        texts = [f"revenue {name} item {i} {kind.value}" for i, kind in enumerate(kinds)]
        info, elements = make_doc(tmp_path / "docs", name, texts, kinds)  # element i is on page i + 1
        index.add(info, elements)
    index.close()
    return root


def _hits(root: Path, *args: str) -> list[dict]:
    code, out, err = cli("search", "--store", str(root), "--no-images", "--json", "--k", "20", *args, "revenue")
    assert code == 0, err
    return json.loads(out)["hits"]


def test_cli_kind_pages_and_source_filters(filtered_store: Path) -> None:
    everything = _hits(filtered_store)
    assert len(everything) == 16
    hits = _hits(filtered_store, "--kind", "table,figure", "--pages", "3-7", "--source", "beta.txt")
    assert hits and all(h["kind"] in ("table", "figure") and 3 <= h["page"] <= 7 and h["source"] == "beta.txt"
                        for h in hits)
    assert sorted((h["page"], h["kind"]) for h in hits) == [(3, "figure"), (6, "table"), (7, "figure")]
    assert {tuple(h["routes"]) for h in hits} == {("dense", "lexical")}  # both routes filtered, both found them
    single = _hits(filtered_store, "--pages", "2")
    assert {h["page"] for h in single} == {2} and len(single) == 2


@pytest.mark.parametrize("args, message", [(["--kind", "chart"], "choose from"),
                                           (["--pages", "7-3"], "1 <= first <= last"),
                                           (["--pages", "three"], "3-7")])
def test_cli_bad_filters_name_valid_choices(filtered_store: Path, args: list[str], message: str) -> None:
    code, out, err = cli("search", "--store", str(filtered_store), "--no-images", *args, "revenue")
    assert code == 1 and out == "" and message in err
