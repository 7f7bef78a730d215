"""Parsing in worker processes: same elements as one process, heading paths across page ranges, failures
isolated to their document."""
import os

import pytest

pytest.importorskip("pymupdf")

from docparse import CorruptDocumentError, ParseOptions, parse_document  # noqa: E402
from docparse.parallel import WorkerCrashedError, _run_job, parse_in_workers  # noqa: E402
from tests.pdf_builders import make_bad_files, make_korean_pdf, make_report_pdf  # noqa: E402


def _collect(paths, **kwargs):
    out = {}
    streams = parse_in_workers(paths, **kwargs)
    for stream in streams:
        try:
            out[stream.path.name] = list(stream.elements) if stream.error is None else stream.error
        except Exception as err:  # a range failing mid-stream fails its document (as Library.add records it)
            out[stream.path.name] = err
    return out


def test_workers_give_the_same_elements_as_one_process(tmp_path):
    report = make_report_pdf(tmp_path / "report.pdf")
    korean = make_korean_pdf(tmp_path / "ko.pdf")
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nThe plant opened in 2019.\n", encoding="utf-8")
    options = ParseOptions(assets_dir=tmp_path / "assets")
    # one page per job: the report's headings on pages 1-3 are joined across three ranges
    got = _collect([report, korean, notes], options=options, workers=2, pages_per_job=1)
    for path in (report, korean, notes):
        expected = list(parse_document(path, options).elements)
        assert got[path.name] == expected, path.name
    sections = {e.text[:12]: e.section for e in got["report.pdf"]}
    assert any(s == ("2 Results",) for s in sections.values())


def test_bad_file_fails_alone(tmp_path):
    bad = make_bad_files(tmp_path)["truncated.pdf"]
    good = make_report_pdf(tmp_path / "good.pdf")
    got = _collect([bad, good], workers=2)
    assert isinstance(got["truncated.pdf"], CorruptDocumentError)
    assert len(got["good.pdf"]) > 0


def dying_job(job):
    """Runs in a spawned worker (imported by name): the process dies, as on a segfault, on doomed.pdf."""
    if job.info.source == "doomed.pdf":
        os._exit(3)
    return _run_job(job)


def test_worker_crash_fails_only_its_document(tmp_path):
    doomed = make_report_pdf(tmp_path / "doomed.pdf")
    good = make_korean_pdf(tmp_path / "ko.pdf")
    also_good = make_report_pdf(tmp_path / "after.pdf")
    got = _collect([doomed, good, also_good], workers=2, run_job=dying_job)
    assert isinstance(got["doomed.pdf"], WorkerCrashedError)
    assert "doomed.pdf" in str(got["doomed.pdf"]) and "crashed" in str(got["doomed.pdf"])
    assert got["ko.pdf"] == list(parse_document(good).elements)
    assert got["after.pdf"] == list(parse_document(also_good).elements)


_ORPHAN_PARENT = """
import sys, time
from docparse.base import ParseOptions
from docparse.parallel import _Job, _Pool
pool = _Pool(2, window=4, run_job=str)  # str(job): any picklable callable starts the workers
jobs = [_Job("pdf", None, ParseOptions(), 0, 1) for _ in range(2)]
for job in jobs:
    pool.add(job)
for job in jobs:
    pool.next_result(job)
print(" ".join(str(pid) for pid in pool.executor._processes), flush=True)
time.sleep(600)
"""


def test_workers_leave_when_their_parent_is_killed():
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN_PARENT], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        parent.send_signal(signal.SIGKILL)  # no cleanup runs in the parent: the workers must notice alone
        parent.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_workers_split_the_cores_between_their_layout_sessions(monkeypatch):
    from docparse import layout_model, parallel

    before = layout_model._session_threads
    monkeypatch.setattr(parallel, "usable_cores", lambda: 4)
    pool = parallel._Pool(workers=2, window=2)
    try:
        init_args = pool.executor._initargs
        assert init_args[-1] == 2
        parallel._worker_init(*init_args[:1], None, init_args[-1])  # what each worker runs first
        assert layout_model._session_threads == 2
    finally:
        pool.close()
        layout_model.set_session_threads(before)


def test_on_idle_fires_once_when_the_workers_have_parsed_everything(tmp_path):
    import threading
    import time

    files = [make_report_pdf(tmp_path / f"r{i}.pdf") for i in range(3)]  # 3 pages each: 9 one-page jobs
    calls = []
    streams = parse_in_workers(files, workers=2, pages_per_job=1,
                               on_idle=lambda: calls.append(threading.get_ident()))
    first = next(streams)  # nothing read yet: every job fits the look-ahead window
    deadline = time.monotonic() + 120
    while not calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(calls) == 1 and calls[0] != threading.get_ident()  # from a pool thread, results still unread
    assert len(list(first.elements)) > 0
    assert all(len(list(stream.elements)) > 0 for stream in streams)
    assert len(calls) == 1


def test_on_idle_waits_until_no_more_jobs_are_coming():
    from docparse.base import ParseOptions
    from docparse.parallel import _Job, _Pool

    calls = []
    pool = _Pool(2, window=4, run_job=str, on_idle=lambda: calls.append(1))
    try:
        jobs = [_Job("pdf", None, ParseOptions(), 0, 1) for _ in range(2)]
        for job in jobs:
            pool.add(job)
        for job in jobs:
            pool.next_result(job)
        assert calls == []  # finished, but the caller may still add jobs
        pool.close_intake()
        assert calls == [1]
    finally:
        pool.close()
