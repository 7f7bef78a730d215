"""kill -9 during `docrag ingest`, searches during an ingest, two ingests at once, and stale ingest locks.

The ingest runs as a real `docrag` subprocess over a folder of fixture PDFs (tests/pdf_builders.py) and is
SIGKILLed at deterministic points (DOCRAG_TEST_KILL_AT, retrieval/crash_points.py: the process kills itself with
SIGKILL exactly as `kill -9` would) and after random delays. After each kill: `docrag search` answers with hits
of listed documents only, `docrag docs` lists only complete documents, the dead process's lock does not block,
and a re-run completes the library with no duplicate hits and exactly one vector per catalog view.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.pdf_builders import make_chart_table_pdf, make_korean_pdf, make_report_pdf, make_two_column_pdf
from tests.retrieval.cli_helpers import (REPO, check_searchable, check_vectors_match_catalog, cli_env, cli_json,
                                         documents, run_docrag, search_hits, start_docrag)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def pdf_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pdfs")
    make_chart_table_pdf(folder / "a_chart.pdf")
    make_korean_pdf(folder / "b_korean.pdf")
    make_report_pdf(folder / "c_report.pdf")
    make_two_column_pdf(folder / "d_two_column.pdf")
    return folder


def _lock_pid(store: Path) -> int | None:
    try:
        text = (store / "ingest.lock").read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _check_after_kill(store: Path, complete: dict[str, int]) -> dict[str, int]:
    """The store answers and lists only complete documents; returns doc_id -> n_elements as listed. `complete`:
    doc_id -> n_elements of a finished ingest (may be empty when none is known yet)."""
    listed = {doc_id: d["n_elements"] for doc_id, d in documents(store).items()} if store.exists() else {}
    for doc_id, n in listed.items():
        if doc_id in complete:
            assert n == complete[doc_id], f"document {doc_id} listed with {n} of {complete[doc_id]} elements"
    if listed:
        check_searchable(store)
    return listed


def _rerun_and_check(store: Path, folder: Path, seen_after_kills: list[dict[str, int]]) -> None:
    report = cli_json("ingest", str(folder), "--store", str(store), "--no-images")
    assert not report["failed"], report["failed"]
    final = {doc_id: d["n_elements"] for doc_id, d in documents(store).items()}
    assert len(final) == 4 and all(n > 0 for n in final.values())
    for listed in seen_after_kills:  # every document listed after a kill was already complete then
        assert all(final[doc_id] == n for doc_id, n in listed.items()), (listed, final)
    check_searchable(store)
    check_vectors_match_catalog(store)
    again = cli_json("ingest", str(folder), "--store", str(store), "--no-images")
    assert sorted(again["unchanged"]) == sorted(p.name for p in folder.iterdir()) and again["elements"] == 0


@pytest.mark.slow
def test_kill_at_deterministic_points_then_rerun(pdf_folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    seen: list[dict[str, int]] = []
    # One store, killed three times in a row: mid-document (vectors written, catalog not committed), between
    # documents (a commit done, the next not), and while saving the lexical index after the last document.
    for point in ("vectors:2", "commit:2", "lexical"):
        proc = start_docrag("ingest", str(pdf_folder), "--store", str(store), "--no-images", "-q",
                            DOCRAG_TEST_KILL_AT=point)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"not killed at {point}: rc {proc.returncode}\n{err}"
        assert _lock_pid(store) == proc.pid  # the dead process's lock file is left behind ...
        seen.append(_check_after_kill(store, {}))
    assert [len(s) for s in seen] == [1, 3, 4]
    _rerun_and_check(store, pdf_folder, seen)  # ... and does not block the next run


@pytest.mark.slow
def test_kill_after_random_delays_then_rerun(pdf_folder: Path, tmp_path: Path) -> None:
    seed = int(os.environ.get("DOCRAG_KILL_SEED", time.time_ns() % 100_000))
    rng = random.Random(seed)
    store = tmp_path / "store"
    seen: list[dict[str, int]] = []
    for _ in range(2):
        delay = rng.uniform(1.0, 30.0)
        proc = start_docrag("ingest", str(pdf_folder), "--store", str(store), "--no-images", "-q")
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), f"seed {seed}: rc {proc.returncode}"
        seen.append(_check_after_kill(store, {}))
    _rerun_and_check(store, pdf_folder, seen)


_SEARCH_LOOP = textwrap.dedent("""
    import json, sys, time
    from chat.library import Library
    library = Library.open(sys.argv[1], image_search=False)
    stop = sys.argv[2]
    library.search("revenue", k=5)  # models loaded
    print("ready", flush=True)
    log = []
    import os
    while not os.path.exists(stop):
        started = time.time()
        try:
            hits = library.search("quarterly revenue Zentrix", k=5)
            log.append({"t": started, "n": len(hits), "sources": sorted({h.element.source for h in hits})})
        except Exception as err:
            log.append({"t": started, "error": f"{type(err).__name__}: {err}"})
        time.sleep(0.05)
    print(json.dumps(log), flush=True)
""")


@pytest.mark.slow
def test_search_keeps_working_during_an_ingest(pdf_folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = tmp_path / "first"
    first.mkdir()
    (first / "d_two_column.pdf").write_bytes((pdf_folder / "d_two_column.pdf").read_bytes())
    assert run_docrag("ingest", str(first), "--store", str(store), "--no-images", "-q").returncode == 0
    stop = tmp_path / "stop"
    searcher = subprocess.Popen([sys.executable, "-c", _SEARCH_LOOP, str(store), str(stop)], cwd=REPO,
                                env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert searcher.stdout.readline().strip() == "ready", searcher.stderr.read()
        started = time.time()
        ingest = run_docrag("ingest", str(pdf_folder), "--store", str(store), "--no-images", "-q")
        ended = time.time()
        assert ingest.returncode == 0, ingest.stderr
        time.sleep(1.5)  # a few searches after the ingest
    finally:
        stop.touch()
        out, err = searcher.communicate(timeout=120)
    log = json.loads(out.strip().splitlines()[-1])
    errors = [row for row in log if "error" in row]
    assert not errors, errors[:3]
    during = [row for row in log if started <= row["t"] <= ended]
    assert len(during) >= 3, f"only {len(during)} searches ran during the ingest"
    assert all(row["n"] > 0 for row in log)
    after = [row for row in log if row["t"] > ended + 0.2]
    assert after and "c_report.pdf" in after[-1]["sources"], "a running searcher should see documents added since"


@pytest.mark.slow
def test_two_ingests_at_once_serialize_or_fail_clearly(pdf_folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = start_docrag("ingest", str(pdf_folder), "--store", str(store), "--no-images", "-q", "--json")
    deadline = time.monotonic() + 120
    while _lock_pid(store) != first.pid:  # the first holds the lock
        assert first.poll() is None and time.monotonic() < deadline, "first ingest never took the lock"
        time.sleep(0.05)
    second = run_docrag("ingest", str(pdf_folder), "--store", str(store), "--no-images", "-q", "--json")
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert len(json.loads(out)["added"]) == 4
    if second.returncode != 0:  # it gave up waiting: one line naming the store and the holder
        last = second.stderr.strip().splitlines()[-1]
        assert "another ingest is running" in last and str(store) in last and f"pid {first.pid}" in last, last
    else:  # it waited for the lock: everything was already there
        assert len(json.loads(second.stdout)["unchanged"]) == 4
    check_vectors_match_catalog(store)
    check_searchable(store)


def test_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    from retrieval import LibraryIndex
    from tests.retrieval.test_index import HashingEmbedder

    store = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from retrieval import LibraryIndex
            from tests.retrieval.test_index import HashingEmbedder
            index = LibraryIndex(sys.argv[1], HashingEmbedder())
            with index.write_lock():
                print("locked", flush=True)
                time.sleep(600)
        """), str(store)], cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        index = LibraryIndex(store, HashingEmbedder(), lock_timeout=0.3)
        with pytest.raises(Exception, match=f"another ingest is running.*pid {holder.pid}"):
            with index.write_lock():
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert _lock_pid(store) == holder.pid  # stale file, dead pid
    started = time.monotonic()
    with index.write_lock():
        assert _lock_pid(store) == os.getpid()
    assert time.monotonic() - started < 0.3


def test_search_hits_helper_sees_empty_store(tmp_path: Path) -> None:
    """An empty library answers a search with no hits (the baseline every kill check relies on); a folder that
    holds no library at all is a usage error, not an empty result (tests/chat/test_cli_speaks.py)."""
    (tmp_path / "nothing").mkdir()
    cli_json("ingest", str(tmp_path / "nothing"), "--store", str(tmp_path / "empty"), "--no-images")
    assert search_hits(tmp_path / "empty", "anything") == []
