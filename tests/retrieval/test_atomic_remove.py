"""`remove` is atomic across the catalog and the vectors: when the vector store does not answer (a Chroma server
down), nothing is removed and the error says so; removing one of two sources of one content needs no vector store
(issue 19)."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import LibraryIndex, StoreError
from tests.retrieval.test_index import SALES, HashingEmbedder, make_doc


class _DownStore:
    """Stands in for a Chroma server that stopped answering."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StoreError("Chroma server http://127.0.0.1:9 cannot be reached (connection refused)")
        return fail


def test_remove_while_the_vector_store_is_down_removes_nothing(tmp_path: Path) -> None:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    info, elements = make_doc(tmp_path / "docs", "a.txt", SALES)
    index.add(info, elements)
    working = index.store
    index.store = _DownStore()
    with pytest.raises(StoreError, match=r"nothing was removed \(a.txt still stored\).*cannot be reached"):
        index.remove("a.txt")
    index.store = working
    assert [d.source for d in index.documents()] == ["a.txt"] and index.element_count() == 3
    assert index.search("net sales", k=1)[0].element.source == "a.txt"


def test_remove_one_of_two_sources_needs_no_vector_store(tmp_path: Path) -> None:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5)
    info, elements = make_doc(tmp_path / "one", "a.txt", SALES)
    copy, copy_elements = make_doc(tmp_path / "two", "b.txt", SALES)
    index.add(info, elements)
    index.add(copy, copy_elements)
    working = index.store
    index.store = _DownStore()
    assert [r.source for r in index.remove("a.txt")] == ["a.txt"]
    index.store = working
    assert index.store.count() == 3 and [d.source for d in index.documents()] == ["b.txt"]


@pytest.mark.slow
def test_remove_during_a_chroma_server_outage_keeps_the_document(tmp_path: Path) -> None:
    """The defect: `docrag remove` exited 1 after it had already dropped the document from the catalog."""
    from tests.retrieval.chroma_server import start_chroma_server, stop_chroma_server
    from tests.retrieval.cli_helpers import cli, cli_json

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Pump\n\nThe zorbulator pump needs priming.\n")
    (docs / "b.md").write_text("# Travel\n\nBook quillfeather trains.\n")
    store = tmp_path / "store"
    url, server = start_chroma_server(tmp_path / "chroma")
    try:
        server_args = ["--store", str(store), "--chroma-url", url, "--no-images"]
        assert len(cli_json("ingest", str(docs), *server_args)["added"]) == 2
    finally:
        stop_chroma_server(server)
    code, _, err = cli("remove", "a.md", *server_args)
    assert code != 0
    listed = cli_json("docs", *server_args)["documents"]
    assert sorted(d["source"] for d in listed) == ["a.md", "b.md"]
    assert "nothing was removed (a.md still stored)" in err and url in err, err
