"""Retrieval: text embedders, the catalog and Chroma store, the library index and its search results (Hits).

Names are loaded on first access so that `import retrieval` stays instant (no chromadb, torch or
sentence-transformers until something is used).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import docparse  # noqa: F401  (importing docparse turns the dependencies' telemetry off first)

if TYPE_CHECKING:  # pragma: no cover
    from retrieval.catalog import DocumentRecord
    from retrieval.errors import (StoreDamagedError, StoreError, StoreFullError, StoreLockedError,
                                  StoreReadOnlyError, StoreServerError, StoreUnreadableError)
    from retrieval.hit import Hit
    from retrieval.index import LibraryIndex
    from retrieval.search_filter import SearchFilter
    from retrieval.search_settings import SearchSettings
    from retrieval.text_embedder import DEFAULT_TEXT_MODEL, make_text_embedder

_EXPORTS = {
    "Hit": "retrieval.hit",
    "LibraryIndex": "retrieval.index",
    "DocumentRecord": "retrieval.catalog",
    "SearchSettings": "retrieval.search_settings",
    "SearchFilter": "retrieval.search_filter",
    "make_text_embedder": "retrieval.text_embedder",
    "DEFAULT_TEXT_MODEL": "retrieval.text_embedder",
    "StoreError": "retrieval.errors",
    "StoreLockedError": "retrieval.errors",
    "StoreReadOnlyError": "retrieval.errors",
    "StoreUnreadableError": "retrieval.errors",
    "StoreFullError": "retrieval.errors",
    "StoreServerError": "retrieval.errors",
    "StoreDamagedError": "retrieval.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
