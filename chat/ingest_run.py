"""One `Library.add` run under the ingest lock: hash every file, plan what each one is (retrieval.source_plan:
unchanged, renamed, an identical copy, or new bytes to parse), record renames and copies in one catalog
transaction, parse and store the new bytes (in this process or in worker processes), then, with sync, remove the
paths that are gone. Each step commits on its own, so a run killed between steps leaves a library that the next run
completes from what it finds."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable, Sequence

from chat.ingest_report import FileFailure, IngestTally
from docparse.base import ParseOptions, file_doc_id
from docparse.errors import ParseError
from docparse.registry import open_document
from retrieval.catalog import SourceChange
from retrieval.errors import StoreError
from retrieval.source_plan import SourcePlan, plan_sources

log = logging.getLogger(__name__)

OnFile = Callable[[str, int, int, int], None]


class IngestRun:
    """Ingest `files` into `index`, counting outcomes in `tally`; `on_file(source, pages, done, total)` is called
    as each file ends."""

    def __init__(self, index, options: ParseOptions, tally: IngestTally, on_file: OnFile | None = None) -> None:
        self.index = index
        self.options = options
        self.tally = tally
        self.on_file = on_file
        self.done = 0
        self.total = 0

    def run(self, files: Sequence[Path], workers: int = 1, sync_roots: Iterable[str | Path] | None = None) -> None:
        """Ingest the files (absolute paths); with sync_roots, remove stored paths under them that `files` lacks."""
        self.total = len(files)
        self.index.sweep_if_unswept()  # vectors a killed run left behind, even when this run parses nothing
        plan = plan_sources(self._hash(files), self.index.documents())
        self._record_paths(plan)
        status = plan.status or {}
        if workers == 1 or not plan.parses:
            for path in plan.parses:
                self._finish(path, self._add_one(path, status[path]))
        else:
            self._add_parallel(plan, workers)
        self._copies_of_new(plan)
        if sync_roots is not None:
            present = {str(path) for path in files}
            gone = [r.path for r in self.index.documents() if r.path not in present and _under_any(r.path, sync_roots)]
            self.tally.removed += [record.source for record in self.index.remove_paths(gone)]

    def _finish(self, path: Path, pages: int = 0) -> None:
        self.done += 1
        if self.on_file is not None:
            self.on_file(path.name, pages, self.done, self.total)

    def _hash(self, files: Sequence[Path]) -> dict[Path, str]:
        hashed: dict[Path, str] = {}
        for path in files:
            try:
                hashed[path] = file_doc_id(path)
            except OSError as err:
                self.tally.failed.append(FileFailure(path.name, f"{path.name}: cannot read: {err.strerror or err}"))
                self._finish(path)
        return hashed

    def _record_paths(self, plan: SourcePlan) -> None:
        """Renames and copies of contents already stored: one catalog transaction, nothing embedded."""
        changes = [SourceChange(str(r.path), r.path.name, r.old.doc_id, r.old.path) for r in plan.renames]
        changes += [SourceChange(str(path), path.name, doc_id) for path, doc_id in plan.copies]
        self.index.set_sources(changes)
        for rename in plan.renames:
            self.tally.renamed.append((rename.old.source, rename.path.name))
            log.info("%s was renamed to %s", rename.old.path, rename.path)
        for path, _ in plan.copies:
            getattr(self.tally, (plan.status or {})[path]).append(path.name)
        for path in [*plan.unchanged, *(r.path for r in plan.renames), *(p for p, _ in plan.copies)]:
            if path in plan.unchanged:
                self.tally.unchanged.append(path.name)
            self._finish(path)

    def _copies_of_new(self, plan: SourcePlan) -> None:
        """Paths holding the same new bytes as a path parsed in this run: sources of what that parse stored."""
        for path, doc_id, parsed in plan.copies_of_new:
            if self.index.catalog.document_by_id(doc_id) is None:
                self.tally.failed.append(FileFailure(path.name, f"{path.name}: not stored: it has the same bytes "
                                                                f"as {parsed.name}, which failed"))
            else:
                self.index.set_source(path, path.name, doc_id)
                getattr(self.tally, (plan.status or {})[path]).append(path.name)
            self._finish(path)

    def _add_parallel(self, plan: SourcePlan, workers: int) -> None:
        """Parse in worker processes and store documents as they arrive. The text embedder (where it can) runs on
        the cores the workers leave free until they are done."""
        from docparse.parallel import parse_in_workers, usable_cores

        limit_threads = getattr(self.index.embedder, "limit_threads", None) or _no_thread_limit
        limit_threads(max(1, usable_cores() - workers))
        try:
            for stream in parse_in_workers(list(plan.parses), self.options, workers=workers,
                                           on_idle=lambda: limit_threads(None)):
                self._finish(stream.path, self._add_one(stream.path, (plan.status or {})[stream.path], stream))
        finally:
            limit_threads(None)

    def _add_one(self, path: Path, status: str, parsed=None) -> int:
        """Parse (unless `parsed`, a docparse.parallel.ParsedStream, carries it) and store one file; returns its
        page count (0 when it failed)."""
        try:
            if parsed is None:
                info, elements = open_document(path, self.options)
            elif parsed.error is not None:
                raise parsed.error
            else:
                info, elements = parsed.info, parsed.elements
            self.tally.elements += self.index.add(info, elements)
            self.tally.pages += info.pages
            getattr(self.tally, status).append(path.name)
            return info.pages
        except StoreError:  # the store itself is unusable (damaged, server down): no point trying the next file
            raise
        except ParseError as err:
            self.tally.failed.append(FileFailure(path.name, str(err)))
        except OSError as err:
            from retrieval.store_guard import classify, is_disk_full
            if is_disk_full(err):  # the disk, not this file: the next file would fail the same way
                raise classify(err, self.index.root, Path(err.filename or self.index.root)) from err
            self.tally.failed.append(FileFailure(path.name, f"{path.name}: cannot read: {err.strerror or err}"))
        except Exception as err:  # a parser bug on one file must not stop the batch
            log.exception("unexpected error ingesting %s", path)
            self.tally.failed.append(FileFailure(path.name, f"{path.name}: {type(err).__name__}: {err}"))
        return 0


def _no_thread_limit(threads: int | None) -> None:
    """Stands in for `limit_threads` of embedders that have none (their threads are left as they are)."""


def _under_any(stored_path: str, roots: Iterable[str | Path]) -> bool:
    """Whether a stored document path lies under one of the folders (or is one of the files) given to sync."""
    stored = Path(stored_path)
    for root in roots:
        root = Path(root).resolve()
        if stored == root or root in stored.parents:
            return True
    return False
