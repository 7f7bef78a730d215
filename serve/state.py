"""What every request handler shares: the library access, the ingest queue, the conversations, page images and
the server's settings. One `ServerState` per app, at `app.state.docrag`."""
from __future__ import annotations

import errno
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from serve.access import LibraryAccess
from serve.jobs import JobQueue
from serve.page_view import PageImages
from serve.sessions import Sessions


@dataclass
class ServerState:
    access: LibraryAccess
    jobs: JobQueue
    sessions: Sessions
    pages: PageImages
    max_upload_bytes: int

    @property
    def root(self) -> Path:
        return self.access.root

    def lock_holder(self) -> str | None:
        """When another process holds the store's write lock, a line naming it; None when the store is free
        (or this server's own writer holds it: its jobs queue)."""
        if self.jobs.busy():
            return None
        from retrieval.store_lock import LOCK_FILE
        path = self.root / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None  # no lock file: nobody has written yet
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                return None
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return (f"another process{f' (pid {pid})' if pid else ''} is writing to the library at {self.root} "
                    f"(lock file {path}); try again when it has finished")
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


def server_state(request: Request) -> ServerState:
    """The request's ServerState (a FastAPI dependency)."""
    return request.app.state.docrag
