"""`docrag ... --chroma-url` against a `chroma run` server started by the test: ingest, search, docs and remove
through the server; two libraries on one server keep their own collections; `--collection` names one."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.chroma_store import SERVER_BINDING, derived_collection_name
from tests.pdf_builders import make_report_pdf
from tests.retrieval.chroma_server import chroma_server  # noqa: F401 - the server fixture
from tests.retrieval.cli_helpers import cli, cli_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.mark.slow
def test_two_libraries_on_one_server(chroma_server: str, tmp_path: Path) -> None:  # noqa: F811
    import chromadb

    docs_a, docs_b = tmp_path / "docs_a", tmp_path / "docs_b"
    docs_a.mkdir()
    docs_b.mkdir()
    make_report_pdf(docs_a / "report.pdf")
    (docs_b / "notes.md").write_text("# Field notes\n\nThe quarterly revenue of Borealis Ltd was 77 million.\n\n"
                                     "Rainfall in April was unusually high across the northern region.\n")
    store_a, store_b = tmp_path / "lib_a", tmp_path / "lib_b"
    server = ["--chroma-url", chroma_server, "--no-images"]

    added = cli_json("ingest", str(docs_a), "--store", str(store_a), *server)
    assert added["added"] == ["report.pdf"] and added["elements"] > 0
    added = cli_json("ingest", str(docs_b), "--store", str(store_b), "--collection", "field-notes", *server)
    assert added["added"] == ["notes.md"]
    assert not (store_a / "chroma").exists() and not (store_b / "chroma").exists()  # vectors live on the server

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    names = {c.name for c in client.list_collections()}
    assert {derived_collection_name(store_a), "field-notes"} <= names

    hits_a = cli_json("search", "--store", str(store_a), *server, "quarterly revenue")["hits"]
    hits_b = cli_json("search", "--store", str(store_b), *server, "quarterly revenue")["hits"]
    assert hits_a and {h["source"] for h in hits_a} == {"report.pdf"}
    assert hits_b and {h["source"] for h in hits_b} == {"notes.md"}
    dense_a = [h for h in hits_a if "dense" in h["routes"]]
    assert dense_a, "the dense route (server vectors) found nothing"

    # The store remembers its collection: no --collection needed later; another name is refused.
    assert (store_b / SERVER_BINDING).is_file()
    assert [d["source"] for d in cli_json("docs", "--store", str(store_b), *server)["documents"]] == ["notes.md"]
    code, _, err = cli("search", "--store", str(store_b), *server, "--collection", "other-name", "revenue")
    assert code == 1 and "field-notes" in err and "other-name" in err

    assert cli_json("remove", "--store", str(store_a), *server, "report.pdf")["removed"] == ["report.pdf"]
    assert cli_json("search", "--store", str(store_a), *server, "quarterly revenue")["hits"] == []
    assert client.get_collection(derived_collection_name(store_a)).count() == 0
    assert client.get_collection("field-notes").count() > 0  # the other library is untouched


def test_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nsome words here\n")
    code, _, err = cli("ingest", str(tmp_path / "docs"), "--store", str(tmp_path / "lib"), "--no-images",
                       "--chroma-url", "http://127.0.0.1:9", "-q")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, err  # the store is unusable: one line, not one failure per file
    assert "127.0.0.1:9" in lines[0] and "cannot be reached" in lines[0] and "chroma run" in lines[0]


def test_bad_collection_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()  # `docs` on a folder holding no library would stop at "no library" first
    code, _, err = cli("ingest", str(tmp_path / "docs"), "--store", str(tmp_path / "lib"), "--chroma-url",
                       "http://127.0.0.1:9", "--collection", "no spaces/allowed")
    assert code == 1 and "collection name" in err and "letters, digits" in err
