"""The server's one Library and the rules for using it from many request threads at once.

Reads (search, ask, page images, the document list) share a readers-writer lock; a write (a delete, each store
write of an ingest) holds it alone, so it never runs in the middle of a search. Parsing holds only the writer lock
(one ingest at a time), so searches go on while a file is parsed.
Components are built once, before the first request, because two threads must not race to build them. A request's
`llm` choice gets its own answer backend over the same index (`Library.with_llm`): no retrieval model is loaded
twice.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from chat.library import Library
from retrieval.store_guard import require_library
from serve.rwlock import ReadWriteLock

log = logging.getLogger(__name__)

# Answer backends kept for request-chosen models (each may hold a client or a loaded model).
_MAX_BACKENDS = 4


class LibraryAccess:
    """`library` shared by the server's threads; `reading()` / `writing()` give it under the lock."""

    def __init__(self, library: Library, lock_timeout: float | None = None) -> None:
        self.library = library
        self.lock_timeout = lock_timeout
        self.lock = ReadWriteLock()
        self._built = threading.Lock()
        self._writer = threading.Lock()  # one store write at a time in this process
        self._ready = False
        self._twins: OrderedDict[str, Library] = OrderedDict()
        self._twins_lock = threading.Lock()

    @property
    def root(self) -> Path:
        return Path(self.library.config.root)

    def warm_up(self) -> None:
        """Build the index (text embedder, vector store, catalog) now, once; the lexical index loads with a first
        search when the library holds documents."""
        with self._built:
            if self._ready:
                return
            index = self.library.index
            if self.lock_timeout is not None:
                index.lock_timeout = self.lock_timeout
            if index.element_count():
                self.library.search("warm up", k=1)
            self._ready = True

    @contextmanager
    def reading(self) -> Iterator[Library]:
        self.warm_up()
        with self.lock.reading():
            self._check_store()
            yield self.library

    @contextmanager
    def writing(self) -> Iterator[Library]:
        """The library alone: no search or answer runs meanwhile (a delete)."""
        self.warm_up()
        with self._writer, self.lock.writing():
            yield self.library

    @contextmanager
    def ingesting(self) -> Iterator[Library]:
        """The library for adding files: one ingest (or delete) at a time in this process, but searches go on.
        The ingest passes `store_write` as its write_guard, which it holds except while it hashes or parses a file
        (retrieval.write_guard): searches wait while a document is written (embedding, catalog, vectors, images,
        lexical rebuild), never while one is parsed. They must not run during a write:
        a search that sees the vectors changed reopens the vector store's clients, which must not happen under a
        running write in this process (measured: bench/results/serve.md)."""
        self.warm_up()
        with self._writer:
            yield self.library

    def store_write(self):
        """The library alone for one store write inside `ingesting()` (a context manager)."""
        return self.lock.writing()

    def _check_store(self) -> None:
        # The folder may be moved away or emptied while the server runs; a fresh, empty one is an empty library.
        if not self.root.is_dir() or any(self.root.iterdir()):
            require_library(self.root)

    def answering(self, llm: str | None) -> Library:
        """The library answering with `llm` (None: the server's own model)."""
        if not llm or llm == self.library.config.llm_spec:
            return self.library
        with self._twins_lock:
            twin = self._twins.get(llm)
            if twin is None:
                twin = self.library.with_llm(llm)
                twin.backend  # noqa: B018  (built now: a spec that names no backend is the request's error)
                self._twins[llm] = twin
                while len(self._twins) > _MAX_BACKENDS:
                    self._twins.popitem(last=False)
            self._twins.move_to_end(llm)
            return twin
