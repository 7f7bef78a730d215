"""`docrag ingest --rebuild`: vectors, lexical index and page images are re-made from the catalog and the files
still present; no catalog document is dropped, also when its file is gone; an unreadable catalog is set aside
(renamed, never deleted) and the store rebuilt from the documents given."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.pdf_builders import make_report_pdf
from tests.retrieval.cli_helpers import cli, cli_json, documents
from tests.retrieval.clip_fixtures import tiny_clip  # noqa: F401 - the tiny CLIP fixture
from tests.retrieval.test_index import SALES, HashingEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NOTES = ["rainfall in april was unusually high across the northern region",
         "the harbour authority reported record container traffic this spring"]


@pytest.fixture()
def embedder(monkeypatch: pytest.MonkeyPatch) -> dict[str, HashingEmbedder]:
    """The text embedder the CLI uses: embedder["now"], replaceable by a test."""
    import retrieval.text_embedder as text_embedder

    current = {"now": HashingEmbedder()}
    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: current["now"])
    return current


@pytest.fixture()
def library(tmp_path: Path, embedder) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Notes\n\n" + "\n\n".join(NOTES) + "\n")
    (docs / "sales.md").write_text("# Sales\n\n" + "\n\n".join(SALES) + "\n")
    make_report_pdf(docs / "report.pdf")
    store = tmp_path / "store"
    assert len(cli_json("ingest", str(docs), "--store", str(store), "--no-images")["added"]) == 3
    return store, docs


def _doctor_ok(store: Path) -> None:
    code, out, _ = cli("doctor", "--store", str(store), "--no-images", "--json")
    assert code == 0, json.loads(out)["problems"]


def test_rebuild_keeps_documents_whose_files_are_gone(library: tuple[Path, Path]) -> None:
    store, docs = library
    before = documents(store)
    (docs / "notes.md").unlink()  # its catalog elements are all that is left of it
    (store / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 1000)  # damaged vectors
    pages = store / "pages" / next(d for d, r in before.items() if r["source"] == "report.pdf")
    for image in pages.iterdir():
        image.unlink()
    code, _, err = cli("search", "--store", str(store), "--no-images", "harbour traffic")
    assert code == 1 and "--rebuild --store" in err and "rm -r" not in err

    report = cli_json("ingest", "--rebuild", "--store", str(store), "--no-images")
    assert sorted(report["rebuilt"]) == ["notes.md", "report.pdf", "sales.md"], report
    assert report["added"] == [] and report["failed"] == []
    assert documents(store) == before  # nothing in the catalog dropped or changed
    hits = cli_json("search", "--store", str(store), "--no-images", "harbour container traffic")["hits"]
    assert hits[0]["source"] == "notes.md" and "dense" in hits[0]["routes"]
    assert len(list(pages.iterdir())) == before[pages.name]["pages"]  # the file is present: re-rendered
    _doctor_ok(store)


def test_rebuild_then_ingests_the_paths_given(library: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = library
    more = tmp_path / "more"
    more.mkdir()
    (more / "extra.md").write_text("# Extra\n\nThe observatory recorded a comet in the western sky.\n")
    report = cli_json("ingest", str(more), "--rebuild", "--store", str(store), "--no-images")
    assert len(report["rebuilt"]) == 3 and report["added"] == ["extra.md"]
    _doctor_ok(store)
    code, out, _ = cli("ingest", "--rebuild", "--store", str(store), "--no-images")
    assert code == 0 and out.startswith("rebuilt 4, added 0")


def test_rebuild_re_embeds_with_another_text_model(library: tuple[Path, Path], embedder) -> None:
    store, _ = library
    embedder["now"] = HashingEmbedder("model-b", dimension=32)
    code, _, err = cli("search", "--store", str(store), "--no-images", "harbour")
    assert code == 1 and "docrag ingest --rebuild" in err and "model-b" in err
    assert len(cli_json("ingest", "--rebuild", "--store", str(store), "--no-images")["rebuilt"]) == 3
    marker = json.loads((store / "docrag-store.json").read_text())
    assert marker["text_model"] == "model-b" and marker["dimension"] == 32
    hits = cli_json("search", "--store", str(store), "--no-images", "harbour container traffic")["hits"]
    assert hits[0]["source"] == "notes.md" and "dense" in hits[0]["routes"]


def test_unreadable_catalog_is_set_aside_and_rebuilt_from_the_documents(library: tuple[Path, Path]) -> None:
    store, docs = library
    for name in ("catalog.sqlite-wal", "catalog.sqlite-shm"):
        (store / name).unlink(missing_ok=True)
    damaged = b"\x00garbage" * 4096
    (store / "catalog.sqlite").write_bytes(damaged)
    code, _, err = cli("ingest", "--rebuild", "--store", str(store), "--no-images")
    assert code == 1 and "give the documents" in err and "YOUR_DOCUMENTS" in err
    assert (store / "catalog.sqlite").read_bytes() == damaged  # refused before touching anything

    report = cli_json("ingest", str(docs), "--rebuild", "--store", str(store), "--no-images")
    assert report["rebuilt"] == [] and sorted(report["added"]) == ["notes.md", "report.pdf", "sales.md"]
    kept = list(store.glob("catalog.sqlite.damaged-*"))
    assert [p.read_bytes() for p in kept] == [damaged]
    _doctor_ok(store)


def test_ingest_needs_paths_unless_rebuilding(tmp_path: Path) -> None:
    code, out, err = cli("ingest", "--store", str(tmp_path / "store"), "--no-images")
    assert code == 1 and out == "" and "give the files or folders to ingest" in err and "--rebuild" in err


def test_rebuild_and_search_in_one_process(library: tuple[Path, Path], tmp_path: Path) -> None:
    from chat.library import Library

    store, _ = library
    lib = Library.open(store, image_search=False)
    assert lib.search("harbour container traffic", k=1)[0].element.source == "notes.md"  # index open before
    more = tmp_path / "more"
    more.mkdir()
    (more / "extra.md").write_text("# Extra\n\nThe observatory recorded a comet in the western sky.\n")
    report = lib.rebuild([more])
    assert len(report.rebuilt) == 3 and report.added == ("extra.md",)
    for query, source in (("harbour container traffic", "notes.md"), ("observatory comet", "extra.md")):
        hit = lib.search(query, k=1)[0]
        assert hit.element.source == source and "dense" in hit.routes
    assert lib.doctor().ok


def test_rebuild_re_makes_the_image_vectors(tmp_path: Path, embedder, tiny_clip) -> None:  # noqa: F811
    from retrieval.chroma_store import ChromaStore
    from retrieval.image_index import CLIP_COLLECTION

    docs = tmp_path / "docs"
    docs.mkdir()
    make_report_pdf(docs / "report.pdf")
    store = tmp_path / "store"
    clip = ["--clip-model", str(tiny_clip.config_path), "--clip-pretrained", str(tiny_clip.checkpoint_path)]
    cli_json("ingest", str(docs), "--store", str(store), *clip)

    def image_vectors() -> int:
        images = ChromaStore(store, collection=CLIP_COLLECTION)
        try:
            return images.count()
        finally:
            images.close()

    before = image_vectors()
    assert before >= 3  # three page images at least
    images = ChromaStore(store, collection=CLIP_COLLECTION)
    images.delete_where({"source": "report.pdf"})
    images.close()
    code, out, _ = cli("doctor", "--store", str(store), "--json", *clip)
    assert code == 1 and [(p["part"], p["what"]) for p in json.loads(out)["problems"]] == [("images", "missing")]
    report = cli_json("ingest", "--rebuild", "--store", str(store), *clip)
    assert report["rebuilt"] == ["report.pdf"] and image_vectors() == before
    code, out, _ = cli("doctor", "--store", str(store), "--json", *clip)
    assert code == 0, out


def test_damaged_catalog_is_not_set_aside_under_a_running_ingest(library: tuple[Path, Path]) -> None:
    import fcntl

    store, docs = library
    for name in ("catalog.sqlite-wal", "catalog.sqlite-shm"):
        (store / name).unlink(missing_ok=True)
    (store / "catalog.sqlite").write_bytes(b"\x00garbage" * 4096)
    with open(store / "ingest.lock", "a") as held:  # another ingest holds the store's lock
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = cli("ingest", str(docs), "--rebuild", "--store", str(store), "--no-images")
    assert code == 1 and "another ingest is running" in err, err
    assert (store / "catalog.sqlite").read_bytes() == b"\x00garbage" * 4096
    assert not list(store.glob("catalog.sqlite.damaged-*"))
