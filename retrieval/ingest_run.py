"""The files of one ingest, under the ingest lock: hash every file, plan what each one is (retrieval.source_plan:
unchanged, renamed, an identical copy, or new bytes to parse), record renames and copies in one catalog
transaction, parse and store the new bytes (in this process or in worker processes), then, with sync, remove the
paths that are gone. Each step commits on its own, so a run killed (or cancelled) between steps leaves a library
that the next run completes from what it finds. A `hold` (retrieval.write_guard, the session's write guard) is
held throughout and let go only while files are hashed or parsed."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable, Sequence

from docparse.base import ParseOptions, file_doc_id
from docparse.errors import ParseError
from docparse.registry import open_document
from retrieval.catalog import SourceChange
from retrieval.compute_threads import limit_embedder_threads
from retrieval.errors import StoreError
from retrieval.ingest_events import IngestEvent, Progress
from retrieval.ingest_report import FileFailure, IngestTally
from retrieval.source_plan import SourcePlan, plan_sources
from retrieval.write_guard import GuardHold

log = logging.getLogger(__name__)


class IngestRun:
    """Ingest `files` into `index`, counting outcomes in `tally`; `progress(IngestEvent)` hears each file as it
    ends; `cancel` (anything with is_set(), e.g. a threading.Event) stops the run before the next document;
    `hold` (a GuardHold, held by the caller) is let go while files are hashed or parsed; with `parse_first`, each
    document is parsed whole before its write (the parsers' element streams are lazy), so no parsing happens
    while the guard is held."""

    def __init__(self, index, options: ParseOptions, tally: IngestTally, progress: Progress | None = None,
                 cancel: Any = None, hold: GuardHold | None = None, parse_first: bool = False) -> None:
        self.index = index
        self.options = options
        self.tally = tally
        self.progress = progress
        self.cancel = cancel
        self.hold = hold or GuardHold()
        self.parse_first = parse_first
        self.done = 0
        self.total = 0

    def cancelled(self) -> bool:
        """Whether the caller asked to stop (recorded in the tally the first time it is seen)."""
        if self.cancel is not None and self.cancel.is_set():
            if not self.tally.cancelled:
                self.tally.cancelled = True
                self._emit(IngestEvent("cancelled", self.done, self.total))
            return True
        return False

    def run(self, files: Sequence[Path], workers: int = 1, sync_roots: Iterable[str | Path] | None = None) -> None:
        """Ingest the files (absolute paths); with sync_roots, remove stored paths under them that `files` lacks
        (not when cancelled: the files not reached are not gone)."""
        self.total = len(files)
        self._emit(IngestEvent("started", 0, self.total))
        self.index.sweep_if_unswept()  # vectors a killed run left behind, even when this run parses nothing
        if self.cancelled():
            return
        with self.hold.released():
            hashed = self._hash(files)
        plan = plan_sources(hashed, self.index.documents())
        self._record_paths(plan)
        status = plan.status or {}
        if workers == 1 or not plan.parses:
            for path in plan.parses:
                if self.cancelled():
                    return
                self._finish(path, *self._add_one(path, status[path]))
        else:
            self._add_parallel(plan, workers)
        if self.cancelled():
            return
        self._copies_of_new(plan)
        if sync_roots is not None:
            present = {str(path) for path in files}
            gone = [r.path for r in self.index.documents() if r.path not in present and _under_any(r.path, sync_roots)]
            self.tally.removed += [record.source for record in self.index.remove_paths(gone)]

    def _emit(self, event: IngestEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def _finish(self, path: Path, status: str, pages: int = 0, error: str | None = None) -> None:
        self.done += 1
        self._emit(IngestEvent("file", self.done, self.total, path.name, status, pages, error))

    def _fail(self, path: Path, error: str) -> tuple[str, int, str]:
        self.tally.failed.append(FileFailure(path.name, error))
        return "failed", 0, error

    def _hash(self, files: Sequence[Path]) -> dict[Path, str]:
        hashed: dict[Path, str] = {}
        for path in files:
            try:
                hashed[path] = file_doc_id(path)
            except OSError as err:
                self._finish(path, *self._fail(path, f"{path.name}: cannot read: {err.strerror or err}"))
        return hashed

    def _record_paths(self, plan: SourcePlan) -> None:
        """Renames and copies of contents already stored: one catalog transaction, nothing embedded."""
        changes = [SourceChange(str(r.path), r.path.name, r.old.doc_id, r.old.path) for r in plan.renames]
        changes += [SourceChange(str(path), path.name, doc_id) for path, doc_id in plan.copies]
        self.index.set_sources(changes)
        status = plan.status or {}
        for rename in plan.renames:
            self.tally.renamed.append((rename.old.source, rename.path.name))
            log.info("%s was renamed to %s", rename.old.path, rename.path)
        for path, _ in plan.copies:
            getattr(self.tally, status[path]).append(path.name)
        for path in plan.unchanged:
            self.tally.unchanged.append(path.name)
        for path in plan.unchanged:
            self._finish(path, "unchanged")
        for rename in plan.renames:
            self._finish(rename.path, "renamed")
        for path, _ in plan.copies:
            self._finish(path, status[path])

    def _copies_of_new(self, plan: SourcePlan) -> None:
        """Paths holding the same new bytes as a path parsed in this run: sources of what that parse stored."""
        for path, doc_id, parsed in plan.copies_of_new:
            if self.index.catalog.document_by_id(doc_id) is None:
                self._finish(path, *self._fail(path, f"{path.name}: not stored: it has the same bytes as "
                                                     f"{parsed.name}, which failed"))
            else:
                self.index.set_source(path, path.name, doc_id)
                status = (plan.status or {})[path]
                getattr(self.tally, status).append(path.name)
                self._finish(path, status)

    def _add_parallel(self, plan: SourcePlan, workers: int) -> None:
        """Parse in worker processes and store documents as they arrive. The text embedder (where it can) runs on
        the cores the workers leave free until they are done."""
        from docparse.cpu import usable_cores
        from docparse.parallel import parse_in_workers

        embedder = self.index.embedder
        limit_embedder_threads(embedder, max(1, usable_cores() - workers))
        streams = parse_in_workers(list(plan.parses), self.options, workers=workers,
                                   on_idle=lambda: limit_embedder_threads(embedder, None))
        try:
            for stream in self.hold.released_iter(streams):  # waiting for the workers' parse
                if self.cancelled():
                    break
                self._finish(stream.path, *self._add_one(stream.path, (plan.status or {})[stream.path], stream))
        finally:
            streams.close()  # stops the workers (also when cancelled with documents still queued)
            limit_embedder_threads(embedder, None)

    def _add_one(self, path: Path, status: str, parsed=None) -> tuple[str, int, str | None]:
        """Parse (unless `parsed`, a docparse.parallel.ParsedStream, carries it) and store one file; returns its
        status, page count and error (status "failed" with the reason when it failed)."""
        try:
            with self.hold.released():
                if parsed is None:
                    info, elements = open_document(path, self.options)
                elif parsed.error is not None:
                    raise parsed.error
                else:
                    info, elements = parsed.info, parsed.elements
                if self.parse_first:
                    elements = list(elements)
                    self.index.clip.wait_for_load()  # its image step would wait for CLIP with the guard held
            self.tally.elements += self.index.add(info, elements)
            self.tally.pages += info.pages
            getattr(self.tally, status).append(path.name)
            return status, info.pages, None
        except StoreError:  # the store itself is unusable (damaged, server down): no point trying the next file
            raise
        except ParseError as err:
            return self._fail(path, str(err))
        except OSError as err:
            from retrieval.store_guard import classify, is_disk_full
            if is_disk_full(err):  # the disk, not this file: the next file would fail the same way
                raise classify(err, self.index.root, Path(err.filename or self.index.root)) from err
            return self._fail(path, f"{path.name}: cannot read: {err.strerror or err}")
        except Exception as err:  # a parser bug on one file must not stop the batch
            log.exception("unexpected error ingesting %s", path)
            return self._fail(path, f"{path.name}: {type(err).__name__}: {err}")


def _under_any(stored_path: str, roots: Iterable[str | Path]) -> bool:
    """Whether a stored document path lies under one of the folders (or is one of the files) given to sync."""
    stored = Path(stored_path)
    for root in roots:
        root = Path(root).resolve()
        if stored == root or root in stored.parents:
            return True
    return False
