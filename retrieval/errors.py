"""Errors raised by the library store. Each message names the store folder and says what to do about it."""
from __future__ import annotations


class StoreError(Exception):
    """The store cannot be used as it is (damaged catalog, unknown format, built with another model).

    `str(err)` names the store and says how to rebuild it (delete the store folder and ingest again).
    """


class StoreLockedError(StoreError):
    """Another process (or thread) holds the store's ingest lock; writes must wait for it to finish."""
