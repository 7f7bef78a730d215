"""Parsing in worker processes: documents (and page ranges of long PDFs) in parallel, elements streamed back in
page order per document.

Each PDF is cut into ranges of `pages_per_job` pages; jobs run in a `ProcessPoolExecutor` with the spawn context
(ONNX Runtime and torch threads do not survive fork), each worker keeping its layout models loaded between jobs.
Results are consumed in submission order with a bounded look-ahead window, so memory holds at most a few ranges
per worker however large the batch. Heading paths cross range borders: workers report each heading's font size,
and the main process replays headings through one running path per document, so the elements equal those of a
single-process parse. A worker that dies (segfault, out of memory) breaks the pool; the pool is rebuilt and the
range retried once, and a range that kills a worker twice fails its document only.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from docparse.base import DocumentInfo, ParseOptions
from docparse.cpu import usable_cores
from docparse.element import Element, ElementKind
from docparse.errors import ParseError
from docparse.memory import release_free_memory

logger = logging.getLogger(__name__)

PAGES_PER_JOB = 16
# Jobs each worker may run ahead of the consumer. During `docrag ingest` the consumer (embedding, page images,
# storing) is the main process: with 2 jobs a worker, the workers stalled whenever it lagged, leaving a core idle
# (speed set, 2 cores: 40.7 s; 6 jobs: 39.4 s, idle only at start and end). Memory stays bounded: a finished
# job holds its pages' elements, whose crops are already on disk.
JOBS_AHEAD_PER_WORKER = 6


class WorkerCrashedError(ParseError):
    """A worker process died while parsing a document's pages (the message names the file and pages)."""


@dataclass(frozen=True)
class _Job:
    """Pages [start, stop) of one document (stop None: the whole document, for parsers without page access)."""

    parser: str
    info: DocumentInfo
    options: ParseOptions
    start: int = 0
    stop: int | None = None

    def describe(self) -> str:
        if self.stop is None:
            return self.info.source
        return f"{self.info.source} pages {self.start + 1}-{self.stop}"


@dataclass(frozen=True)
class ParsedStream:
    """One document's outcome: its info and a lazy, page-ordered element stream, or the error that stopped it.

    `elements` raises `WorkerCrashedError` (or the worker's exception) mid-stream if a later range fails."""

    path: Path
    info: DocumentInfo | None
    elements: Iterator[Element] | None
    error: Exception | None = None


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """Leave when the process that started us is gone. A pool's workers wait on their job queue forever, so a
    parent killed with SIGKILL (or Ctrl-C'd mid-ingest) would otherwise leave them running, holding their models."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)


def _worker_init(level: int, parent: int | None = None, session_threads: int | None = None) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if session_threads is not None:
        from docparse.layout_model import set_session_threads

        set_session_threads(session_threads)
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _run_job(job: _Job) -> list[tuple[Element, float | None]]:
    """In a worker: the job's elements, each with its font size when it is a heading (for the replay)."""
    from docparse.registry import get_parser

    parser = get_parser(job.parser)
    try:
        if job.stop is not None and hasattr(parser, "range_elements"):
            return list(parser.range_elements(job.info, job.options, job.start, job.stop))
        return [(e, None) for e in parser.elements(job.info, job.options)]
    finally:
        release_free_memory()  # a job's pages leave freed heap behind; the next job may be another document


class _Pool:
    """A process pool with an ordered, bounded look-ahead queue of jobs, rebuilt when a worker dies.

    `on_idle` is called once, from a pool thread, when every job added so far has finished and none waits (the
    workers have nothing left to do); `close_intake()` says no more jobs will be added. A restart after a worker
    died may call it early (the old futures end before their jobs are resubmitted): it is a hint about free
    cores, never a signal that results are ready."""

    def __init__(self, workers: int, window: int, run_job: Callable = _run_job,
                 on_idle: Callable[[], None] | None = None):
        self.workers, self.window, self.run_job = workers, window, run_job
        self.waiting: deque[_Job] = deque()
        self.inflight: deque[tuple[_Job, Future]] = deque()
        self.executor = self._new_executor()
        self.on_idle = on_idle
        self._unfinished = 0
        self._intake_open = True
        self._lock = threading.Lock()  # guards waiting/_unfinished against the done callbacks' idle check

    def _submit(self, job: _Job) -> Future:
        with self._lock:
            self._unfinished += 1
        return self._launch(job)

    def _launch(self, job: _Job) -> Future:
        """Start a job already counted as unfinished; its end is counted by _job_finished."""
        future = self.executor.submit(self.run_job, job)
        future.add_done_callback(self._job_finished)
        return future

    def _job_finished(self, _: Future) -> None:
        with self._lock:
            self._unfinished -= 1
            idle = self._unfinished == 0 and not self.waiting and not self._intake_open
        if idle:
            self._signal_idle()

    def _signal_idle(self) -> None:
        callback, self.on_idle = self.on_idle, None
        if callback is not None:
            try:
                callback()
            except Exception:  # a hint for the consumer; it must not break the pool's own thread
                logger.exception("the pool's on_idle callback failed")

    def close_intake(self) -> None:
        """No more jobs will be added: from now on, the last job to finish calls on_idle."""
        with self._lock:
            self._intake_open = False
            idle = self._unfinished == 0 and not self.waiting
        if idle:
            self._signal_idle()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init,
                                   initargs=(logging.getLogger().getEffectiveLevel(), os.getpid(),
                                             max(1, usable_cores() // self.workers)))

    def add(self, job: _Job) -> None:
        self.waiting.append(job)
        self._fill()

    def _fill(self) -> None:
        while True:
            with self._lock:  # a job is counted as unfinished before it leaves `waiting`
                if not self.waiting or len(self.inflight) >= self.window:
                    return
                job = self.waiting.popleft()
                self._unfinished += 1
            self.inflight.append((job, self._launch(job)))

    def _restart(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new_executor()
        self.inflight = deque((job, self._submit(job)) for job, _ in self.inflight)

    def next_result(self, job: _Job) -> list[tuple[Element, float | None]]:
        """The result of `job`, which must be the oldest job in flight."""
        head, future = self.inflight.popleft()
        assert head is job, "results must be taken in submission order"
        try:
            return future.result()
        except BrokenProcessPool:
            logger.warning("%s: a worker process died; retrying once in a fresh pool", job.describe())
            self._restart()
            try:
                return self._submit(job).result()
            except BrokenProcessPool:
                self._restart()
                raise WorkerCrashedError(f"{job.describe()}: worker process crashed (twice)") from None
        finally:
            self._fill()

    def discard(self, job: _Job) -> None:
        """Drop a job's result unread (its document already failed or its consumer stopped early)."""
        try:
            self.next_result(job)
        except Exception:  # the document's outcome is already decided
            pass

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _jobs_for(parser_name: str, parser, info: DocumentInfo, options: ParseOptions, pages_per_job: int) -> list[_Job]:
    if not hasattr(parser, "range_elements") or info.pages <= pages_per_job:
        stop = info.pages if hasattr(parser, "range_elements") else None
        return [_Job(parser_name, info, options, 0, stop)]
    return [_Job(parser_name, info, options, start, min(start + pages_per_job, info.pages))
            for start in range(0, info.pages, pages_per_job)]


def _replay_sections(pairs: Iterable[tuple[Element, float | None]], sections) -> Iterator[Element]:
    """Rewrite section paths with one running heading path for the whole document."""
    for element, size in pairs:
        if element.kind is ElementKind.TITLE and size is not None:
            sections.push(element.text, size)
            yield replace(element, section=sections.path()[:-1])
        else:
            yield replace(element, section=sections.body_path())


def parse_in_workers(paths: Sequence[str | Path], options: ParseOptions | None = None, workers: int = 2,
                     pages_per_job: int = PAGES_PER_JOB, run_job: Callable = _run_job,
                     on_idle: Callable[[], None] | None = None) -> Iterator[ParsedStream]:
    """Parse files in `workers` processes; yields one `ParsedStream` per path, in input order.

    Validation (`DocumentParser.open`) runs here, so bad files fail fast with their usual `ParseError`. Each
    stream's elements should be consumed before the next stream is taken; what is left unread is discarded.
    `run_job`: the function a worker runs per job, importable by name (tests replace it to kill a worker).
    `on_idle`: called once, from another thread, when the workers have parsed everything (results may still be
    unread): the consumer may then take the cores the workers held."""
    from docparse.empty_parse import require_elements
    from docparse.heading_path import HeadingPath
    from docparse.registry import get_parser, parser_name_for

    options = options or ParseOptions()
    pool = _Pool(max(1, workers), window=max(2, JOBS_AHEAD_PER_WORKER * workers), run_job=run_job,
                 on_idle=on_idle)
    try:
        planned: list[tuple[Path, DocumentInfo | None, list[_Job], Exception | None]] = []
        for raw in paths:
            path = Path(raw)
            try:
                name = parser_name_for(path)
                parser = get_parser(name)
                info = parser.open(path, options)
                jobs = _jobs_for(name, parser, info, options, pages_per_job)
                planned.append((path, info, jobs, None))
            except Exception as err:  # reported in order, as the single-process path would
                planned.append((path, None, [], err))
        for _, _, jobs, _ in planned:
            for job in jobs:
                pool.add(job)
        pool.close_intake()
        for path, info, jobs, error in planned:
            if error is not None:
                yield ParsedStream(path, None, None, error)
                continue
            pending = deque(jobs)

            def stream(pending: deque = pending) -> Iterator[Element]:
                sections = HeadingPath()
                while pending:
                    job = pending.popleft()
                    pairs = pool.next_result(job)
                    if job.stop is None:
                        yield from (e for e, _ in pairs)
                    else:
                        yield from _replay_sections(pairs, sections)

            elements = require_elements(info, options, stream())
            yield ParsedStream(path, info, elements)
            elements.close()
            while pending:  # the consumer stopped early or the stream raised: drop the rest of this document
                pool.discard(pending.popleft())
    finally:
        pool.close()
