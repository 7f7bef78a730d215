"""A document is its content plus its paths: renames, identical copies, edits and deletions, with and without
--sync, through Library.add and through `docrag ingest --json` (issue 19).

Every case ends with the same checks: each file present is listed by `docs` under its own name and found by a
search restricted to that name, nothing is listed twice, and the vectors are exactly one per catalog view.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.retrieval.cli_helpers import check_vectors_match_catalog, cli, cli_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")

pytestmark = pytest.mark.slow

MANUAL = "# Pump manual\n\nThe zorbulator pump needs priming before first use with 3 litres of water.\n"
POLICY = "# Travel policy\n\nEmployees book quillfeather trains for trips under 400 kilometres.\n"
EDITED = "# Pump manual, second edition\n\nThe zorbulator pump now primes itself; add no water at all.\n"


def _ingest(folder: Path, store: Path, *flags: str) -> dict:
    return cli_json("ingest", str(folder), "--store", str(store), "--no-images", *flags)


def _listed(store: Path) -> list[tuple[str, str]]:
    return sorted((d["source"], d["doc_id"]) for d in
                  cli_json("docs", "--store", str(store), "--no-images")["documents"])


def _hits(store: Path, query: str, source: str | None = None) -> list[dict]:
    extra = ["--source", source] if source else []
    return cli_json("search", "--store", str(store), "--no-images", "--k", "5", *extra, query)["hits"]


def _check_library(store: Path, folder: Path, gone: tuple[str, ...] = ()) -> None:
    """Every file in `folder` is listed once and findable under its own name; names in `gone` are not listed."""
    listed = _listed(store)
    names = [name for name, _ in listed]
    assert len(names) == len(set(names)), f"a name listed twice: {listed}"
    for path in folder.iterdir():
        assert path.name in names, f"{path.name} not listed: {listed}"
    for name in gone:
        assert name not in names, f"{name} still listed: {listed}"
    for path in folder.iterdir():
        word = "zorbulator" if "zorbulator" in path.read_text() else "quillfeather"
        hits = _hits(store, word, source=path.name)
        assert hits and hits[0]["source"] == path.name, (path.name, hits)
        assert path.name in hits[0].get("sources", ()), hits[0]
    for name in gone:  # a name no longer stored is refused, naming it (exit 2), rather than matching nothing
        code, _, err = cli("search", "--store", str(store), "--no-images", "--source", name, "zorbulator")
        assert code == 2 and f"no stored document is named {name!r}" in err, err
    check_vectors_match_catalog(store)


@pytest.fixture()
def library_folder(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "manual.md").write_text(MANUAL)
    (folder / "policy.md").write_text(POLICY)
    store = tmp_path / "store"
    first = _ingest(folder, store)
    assert sorted(first["added"]) == ["manual.md", "policy.md"] and first["elements"] > 0
    return folder, store


@pytest.mark.parametrize("sync", [False, True])
def test_rename_is_a_move(library_folder: tuple[Path, Path], sync: bool) -> None:
    """The defect: after `mv manual.md manual-renamed.md`, --sync removed the document and called the new name
    unchanged; without --sync the library kept the old name."""
    folder, store = library_folder
    (folder / "manual.md").rename(folder / "manual-renamed.md")
    report = _ingest(folder, store, *(["--sync"] if sync else []))
    _check_library(store, folder, gone=("manual.md",))
    assert report["renamed"] == [{"from": "manual.md", "to": "manual-renamed.md"}]
    assert report["removed"] == [] and report["added"] == [] and report["elements"] == 0  # nothing embedded
    assert report["unchanged"] == ["policy.md"]
    again = _ingest(folder, store, "--sync")
    assert sorted(again["unchanged"]) == ["manual-renamed.md", "policy.md"] and again["renamed"] == []


def test_move_to_another_folder_keeps_the_document(library_folder: tuple[Path, Path], tmp_path: Path) -> None:
    folder, store = library_folder
    elsewhere = tmp_path / "archive"
    elsewhere.mkdir()
    shutil.move(folder / "manual.md", elsewhere / "manual.md")
    report = _ingest(elsewhere, store)
    assert report["renamed"] == [{"from": "manual.md", "to": "manual.md"}] and report["elements"] == 0
    [(path, _)] = [(d["path"], d) for d in cli_json("docs", "--store", str(store))["documents"]
                   if d["source"] == "manual.md"]
    assert path == str((elsewhere / "manual.md").resolve())


@pytest.mark.parametrize("sync", [False, True])
def test_copy_is_a_second_source_of_one_document(library_folder: tuple[Path, Path], sync: bool) -> None:
    folder, store = library_folder
    shutil.copy(folder / "manual.md", folder / "manual-copy.md")
    report = _ingest(folder, store, *(["--sync"] if sync else []))
    assert report["added"] == ["manual-copy.md"] and report["elements"] == 0 and report["renamed"] == []
    listed = dict(_listed(store))
    assert listed["manual-copy.md"] == listed["manual.md"]  # one content, two sources
    _check_library(store, folder)
    [hit] = _hits(store, "zorbulator priming")[:1]
    assert sorted(hit["sources"]) == ["manual-copy.md", "manual.md"]


def test_deleting_one_of_two_copies_removes_only_that_source(library_folder: tuple[Path, Path]) -> None:
    folder, store = library_folder
    shutil.copy(folder / "manual.md", folder / "manual-copy.md")
    _ingest(folder, store)
    (folder / "manual.md").unlink()
    kept = _ingest(folder, store)  # without --sync a deleted file stays in the library
    assert kept["removed"] == [] and "manual.md" in dict(_listed(store))
    report = _ingest(folder, store, "--sync")
    assert report["removed"] == ["manual.md"] and report["renamed"] == []
    _check_library(store, folder, gone=("manual.md",))
    (folder / "manual-copy.md").unlink()
    last = _ingest(folder, store, "--sync")
    assert last["removed"] == ["manual-copy.md"]
    _check_library(store, folder, gone=("manual.md", "manual-copy.md"))


@pytest.mark.parametrize("sync", [False, True])
def test_edit_in_place_replaces_the_old_version(library_folder: tuple[Path, Path], sync: bool) -> None:
    folder, store = library_folder
    before = dict(_listed(store))["manual.md"]
    (folder / "manual.md").write_text(EDITED)
    report = _ingest(folder, store, *(["--sync"] if sync else []))
    assert report["updated"] == ["manual.md"] and report["elements"] > 0
    assert dict(_listed(store))["manual.md"] != before
    assert "primes itself" in _hits(store, "zorbulator", source="manual.md")[0]["text"]
    _check_library(store, folder)


@pytest.mark.parametrize("sync", [False, True])
def test_copy_edited_under_a_new_name_is_a_new_document(library_folder: tuple[Path, Path], sync: bool) -> None:
    folder, store = library_folder
    (folder / "manual-v2.md").write_text(EDITED)
    report = _ingest(folder, store, *(["--sync"] if sync else []))
    assert report["added"] == ["manual-v2.md"] and report["elements"] > 0
    listed = dict(_listed(store))
    assert listed["manual-v2.md"] != listed["manual.md"]
    _check_library(store, folder)


@pytest.mark.parametrize("sync", [False, True])
def test_rename_then_edit_is_a_new_document(library_folder: tuple[Path, Path], sync: bool) -> None:
    folder, store = library_folder
    (folder / "manual.md").rename(folder / "manual-v2.md")
    (folder / "manual-v2.md").write_text(EDITED)
    report = _ingest(folder, store, *(["--sync"] if sync else []))
    assert report["added"] == ["manual-v2.md"] and report["renamed"] == []
    assert report["removed"] == (["manual.md"] if sync else [])
    _check_library(store, folder, gone=("manual.md",) if sync else ())


def test_copy_then_edit_the_original_keeps_the_copy(library_folder: tuple[Path, Path]) -> None:
    folder, store = library_folder
    shutil.copy(folder / "manual.md", folder / "zz-copy.md")  # sorts after manual.md: the original goes first
    (folder / "manual.md").write_text(EDITED)
    report = _ingest(folder, store, "--sync")
    assert report["updated"] == ["manual.md"] and report["added"] == ["zz-copy.md"] and report["renamed"] == []
    assert "priming" in _hits(store, "zorbulator", source="zz-copy.md")[0]["text"]
    _check_library(store, folder)


def test_swapped_names_swap_documents(library_folder: tuple[Path, Path]) -> None:
    folder, store = library_folder
    ids = dict(_listed(store))
    (folder / "manual.md").rename(folder / "tmp.md")
    (folder / "policy.md").rename(folder / "manual.md")
    (folder / "tmp.md").rename(folder / "policy.md")
    report = _ingest(folder, store, "--sync")
    assert report["updated"] == ["manual.md", "policy.md"]  # each path now holds the other's stored bytes
    assert report["elements"] == 0 and report["removed"] == [] and report["renamed"] == []
    assert dict(_listed(store)) == {"manual.md": ids["policy.md"], "policy.md": ids["manual.md"]}
    _check_library(store, folder)


def test_delete_with_and_without_sync(library_folder: tuple[Path, Path]) -> None:
    folder, store = library_folder
    (folder / "policy.md").unlink()
    assert _ingest(folder, store)["removed"] == []
    assert "policy.md" in dict(_listed(store))
    assert _ingest(folder, store, "--sync")["removed"] == ["policy.md"]
    _check_library(store, folder, gone=("policy.md",))


def test_library_api_reports_renames_and_removes_one_source(library_folder: tuple[Path, Path]) -> None:
    from chat.library import Library

    folder, store = library_folder
    shutil.copy(folder / "manual.md", folder / "manual-copy.md")
    (folder / "policy.md").rename(folder / "policy-2024.md")
    library = Library.open(store, image_search=False)
    report = library.add([folder], sync=True)
    assert report.renamed == (("policy.md", "policy-2024.md"),) and report.added == ("manual-copy.md",)
    vectors = library.index.store.count()
    removed = library.remove("manual.md")
    assert [r.source for r in removed] == ["manual.md"]
    assert library.index.store.count() == vectors  # the copy still holds the content: its vectors stay
    assert [h.element.source for h in library.search("zorbulator", k=1)] == ["manual-copy.md"]
    (folder / "manual.md").unlink()
    _check_library(store, folder, gone=("manual.md", "policy.md"))


def test_human_report_names_renames(library_folder: tuple[Path, Path]) -> None:
    folder, store = library_folder
    (folder / "manual.md").rename(folder / "manual-renamed.md")
    code, out, _ = cli("ingest", str(folder), "--store", str(store), "--no-images", "--sync", "-q")
    assert code == 0 and "renamed 1" in out and "renamed manual.md -> manual-renamed.md" in out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_new_bytes_under_two_names_in_one_run_are_parsed_once(library_folder: tuple[Path, Path], workers: str) -> None:
    folder, store = library_folder
    (folder / "manual-v2.md").write_text(EDITED)
    shutil.copy(folder / "manual-v2.md", folder / "manual-v2-copy.md")
    (folder / "policy.md").rename(folder / "policy-2024.md")
    report = _ingest(folder, store, "--sync", "--workers", workers)
    assert sorted(report["added"]) == ["manual-v2-copy.md", "manual-v2.md"]
    assert report["renamed"] == [{"from": "policy.md", "to": "policy-2024.md"}] and report["removed"] == []
    listed = dict(_listed(store))
    assert listed["manual-v2.md"] == listed["manual-v2-copy.md"] != listed["manual.md"]
    _check_library(store, folder, gone=("policy.md",))
