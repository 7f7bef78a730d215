"""A store this user may only read still answers searches; one it may not read, a full disk and a write to a
read-only store each get their own message, and none of them advises deleting anything or calls the store
damaged."""
from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest

from retrieval import LibraryIndex
from tests.retrieval.cli_helpers import cli
from tests.retrieval.reader_process import (make_read_only, make_writable, require_permissions_apply,
                                            run_reader)
from tests.retrieval.test_index import SALES, HashingEmbedder, make_doc

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _no_destructive_advice(message: str, root: Path) -> None:
    advice = message.replace(str(root), "STORE")
    assert "rm -r" not in advice and "delete" not in advice and "rebuild" not in advice, message


@pytest.fixture()
def read_only_store(tmp_path: Path):
    require_permissions_apply(tmp_path)
    root = tmp_path / "store"
    index = LibraryIndex(root, HashingEmbedder())
    info, elements = make_doc(tmp_path / "docs", "a.txt", SALES)
    index.add(info, elements)
    index.refresh_lexical()
    index.close()
    make_read_only(root)
    yield root
    make_writable(root)


def test_read_commands_work_on_a_read_only_store(read_only_store: Path) -> None:
    root = read_only_store
    done = run_reader("search", "--store", str(root), "--no-images", "--json", "net sales")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert hits and hits[0]["text"] == SALES[0] and "dense" in hits[0]["routes"]
    done = run_reader("docs", "--store", str(root), "--json")
    assert done.returncode == 0, done.stderr
    assert [d["source"] for d in json.loads(done.stdout)["documents"]] == ["a.txt"]
    done = run_reader("ask", "--store", str(root), "--no-images", "--json", "How much did net sales grow?")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["citations"]
    done = run_reader("doctor", "--store", str(root), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["ok"], done.stdout + done.stderr
    assert not any(p.name.startswith("catalog.sqlite-") for p in root.iterdir())  # nothing written


def test_writes_to_a_read_only_store_say_read_only(read_only_store: Path, tmp_path: Path) -> None:
    root = read_only_store
    for args in (["ingest", str(tmp_path / "docs")], ["remove", "a.txt"]):
        done = run_reader(*args, "--store", str(root), "--no-images", "-q")
        lines = [line for line in done.stderr.splitlines() if line.strip() and "file/s" not in line]
        assert done.returncode == 1 and len(lines) == 1, done.stderr
        assert f"store {root} is read-only" in lines[0] and "search, ask, docs and chat work" in lines[0]
        _no_destructive_advice(lines[0], root)


def test_unreadable_store_asks_for_access(read_only_store: Path) -> None:
    root = read_only_store
    (root / "catalog.sqlite").chmod(0o000)
    done = run_reader("search", "--store", str(root), "--no-images", "net sales")
    assert done.returncode == 1
    assert "cannot be read by this user" in done.stderr and "catalog.sqlite" in done.stderr
    assert "ask its owner for read access" in done.stderr
    _no_destructive_advice(done.stderr, root)
    (root / "catalog.sqlite").chmod(0o444)
    root.chmod(0o000)
    done = run_reader("docs", "--store", str(root))
    root.chmod(0o555)
    assert done.returncode == 1 and "cannot be read by this user" in done.stderr, done.stderr


# -- full disk ------------------------------------------------------------------------------------------------
def test_full_disk_while_writing_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.errors import StoreFullError

    root = tmp_path / "store"
    index = LibraryIndex(root, HashingEmbedder())
    index.add(*make_doc(tmp_path / "docs", "a.txt", SALES))
    real_connect = sqlite3.connect

    def full_catalog(database, *args, **kwargs):
        conn = real_connect(database, *args, **kwargs)
        if str(database).endswith("catalog.sqlite"):
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL on the next new page
        return conn

    monkeypatch.setattr(sqlite3, "connect", full_catalog)
    big = [f"revenue line {i} " + "words " * 200 for i in range(50)]
    with pytest.raises(StoreFullError) as caught:
        index.add(*make_doc(tmp_path / "docs", "b.txt", big))
    message = str(caught.value)
    assert "is full" in message and "nothing stored was lost" in message and "catalog.sqlite" in message
    _no_destructive_advice(message, root)
    monkeypatch.undo()
    assert [r.source for r in index.documents()] == ["a.txt"]
    assert index.search("net sales", k=1)[0].element.text == SALES[0]


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     "database or disk is full"])
def test_full_disk_while_writing_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure) -> None:
    import retrieval.text_embedder as text_embedder
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    error = failure if isinstance(failure, OSError) else InternalError(failure)

    def no_space(*args, **kwargs):
        raise error

    monkeypatch.setattr(Collection, "upsert", no_space)
    docs = tmp_path / "docs"
    make_doc(docs, "a.txt", SALES)
    make_doc(docs, "b.txt", ["another document about rainfall"])
    code, out, err = cli("ingest", str(docs), "--store", str(tmp_path / "store"), "--no-images", "-q")
    lines = [line for line in err.splitlines() if line.strip() and "file/s" not in line]
    assert code == 1 and len(lines) == 1, err  # the disk, not each file, is at fault: one line
    assert "is full" in lines[0] and "nothing stored was lost" in lines[0]
    _no_destructive_advice(lines[0], tmp_path / "store")


def test_full_disk_while_parsing_is_not_a_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.ingest_run
    import retrieval.text_embedder as text_embedder

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())

    def crops_do_not_fit(path, options):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "store" / "assets" / "crop.png"))

    monkeypatch.setattr(retrieval.ingest_run, "open_document", crops_do_not_fit)
    docs = tmp_path / "docs"
    make_doc(docs, "a.txt", SALES)
    code, out, err = cli("ingest", str(docs), "--store", str(tmp_path / "store"), "--no-images", "--json", "-q")
    assert code == 1 and out == "", out  # not "a.txt: cannot read: No space left on device" and exit 0
    assert "is full" in err and "crop.png" in err and "nothing stored was lost" in err, err
