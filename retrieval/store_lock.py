"""The ingest lock of a library folder: `<root>/ingest.lock`, an flock plus a thread lock, re-entrant within one
holder. Writers take it; searches do not."""
from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from retrieval.errors import StoreLockedError
from retrieval.store_guard import classify

LOCK_FILE = "ingest.lock"


def _lock_holder(fd: int) -> str:
    """" (pid N)" naming the process that wrote the lock file, when it wrote one."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


class StoreLock:
    """The exclusive ingest lock of `root`. timeout: seconds to wait by default. on_acquire: called each time the
    file lock is taken (not on re-entry), so a writer starts from what the last writer left, not a stale view."""

    def __init__(self, root: Path, timeout: float = 5.0, on_acquire: Callable[[], None] | None = None) -> None:
        self.root = root
        self.timeout = timeout
        self.on_acquire = on_acquire
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock (re-entrant within this object and thread). Waits up to `timeout` seconds (default: the
        lock's timeout), then raises StoreLockedError."""
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        if not self._thread_lock.acquire(timeout=max(wait, 0.0)):
            raise StoreLockedError(f"another ingest is running on {self.root} (in this process); "
                                   f"gave up after {wait:.1f} s")
        try:
            if self._depth == 0:
                self._fd = self._take_file_lock(deadline, wait)
                try:
                    if self.on_acquire is not None:
                        self.on_acquire()
                except BaseException:
                    self._release_file_lock()
                    raise
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release_file_lock()
        finally:
            self._thread_lock.release()

    def _release_file_lock(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _take_file_lock(self, deadline: float, wait: float) -> int:
        """flock the lock file and write our pid into it. The kernel drops an flock when its process dies, however
        it dies (kill -9 included), so a lock file left behind by a dead ingest never blocks: the pid in it is only
        there to name the live holder in the error message."""
        path = self.root / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:  # a read-only store, or a full disk: every write starts here
            raise classify(err, self.root, path) or err from err
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                return fd
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    holder = _lock_holder(fd)
                    os.close(fd)
                    raise StoreLockedError(f"another ingest is running on {self.root}{holder} (lock file "
                                           f"{path}); gave up after {wait:.1f} s; run again when it has "
                                           "finished") from None
                time.sleep(0.05)
