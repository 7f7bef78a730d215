"""A library created with `--chroma-url` keeps its vectors on that server: later runs without the option use the
recorded server (never a new embedded store under the folder), an older record without the address names the
option to pass, and an embedded library is not silently searched on a server."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from retrieval.chroma_store import SERVER_BINDING
from tests.retrieval.chroma_server import chroma_server  # noqa: F401 - the server fixture
from tests.retrieval.cli_helpers import cli, cli_json
from tests.retrieval.test_index import HashingEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.text_embedder as text_embedder

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())


def _docs(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"# {name}\n\n{text}\n")
    return folder


def test_server_library_without_the_option_uses_the_recorded_server(chroma_server: str,  # noqa: F811
                                                                    tmp_path: Path) -> None:
    store = tmp_path / "lib"
    first = _docs(tmp_path / "one", "harbour.md", "the harbour authority reported record container traffic")
    cli_json("ingest", str(first), "--store", str(store), "--no-images", "--chroma-url", chroma_server)
    assert json.loads((store / SERVER_BINDING).read_text())["url"] == chroma_server

    hits = cli_json("search", "--store", str(store), "--no-images", "container traffic")["hits"]
    assert hits and hits[0]["source"] == "harbour.md" and "dense" in hits[0]["routes"]
    second = _docs(tmp_path / "two", "comet.md", "the observatory recorded a comet in the western sky")
    assert cli_json("ingest", str(second), "--store", str(store), "--no-images")["added"] == ["comet.md"]
    assert not (store / "chroma").exists()  # nothing went to an embedded store
    hits = cli_json("search", "--store", str(store), "--no-images", "--chroma-url", chroma_server,
                    "observatory comet")["hits"]
    assert hits[0]["source"] == "comet.md" and "dense" in hits[0]["routes"]
    code, out, _ = cli("doctor", "--store", str(store), "--no-images", "--json")
    assert code == 0 and json.loads(out)["vectors"] > 0


def test_older_record_without_the_address_names_the_option(chroma_server: str, tmp_path: Path) -> None:  # noqa: F811
    store = tmp_path / "lib"
    docs = _docs(tmp_path / "docs", "harbour.md", "the harbour authority reported record container traffic")
    cli_json("ingest", str(docs), "--store", str(store), "--no-images", "--chroma-url", chroma_server)
    collection = json.loads((store / SERVER_BINDING).read_text())["collection"]
    (store / SERVER_BINDING).write_text(json.dumps({"collection": collection}))  # as older docrag wrote it
    for args in (["search", "container traffic"], ["ingest", str(docs)]):
        code, out, err = cli(*args, "--store", str(store), "--no-images")
        assert code == 1 and out == ""
        assert "--chroma-url" in err and collection in err and str(store) in err, err
        assert "rm -r" not in err and "lost" not in err and "delete" not in err.replace(str(store), "")
    assert not (store / "chroma").exists()
    hits = cli_json("search", "--store", str(store), "--no-images", "--chroma-url", chroma_server, "harbour")["hits"]
    assert hits and json.loads((store / SERVER_BINDING).read_text())["url"] == chroma_server  # recorded now


def test_unreachable_recorded_server_says_nothing_is_lost(chroma_server: str, tmp_path: Path) -> None:  # noqa: F811
    store = tmp_path / "lib"
    docs = _docs(tmp_path / "docs", "harbour.md", "the harbour authority reported record container traffic")
    cli_json("ingest", str(docs), "--store", str(store), "--no-images", "--chroma-url", chroma_server)
    binding = json.loads((store / SERVER_BINDING).read_text())
    (store / SERVER_BINDING).write_text(json.dumps({**binding, "url": "http://127.0.0.1:9"}))  # server gone
    code, _, err = cli("search", "--store", str(store), "--no-images", "harbour")
    assert code == 1 and "127.0.0.1:9 cannot be reached" in err and "nothing is lost" in err, err
    assert "rm -r" not in err and "--rebuild" not in err
    assert not (store / "chroma").exists()


def test_embedded_library_is_not_searched_on_a_server(tmp_path: Path) -> None:
    store = tmp_path / "lib"
    docs = _docs(tmp_path / "docs", "harbour.md", "the harbour authority reported record container traffic")
    cli_json("ingest", str(docs), "--store", str(store), "--no-images")
    code, _, err = cli("search", "--store", str(store), "--no-images", "--chroma-url", "http://127.0.0.1:9", "x")
    assert code == 1 and "embedded store" in err and "leave out --chroma-url" in err, err


def test_rebuild_re_makes_the_server_collection(chroma_server: str, tmp_path: Path) -> None:  # noqa: F811
    import chromadb

    store = tmp_path / "lib"
    docs = _docs(tmp_path / "docs", "harbour.md", "the harbour authority reported record container traffic")
    cli_json("ingest", str(docs), "--store", str(store), "--no-images", "--chroma-url", chroma_server)
    collection = json.loads((store / SERVER_BINDING).read_text())["collection"]
    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    before = client.get_collection(collection).count()
    client.get_collection(collection).delete(where={"source": "harbour.md"})  # a wiped collection
    code, out, _ = cli("doctor", "--store", str(store), "--no-images", "--json")
    assert code == 1 and json.loads(out)["problems"][0]["part"] == "vectors"
    assert cli_json("ingest", "--rebuild", "--store", str(store), "--no-images")["rebuilt"] == ["harbour.md"]
    assert client.get_collection(collection).count() == before
    code, out, _ = cli("doctor", "--store", str(store), "--no-images", "--json")
    assert code == 0, out
    assert not (store / "chroma").exists()
