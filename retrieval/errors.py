"""Errors raised by the library store. Each message names the store folder (and the file, where one is at fault)
and says what to do about it. Only StoreDamagedError suggests a rebuild, and a rebuild never deletes documents:
`docrag ingest --rebuild` re-makes vectors and indexes from the catalog and the files still present."""
from __future__ import annotations


class StoreError(Exception):
    """The store cannot be used as it is; `str(err)` names it and says what to do."""


class StoreLockedError(StoreError):
    """Another process (or thread) holds the store's ingest lock; writes must wait for it to finish."""


class StoreReadOnlyError(StoreError):
    """This user may read the store but not write it: searches work, ingest and remove do not."""


class StoreUnreadableError(StoreError):
    """File permissions keep this user from reading the store (nothing in it is damaged)."""


class StoreFullError(StoreError):
    """The disk holding the store is full; the write that failed was rolled back, nothing stored was lost."""


class StoreServerError(StoreError):
    """The store keeps its vectors on a Chroma server that was not given or cannot be reached."""


class StoreDamagedError(StoreError):
    """A part of the store is damaged or missing; the message ends with the rebuild command."""


class NoLibraryError(StoreError):
    """A command that reads a library was pointed at a folder that holds none (nothing was created)."""


class UnknownSourceError(ValueError):
    """A search or question was restricted to a file name that no stored document has; the message lists the
    close names."""
