"""One ingest from start to end, in the order that keeps the library consistent:

    with index.ingest(options, workers=4, progress=on_event, cancel=stop) as session:
        session.add(files, sync_roots=roots)
    report = session.report

Entering takes the ingest lock, sweeps page folders of documents not held (before parse workers write new ones)
and marks the CLIP route "maybe incomplete". Each add plans, parses and stores its files (retrieval.ingest_run).
Leaving re-embeds documents whose vectors are missing, rebuilds the lexical index when something changed, lets go
of the lock, waits for CLIP and offers it what it lacks, then freezes the report. A cancel (a threading.Event)
stops between documents: what was stored stays stored, and the report says `cancelled`.

write_guard (optional, a callable returning a context manager): held from entering (before the lock is taken, which
may reopen stale vector stores) to leaving, except while files are hashed or parsed, or CLIP is still loading
(retrieval.write_guard). So every step that writes the store or changes what a search reads runs inside it: the
sweeps, each document's catalog + vectors + images, the lexical rebuild, the CLIP backfill. A server passes its
readers-writer lock's write side, so its searches wait for store writes, not parses (serve.access). Without one,
nothing changes.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from docparse.base import ParseOptions
from retrieval.ingest_events import IngestEvent, Progress
from retrieval.ingest_report import FileFailure, IngestReport, IngestTally
from retrieval.ingest_run import IngestRun
from retrieval.write_guard import GuardHold, WriteGuard

log = logging.getLogger(__name__)


class IngestSession:
    """An ingest into `index` (a retrieval.index.LibraryIndex) with parse `options`; `workers` > 1 parses in
    that many processes (docparse.parallel), embedding and storing stay in this process, one document at a
    time. Use it as a context manager; `report` is set on a normal exit. write_guard: see the module's doc."""

    def __init__(self, index, options: ParseOptions, *, workers: int = 1, progress: Progress | None = None,
                 cancel: Any = None, write_guard: WriteGuard | None = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.index = index
        self.options = options
        self.workers = workers
        self.progress = progress
        self.cancel = cancel
        self.hold = GuardHold(write_guard)
        self.parse_first = write_guard is not None
        self.tally = IngestTally()
        self.report: IngestReport | None = None
        self._files_seen = 0
        self._started = 0.0
        self._lock = None
        self._images_were_complete = False
        self._preloading: threading.Thread | None = None

    def __enter__(self) -> "IngestSession":
        self._started = time.monotonic()
        self.hold.hold()  # before the lock: taking it reopens stale vector stores (VectorFreshness.follow)
        try:
            self._lock = self.index.write_lock()
            self._lock.__enter__()
        except BaseException:
            self.hold.let_go()
            raise
        try:
            self.index.cleanup.sweep_pages_once()  # before the parser writes page images of documents not stored
            self._images_were_complete = self.index.clip.open_changes()
        except BaseException as err:
            lock, self._lock = self._lock, None
            try:
                lock.__exit__(type(err), err, err.__traceback__)
            finally:
                self.hold.let_go()
            raise
        return self

    def add(self, files: Sequence[Path], sync_roots: Iterable[str | Path] | None = None,
            skipped: Iterable[FileFailure] = ()) -> None:
        """Ingest these files (absolute paths, see chat.file_discovery.expand_paths); with sync_roots, remove the
        stored paths under those roots that `files` lacks. skipped: files the caller left out, for the report."""
        if self._lock is None:
            raise RuntimeError("IngestSession.add runs inside `with index.ingest(...) as session:`")
        self.tally.skipped += list(skipped)
        self._files_seen += len(files)
        if files and self._preloading is None:
            from retrieval.search_routes import preload_lexical
            self._preloading = preload_lexical()
        IngestRun(self.index, self.options, self.tally, self.progress, self.cancel, self.hold,
                  self.parse_first).run(
            list(files), self.workers, sync_roots=sync_roots)

    def __exit__(self, kind, error, trace) -> None:
        try:
            try:
                if error is None:
                    self._close_writes()
            finally:
                if self._preloading is not None:
                    self._preloading.join()  # an import cut off by the interpreter's exit would print errors
                lock, self._lock = self._lock, None
                lock.__exit__(kind, error, trace)  # type: ignore[union-attr]
            if error is None:
                self._close_images()
        finally:
            self.hold.let_go()
        if error is None:
            self.report = self.tally.freeze(time.monotonic() - self._started)
            if self.report.failed:
                log.warning("%d of %d files failed: %s", len(self.report.failed), self._files_seen,
                            "; ".join(f.error for f in self.report.failed))
            if self.progress is not None:
                self.progress(IngestEvent("finished", self._files_seen, self._files_seen))

    def _close_writes(self) -> None:
        from retrieval.store_repair import repair_missing_vectors  # after the adds: Chroma is open then

        tally = self.tally
        tally.repaired = [record.source for record in repair_missing_vectors(self.index)]
        if tally.added or tally.updated or tally.removed or tally.renamed:
            self.index.refresh_lexical()  # rebuild BM25 now, so the first search after an ingest does not pay

    def _close_images(self) -> None:
        from retrieval.store_repair import images_short

        if self.index.clip.loading:
            with self.hold.released():
                self.index.clip.wait_for_load()  # the model's load (seconds) outside the guard; attaching it inside
        self.index.settle_images()  # CLIP in place before returning, also when no document reached an image step
        complete = self._images_were_complete and not self.tally.repaired and not images_short(self.index)
        self.index.close_image_changes(complete)
