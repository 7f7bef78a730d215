"""What a tool-calling client may do with one library: list its documents, search, ask, fetch a page image.

Transport-agnostic (serve.mcp_server puts these on MCP). Results are the CLI's JSON objects (docs/design.md, CLI
contract), whose hits and citations carry `doc_id`, so that a client can fetch the cited page with `get_page`. Every call first checks that the library is still there, and one lock serialises calls: one Library
(one copy of each model) serves them all, and its components are built on first use, which two threads must not
race.
"""
from __future__ import annotations

import shlex
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from chat.library import Library
from retrieval.document_record import DocumentRecord
from retrieval.store_guard import require_library
from serve.page_png import page_png

# How many stored documents an unknown-id error lists (the rest: `list_documents`).
_LISTED_CHOICES = 10


class ToolInputError(ValueError):
    """A call named something the library does not hold, or the library holds nothing to search."""


class LibraryTools:
    """The tool calls over `library`; each raises an exception whose message says what is wrong."""

    def __init__(self, library: Library):
        self.library = library
        self._lock = threading.Lock()

    @property
    def root(self):
        return self.library.config.root

    @contextmanager
    def _using(self) -> Iterator[Library]:
        with self._lock:
            require_library(self.root)  # the folder may be moved or emptied while the server runs
            yield self.library

    def warm_up(self) -> None:
        """Load the text embedder, vector store and lexical index now, so the first search does not wait."""
        with self._using() as library:
            if library.documents():
                library.search("warm up", k=1)

    def list_documents(self) -> dict[str, Any]:
        """`docrag docs --json`: {"documents": [{doc_id, source, path, pages, format, n_elements, added_at}],
        "image_search": {state, reason}}."""
        with self._using() as library:
            return {"documents": [r.to_dict() for r in library.documents()],
                    "image_search": library.image_search_state()}

    def search(self, query: str, k: int = 5, source: str | None = None) -> dict[str, Any]:
        """`docrag search --json`: {"query", "hits": [...]}, each hit with its `doc_id`."""
        if not query.strip():
            raise ToolInputError("empty query: say what to look for")
        with self._using() as library:
            self._require_documents(library)
            hits = library.search(query, k=k, sources=[source] if source else None)
        return {"query": query, "hits": [h.to_contract() for h in hits]}

    def ask(self, question: str) -> dict[str, Any]:
        """`docrag ask --json`: {"question", "answer", "mode", "model", "citations": [...], ...}, each citation
        with its `doc_id`."""
        with self._using() as library:
            self._require_documents(library)
            answer = library.ask(question)
        return answer.to_contract()

    def get_page(self, doc_id: str, page: int) -> tuple[DocumentRecord, bytes]:
        """The stored document `doc_id` (or file name) and PNG bytes of its 1-based `page`."""
        with self._using() as library:
            record = self._document(library, doc_id)
            return record, page_png(self.root, record, page)

    def _require_documents(self, library: Library) -> None:
        if not library.documents():
            where = shlex.quote(str(self.root))
            raise ToolInputError(f"the library at {self.root} holds no documents yet (add some with docrag ingest "
                                 f"PATH --store {where})")

    def _document(self, library: Library, wanted: str) -> DocumentRecord:
        """The record whose doc_id is `wanted`, else the one stored under that file name."""
        records = library.documents()
        for record in records:
            if record.doc_id == wanted:
                return record
        named = {record.doc_id: record for record in records if record.source == wanted}
        if len(named) == 1:
            return next(iter(named.values()))
        if named:
            raise ToolInputError(f"{len(named)} different documents are named {wanted!r}; give one doc_id: "
                                 + ", ".join(named))
        choices = ", ".join(f"{r.doc_id} ({r.source})" for r in records[:_LISTED_CHOICES])
        more = f" and {len(records) - _LISTED_CHOICES} more (see list_documents)" if len(records) > _LISTED_CHOICES \
            else ""
        held = f"it holds {choices}{more}" if records else "it holds no documents"
        raise ToolInputError(f"no document {wanted!r} in the library at {self.root}: {held}")
