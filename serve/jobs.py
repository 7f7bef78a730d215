"""Ingest jobs: uploads queue up and one writer thread adds them to the library, one file at a time.

The store has a single writer, so jobs never run concurrently: a second upload waits in the queue ("queued") until
the first is done. A file that cannot be read fails its own entry (`failed: [{source, error}]`), never the job's
other files or the server. State per job: queued -> running -> done, or failed when no file could be added.
A cancel (`JobQueue.cancel`) ends a queued job at once and a running one between documents; the job is then
"done" with `cancelled: true`, keeping what was stored before it.
"""
from __future__ import annotations

import itertools
import logging
import queue
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serve.access import LibraryAccess

log = logging.getLogger(__name__)

# Finished jobs kept for GET /api/jobs/{id}; the oldest finished ones are forgotten first.
MAX_KEPT_JOBS = 200


@dataclass
class Job:
    """One upload's ingest; `version` grows with every change, so a watcher can wait for the next one."""

    id: str
    files: list[tuple[str, Path]]  # (file name as uploaded, where it waits in the incoming folder)
    state: str = "queued"
    files_done: int = 0
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    elements: int = 0
    current: str | None = None
    cancelled: bool = False
    version: int = 0
    created: float = field(default_factory=time.time)
    stop: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)  # set by a cancel

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_contract(self) -> dict[str, Any]:
        """GET /api/jobs/{id}: {"job", "state", "files_done", "files_total", "added", "failed", ...}."""
        return {"job": self.id, "state": self.state, "files_done": self.files_done, "files_total": len(self.files),
                "added": list(self.added), "failed": [dict(f) for f in self.failed],
                "unchanged": list(self.unchanged), "elements": self.elements, "current": self.current,
                "cancelled": self.cancelled}


class JobQueue:
    """Queues jobs and runs them on one writer thread, in order. `uploads` is where added files are kept."""

    def __init__(self, access: LibraryAccess, uploads: Path) -> None:
        self.access = access
        self.uploads = uploads
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._changed = threading.Condition()
        self._counter = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="docrag-writer", daemon=True)
        self._thread.start()

    def submit(self, files: list[tuple[str, Path]]) -> Job:
        """Queue (file name, incoming path) pairs as one job."""
        job = Job(id=f"{next(self._counter)}-{secrets.token_hex(4)}", files=files)
        with self._changed:
            self._jobs[job.id] = job
            self._forget_old()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._changed:
            return self._jobs.get(job_id)

    def busy(self) -> bool:
        """Whether a job is queued or running (this process then holds, or will take, the store's lock)."""
        with self._changed:
            return any(not job.finished for job in self._jobs.values())

    def snapshot(self, job: Job) -> tuple[int, dict[str, Any]]:
        with self._changed:
            return job.version, job.to_contract()

    def cancel(self, job: Job) -> None:
        """Stop `job`: a queued one ends now (its files are dropped), a running one after the document being
        written (what was stored stays). A finished job is left as it is."""
        with self._changed:
            if job.finished:
                return
            job.stop.set()
            queued = job.state == "queued"
            if queued:
                job.state, job.cancelled = "done", True
                job.version += 1
                self._changed.notify_all()
        if queued:
            _drop_incoming(job)

    def wait_for_change(self, job: Job, seen: int, timeout: float) -> None:
        """Return when `job` changed after version `seen`, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: job.version != seen, timeout=timeout)

    def close(self) -> None:
        self._queue.put(None)

    def _update(self, job: Job, **changes: Any) -> None:
        with self._changed:
            for name, value in changes.items():
                setattr(job, name, value)
            job.version += 1
            self._changed.notify_all()

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.finished]
        for job in sorted(finished, key=lambda j: j.created)[:max(0, len(self._jobs) - MAX_KEPT_JOBS)]:
            del self._jobs[job.id]

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._run_job(job)
            except Exception as err:  # a bug must not stop the writer: the next job still runs
                log.exception("ingest job %s failed", job.id)
                self._update(job, state="failed", current=None,
                             failed=job.failed + [{"source": "(job)", "error": f"{type(err).__name__}: {err}"}])

    def _start(self, job: Job) -> bool:
        """queued -> running, unless a cancel ended the job while it waited."""
        with self._changed:
            if job.finished:
                return False
            job.state = "running"
            job.version += 1
            self._changed.notify_all()
            return True

    def _run_job(self, job: Job) -> None:
        if not self._start(job):
            return
        cut_short = False  # a cancel that came after the last file changes nothing
        for name, incoming in job.files:
            if job.stop.is_set():
                cut_short = True
                break
            self._update(job, current=name)
            added, unchanged, failed, elements = list(job.added), list(job.unchanged), list(job.failed), job.elements
            try:
                report = self._add_one(name, incoming, job.stop)
            except Exception as err:  # the store refused (locked, full, read-only) or the parser broke
                log.warning("could not add %s: %s", name, err)
                failed.append({"source": name, "error": str(err) or type(err).__name__})
            else:
                added += [*report.added, *report.updated, *(new for _old, new in report.renamed)]
                unchanged += report.unchanged
                failed += [f.to_dict() for f in (*report.failed, *report.skipped)]
                elements += report.elements
                cut_short = cut_short or report.cancelled
            self._update(job, files_done=job.files_done + 1, added=added, unchanged=unchanged, failed=failed,
                         elements=elements)
        _drop_incoming(job)
        if cut_short:
            self._update(job, state="done", cancelled=True, current=None)
            return
        state = "failed" if job.failed and not (job.added or job.unchanged) else "done"
        self._update(job, state=state, current=None)

    def _add_one(self, name: str, incoming: Path, stop: threading.Event):
        """Move the upload to its place under `uploads` and add it: a file of the same name is replaced, so
        uploading a new version of report.pdf updates the stored report.pdf."""
        target = self.uploads / name
        with self.access.ingesting() as library:
            self.uploads.mkdir(parents=True, exist_ok=True)
            incoming.replace(target)  # atomic; the stored document keeps its own page images until replaced
            report = library.add([target], cancel=stop, write_guard=self.access.store_write)
            if not report.added and not report.updated and not report.unchanged and not report.renamed:
                with self.access.store_write():
                    stored = {record.path for record in library.documents()}
                    if str(target.resolve()) not in stored and str(target) not in stored:
                        target.unlink(missing_ok=True)  # nothing was stored from it: keep no orphan upload
            return report


def _drop_incoming(job: Job) -> None:
    """Delete the job's incoming folder (files not reached, when cancelled)."""
    if job.files:
        shutil.rmtree(job.files[0][1].parent, ignore_errors=True)
