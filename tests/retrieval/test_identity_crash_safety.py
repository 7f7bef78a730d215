"""kill -9 at the commit points of renames, copies and removals (issue 19): after each kill the library lists
each file once, and the next `docrag ingest --sync` leaves no duplicate, no lost document and no orphan vector.

The killed process is a real `docrag` subprocess that sends itself SIGKILL at a named point
(retrieval/crash_points.py): "paths" (inside the catalog transaction, before its commit), "rename" and "remove"
(after the commit, before vectors of contents no path holds are deleted).
"""
from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.retrieval.cli_helpers import check_vectors_match_catalog, cli_json, documents, search_hits, start_docrag

os.environ.setdefault("HF_HUB_OFFLINE", "1")

pytestmark = pytest.mark.slow

TEXTS = {"manual.md": "# Pump manual\n\nThe zorbulator pump needs priming with water.\n",
         "policy.md": "# Travel policy\n\nEmployees book quillfeather trains for short trips.\n"}


def _word(path: Path) -> str:
    return "zorbulator" if "zorbulator" in path.read_text() else "quillfeather"


def _killed(*args: str, point: str) -> None:
    proc = start_docrag(*args, "--no-images", "-q", DOCRAG_TEST_KILL_AT=point)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL, f"not killed at {point}: rc {proc.returncode}\n{err}"


def _check(store: Path, folder: Path) -> None:
    """The library holds exactly the folder's files, each found under its name, with one vector per view."""
    docs = cli_json("docs", "--store", str(store), "--no-images")["documents"]
    paths = sorted(d["path"] for d in docs)
    assert paths == sorted(str(p.resolve()) for p in folder.iterdir()), paths
    for path in folder.iterdir():
        hits = search_hits(store, _word(path), 3, "--source", path.name)
        assert hits and hits[0]["source"] == path.name, (path.name, hits)
    check_vectors_match_catalog(store)


@pytest.fixture()
def library(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "r"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text)
    store = tmp_path / "store"
    cli_json("ingest", str(folder), "--store", str(store), "--no-images")
    return folder, store


@pytest.mark.parametrize("point", ["paths", "rename"])
def test_kill_during_rename(library: tuple[Path, Path], point: str) -> None:
    folder, store = library
    (folder / "manual.md").rename(folder / "manual-renamed.md")
    _killed("ingest", str(folder), "--store", str(store), "--sync", point=point)
    names = sorted(d["source"] for d in documents(store).values())
    assert names == (["manual.md", "policy.md"] if point == "paths" else ["manual-renamed.md", "policy.md"])
    report = cli_json("ingest", str(folder), "--store", str(store), "--no-images", "--sync")
    assert report["removed"] == [] and report["added"] == [] and report["elements"] == 0
    assert report["renamed"] == ([{"from": "manual.md", "to": "manual-renamed.md"}] if point == "paths" else [])
    _check(store, folder)


@pytest.mark.parametrize("point", ["paths", "rename"])
def test_kill_while_recording_a_copy(library: tuple[Path, Path], point: str) -> None:
    folder, store = library
    shutil.copy(folder / "policy.md", folder / "policy-copy.md")
    _killed("ingest", str(folder), "--store", str(store), "--sync", point=point)
    report = cli_json("ingest", str(folder), "--store", str(store), "--no-images", "--sync")
    assert report["added"] == (["policy-copy.md"] if point == "paths" else []) and report["elements"] == 0
    _check(store, folder)


@pytest.mark.parametrize("point", ["paths", "remove"])
def test_kill_during_sync_removal(library: tuple[Path, Path], point: str) -> None:
    folder, store = library
    (folder / "policy.md").unlink()
    _killed("ingest", str(folder), "--store", str(store), "--sync", point=point)
    report = cli_json("ingest", str(folder), "--store", str(store), "--no-images", "--sync")
    assert report["removed"] == (["policy.md"] if point == "paths" else [])
    _check(store, folder)  # after "remove": the orphan vectors were swept by the next ingest


@pytest.mark.parametrize("point", ["paths", "remove"])
def test_kill_during_remove_command(library: tuple[Path, Path], point: str) -> None:
    folder, store = library
    _killed("remove", "manual.md", "--store", str(store), point=point)
    listed = sorted(d["source"] for d in documents(store).values())
    assert listed == (["manual.md", "policy.md"] if point == "paths" else ["policy.md"])
    if point == "remove":
        (folder / "manual.md").unlink()  # removed from the library: the folder follows for the final check
    cli_json("ingest", str(folder), "--store", str(store), "--no-images", "--sync")
    _check(store, folder)
