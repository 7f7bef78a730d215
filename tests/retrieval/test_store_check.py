"""The consistency check: a lost catalog beside stored vectors is damage on every opening; `docrag doctor` names
each disagreement between catalog, vectors, lexical index, page images and crops (exit 1) and exits 0 when they
agree; `ingest` finds missing vectors and re-embeds them instead of calling the documents unchanged."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from retrieval import LibraryIndex
from tests.retrieval.cli_helpers import cli, cli_json, documents
from tests.retrieval.clip_fixtures import tiny_clip  # noqa: F401 - the tiny CLIP fixture
from tests.retrieval.test_index import SALES, HashingEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NOTES = ["rainfall in april was unusually high across the northern region",
         "the harbour authority reported record container traffic this spring"]


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(store, docs folder): a.md and b.md ingested through the CLI with the hashing embedder."""
    import retrieval.text_embedder as text_embedder

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Sales\n\n" + "\n\n".join(SALES) + "\n")
    (docs / "b.md").write_text("# Notes\n\n" + "\n\n".join(NOTES) + "\n")
    store = tmp_path / "store"
    report = cli_json("ingest", str(docs), "--store", str(store), "--no-images")
    assert sorted(report["added"]) == ["a.md", "b.md"]
    return store, docs


def _doctor(store: Path) -> tuple[int, dict]:
    code, out, err = cli("doctor", "--store", str(store), "--no-images", "--json")
    return code, json.loads(out)


def _doc_id(store: Path, source: str) -> str:
    return next(d for d, doc in documents(store).items() if doc["source"] == source)


def test_doctor_passes_a_consistent_store(library: tuple[Path, Path]) -> None:
    store, _ = library
    code, report = _doctor(store)
    assert code == 0 and report["ok"] and report["problems"] == [], report
    assert report["documents"] == 2 and report["vectors"] >= report["elements"] - 2  # titles have no vector
    code, out, _ = cli("doctor", "--store", str(store), "--no-images")
    assert code == 0 and "agree" in out


def test_deleted_vector_folder_is_found_by_doctor_and_repaired_by_ingest(library: tuple[Path, Path]) -> None:
    store, docs = library
    shutil.rmtree(store / "chroma")
    code, report = _doctor(store)
    assert code == 1 and not report["ok"]
    missing = {p["document"] for p in report["problems"] if p["part"] == "vectors" and p["what"] == "missing"}
    assert missing == {"a.md", "b.md"}
    assert "docrag ingest --rebuild" in report["hint"]
    code, out, _ = cli("doctor", "--store", str(store), "--no-images")
    assert code == 1 and "problem: vectors missing: a.md:" in out

    repaired = cli_json("ingest", str(docs), "--store", str(store), "--no-images")
    assert sorted(repaired["repaired"]) == ["a.md", "b.md"] and repaired["unchanged"] == [], repaired
    hits = cli_json("search", "--store", str(store), "--no-images", "container traffic harbour")["hits"]
    assert hits and hits[0]["source"] == "b.md" and "dense" in hits[0]["routes"]
    assert _doctor(store)[0] == 0
    again = cli_json("ingest", str(docs), "--store", str(store), "--no-images")
    assert again["repaired"] == [] and sorted(again["unchanged"]) == ["a.md", "b.md"]


def test_one_documents_missing_vectors_are_named_and_repaired(library: tuple[Path, Path]) -> None:
    from retrieval.chroma_store import ChromaStore

    store, docs = library
    chroma = ChromaStore(root=store)
    chroma.delete_where({"doc_id": _doc_id(store, "a.md")})
    chroma.close()
    code, report = _doctor(store)
    assert code == 1
    assert [(p["part"], p["what"], p["document"]) for p in report["problems"]] == [("vectors", "missing", "a.md")]
    repaired = cli_json("ingest", str(docs / "b.md"), "--store", str(store), "--no-images")
    assert repaired["repaired"] == ["a.md"] and repaired["unchanged"] == ["b.md"]
    assert _doctor(store)[0] == 0


def test_doctor_names_orphans_lost_page_images_crops_and_a_damaged_lexical_index(library: tuple[Path, Path]) -> None:
    import numpy as np

    from retrieval.chroma_store import ChromaStore

    store, _ = library
    chroma = ChromaStore(root=store)
    chroma.upsert(["ghost-element"], np.ones((1, 64), dtype=np.float32), None,
                  [{"doc_id": "ghost-doc", "source": "ghost.pdf", "page": 1, "kind": "text"}])
    chroma.close()
    (store / "pages" / "ghost-doc").mkdir(parents=True)
    current = json.loads((store / "lexical" / "CURRENT").read_text())
    (store / "lexical" / current["build"] / "views.npz").write_bytes(b"not an npz file")
    code, report = _doctor(store)
    assert code == 1
    found = {(p["part"], p["what"]) for p in report["problems"]}
    assert found == {("vectors", "extra"), ("pages", "extra"), ("lexical", "damaged")}, report["problems"]
    assert any("ghost-doc" in p["detail"] for p in report["problems"] if p["part"] == "vectors")


def test_doctor_names_missing_page_images_and_crops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.text_embedder as text_embedder
    from tests.pdf_builders import make_report_pdf

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    store = tmp_path / "store"
    (tmp_path / "docs").mkdir()
    make_report_pdf(tmp_path / "docs" / "report.pdf")
    cli_json("ingest", str(tmp_path / "docs"), "--store", str(store), "--no-images")
    assert _doctor(store)[0] == 0
    doc_id = _doc_id(store, "report.pdf")
    next((store / "pages" / doc_id).iterdir()).unlink()
    crop = next(p for p in (store / "assets" / doc_id).rglob("*") if p.is_file())
    crop.unlink()
    code, report = _doctor(store)
    assert code == 1
    assert {(p["part"], p["what"], p["document"]) for p in report["problems"]} == {
        ("pages", "missing", "report.pdf"), ("crops", "missing", "report.pdf")}


@pytest.mark.parametrize("damage", ["empty", "missing"])
def test_lost_catalog_beside_vectors_is_damage_not_an_empty_library(library: tuple[Path, Path], damage: str) -> None:
    store, _ = library
    for name in ("catalog.sqlite-wal", "catalog.sqlite-shm"):
        (store / name).unlink(missing_ok=True)
    if damage == "empty":
        (store / "catalog.sqlite").write_bytes(b"")
    else:
        (store / "catalog.sqlite").unlink()
    for args in (["docs"], ["search", "net sales"]):
        code, out, err = cli(*args, "--store", str(store), "--no-images")
        assert code == 1 and out == "", out
        assert f"catalog {store / 'catalog.sqlite'} is {'empty (0 bytes)' if damage == 'empty' else 'missing'}" \
            in err and "docrag ingest --rebuild YOUR_DOCUMENTS" in err and "rm -r" not in err, err
    code, report = _doctor(store)
    assert code == 1 and report["problems"][0]["part"] == "catalog"
    from retrieval.errors import StoreDamagedError
    with pytest.raises(StoreDamagedError):
        LibraryIndex(store, HashingEmbedder())
    assert not (store / "catalog.sqlite").exists() or (store / "catalog.sqlite").stat().st_size == 0  # untouched


def test_new_store_and_parse_crops_are_not_damage(tmp_path: Path) -> None:
    (tmp_path / "store" / "assets" / "some-doc").mkdir(parents=True)  # `docrag parse` writes crops here
    index = LibraryIndex(tmp_path / "store", HashingEmbedder())
    assert index.documents() == []


def test_search_says_once_when_vectors_are_short(library: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    from retrieval.chroma_store import ChromaStore

    store, _ = library
    chroma = ChromaStore(root=store)
    chroma.delete_where({"doc_id": _doc_id(store, "a.md")})
    chroma.close()
    index = LibraryIndex(store, HashingEmbedder())
    with caplog.at_level("WARNING", logger="retrieval.store_check"):
        assert index.search("harbour container traffic", k=1)[0].element.source == "b.md"
        index.search("net sales", k=1)
    warnings = [r.getMessage() for r in caplog.records if "element views" in r.getMessage()]
    assert len(warnings) == 1 and "docrag doctor" in warnings[0] and "re-embeds" in warnings[0]


def test_ingest_refills_a_wiped_image_collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tiny_clip) -> None:  # noqa: F811
    import retrieval.text_embedder as text_embedder
    from retrieval.chroma_store import ChromaStore
    from retrieval.image_index import CLIP_COLLECTION
    from tests.pdf_builders import make_report_pdf

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    docs, store = tmp_path / "docs", tmp_path / "store"
    docs.mkdir()
    make_report_pdf(docs / "report.pdf")
    clip = ["--clip-model", str(tiny_clip.config_path), "--clip-pretrained", str(tiny_clip.checkpoint_path)]
    cli_json("ingest", str(docs), "--store", str(store), *clip)
    images = ChromaStore(store, collection=CLIP_COLLECTION)
    before = images.count()
    images.delete_where({"source": "report.pdf"})
    images.close()
    assert cli_json("ingest", str(docs), "--store", str(store), *clip)["unchanged"] == ["report.pdf"]
    images = ChromaStore(store, collection=CLIP_COLLECTION)
    assert images.count() == before
    images.close()
