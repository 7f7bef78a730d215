"""The ingest session: one object owns an ingest from start to end (lock, sweeps, files, lexical rebuild, CLIP
backfill), reports each step as an IngestEvent and stops between documents when cancelled."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from chat.library import Library, LibraryConfig
from retrieval.errors import StoreLockedError
from retrieval.index import LibraryIndex
from retrieval.ingest_events import IngestEvent
from retrieval.ingest_report import IngestReport
from tests.retrieval.test_index import HashingEmbedder


def _library(root: Path) -> Library:
    """A library whose index uses the hashing embedder, built through the factory (no model is loaded)."""
    def factory(config: LibraryConfig, rebuilding: bool = False) -> LibraryIndex:
        return LibraryIndex(config.root, HashingEmbedder(), lock_timeout=0.3, rebuilding=rebuilding)

    return Library(LibraryConfig(root=root, image_search=False), index_factory=factory)


def _docs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"note{i}.md"
        path.write_text(f"# Note {i}\n\nThe harbour report number {i} lists {i * 7} cranes.\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_progress_reports_each_file_with_its_status(tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 3)
    (tmp_path / "docs" / "broken.pdf").write_bytes(b"not a pdf at all")
    library = _library(tmp_path / "lib")
    events: list[IngestEvent] = []
    report = library.add([tmp_path / "docs"], progress=events.append)
    assert [e.kind for e in events] == ["started", "file", "file", "file", "file", "finished"]
    assert events[0].files_total == 4 and [e.files_done for e in events[1:5]] == [1, 2, 3, 4]
    statuses = {e.source: e.status for e in events if e.kind == "file"}
    assert statuses == {"note0.md": "added", "note1.md": "added", "note2.md": "added", "broken.pdf": "failed"}
    failed = next(e for e in events if e.status == "failed")
    assert "broken.pdf" in (failed.error or "") and failed.pages == 0
    assert sorted(report.added) == ["note0.md", "note1.md", "note2.md"] and not report.cancelled

    docs[1].write_text("# Note 1\n\nRewritten: the harbour has 3 cranes left.\n", encoding="utf-8")
    docs[2].rename(tmp_path / "docs" / "moved.md")
    events.clear()
    on_file: list[tuple[str, int, int, int]] = []
    library.add([tmp_path / "docs"], progress=events.append, on_file=lambda *args: on_file.append(args))
    statuses = {e.source: e.status for e in events if e.kind == "file"}
    assert statuses == {"note0.md": "unchanged", "note1.md": "updated", "moved.md": "renamed",
                        "broken.pdf": "failed"}
    assert [(source, done, total) for source, _, done, total in on_file] == \
        [(e.source, e.files_done, e.files_total) for e in events if e.kind == "file"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_cancelled_ingest_stops_between_documents_and_the_next_one_completes(tmp_path: Path, workers) -> None:
    _docs(tmp_path / "docs", 4)
    library = _library(tmp_path / "lib")
    cancel = threading.Event()
    events: list[IngestEvent] = []

    def progress(event: IngestEvent) -> None:
        events.append(event)
        if event.kind == "file":
            cancel.set()  # after the first document is stored

    report = library.add([tmp_path / "docs"], workers=workers, progress=progress, cancel=cancel)
    assert report.cancelled and report.to_contract()["cancelled"] is True
    assert len(report.added) == 1 and [e.kind for e in events][-2:] == ["cancelled", "finished"]
    assert [r.source for r in library.documents()] == list(report.added)
    assert library.search("harbour cranes", k=5)  # what was stored is searchable

    again = library.add([tmp_path / "docs"], workers=workers)
    assert not again.cancelled and len(again.added) == 3 and again.unchanged == report.added
    assert len(library.documents()) == 4


def test_the_session_holds_the_lock_from_start_to_end(tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 1)
    library = _library(tmp_path / "lib")
    index = library._open_index(images=False)
    other = LibraryIndex(tmp_path / "lib", HashingEmbedder(), lock_timeout=0.1)
    with index.ingest(library.parse_options()) as session:
        session.add(docs)
        with pytest.raises(StoreLockedError):
            with other.write_lock():
                pass
        assert session.report is None  # frozen on leaving
    assert session.report is not None and session.report.added == ("note0.md",)
    with other.write_lock():  # released
        pass


def test_a_session_cannot_add_outside_its_with_block(tmp_path: Path) -> None:
    index = _library(tmp_path / "lib")._open_index(images=False)
    session = index.ingest(_library(tmp_path / "lib").parse_options())
    with pytest.raises(RuntimeError, match="inside"):
        session.add([])
    with pytest.raises(ValueError, match="workers"):
        index.ingest(_library(tmp_path / "lib").parse_options(), workers=0)


def test_report_contract_says_whether_it_was_cancelled() -> None:
    assert IngestReport().to_contract()["cancelled"] is False
    assert IngestReport(cancelled=True).to_contract()["cancelled"] is True
    with pytest.raises(ValueError, match="started"):
        IngestEvent("begun")


def test_a_library_uses_the_index_it_was_given(tmp_path: Path) -> None:
    index = LibraryIndex(tmp_path / "lib", HashingEmbedder(), lock_timeout=0.3)
    library = Library(LibraryConfig(root=tmp_path / "lib", image_search=False), index=index)
    library.add(_docs(tmp_path / "docs", 1))
    assert library.index is index and [r.source for r in index.documents()] == ["note0.md"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_write_guard_is_held_around_store_writes_and_never_around_parsing(tmp_path: Path, monkeypatch,
                                                                            workers) -> None:
    """What a server relies on to let searches run while a file is parsed: every element is produced with the
    guard free, every document is stored (and the lexical index rebuilt) with it held; no guard, no change."""
    import retrieval.ingest_run as ingest_run
    from contextlib import contextmanager

    _docs(tmp_path / "docs", 3)
    library = _library(tmp_path / "lib")
    index = library._open_index(images=False)
    held = [0]
    seen: list[tuple[str, int]] = []
    real_open, real_add, real_sync = ingest_run.open_document, index.add, index.lexical.sync

    entered = [0]

    @contextmanager
    def guard():
        entered[0] += 1
        held[0] += 1
        try:
            yield
        finally:
            held[0] -= 1

    def watched(elements):
        for element in elements:
            seen.append(("parse", held[0]))
            yield element

    def open_document(path, options):
        info, elements = real_open(path, options)
        return info, watched(elements)

    def add(info, elements):
        seen.append(("store", held[0]))
        return real_add(info, elements)

    def sync():
        seen.append(("lexical", held[0]))
        return real_sync()

    monkeypatch.setattr(ingest_run, "open_document", open_document)
    monkeypatch.setattr(index, "add", add)
    monkeypatch.setattr(index.lexical, "sync", sync)
    report = library.add([tmp_path / "docs"], write_guard=guard, workers=workers)
    assert len(report.added) == 3 and held == [0]
    assert [held for kind, held in seen if kind == "store"] == [1, 1, 1]
    assert ("lexical", 1) in seen and all(held == 1 for kind, held in seen if kind == "lexical")
    if workers == 1:  # the workers' parse cannot be watched from here; their streams are read before the guard
        assert {held for kind, held in seen if kind == "parse"} == {0}
        assert [kind for kind, _ in seen if kind != "lexical"][-1] == "store"  # each parsed whole, then stored
        assert entered == [2 + 3]  # taken on entering, after hashing and after each parse: each waits for searches

    seen.clear()
    (tmp_path / "docs" / "note0.md").write_text("# Note 0\n\nNow 99 cranes.\n", encoding="utf-8")
    library.add([tmp_path / "docs"], workers=workers)  # no guard: parsed while stored, as before
    assert [held for kind, held in seen if kind == "store"] == [0]
    if workers == 1:
        assert [kind for kind, _ in seen if kind != "lexical"][:2] == ["store", "parse"]
