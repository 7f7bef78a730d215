"""Per-document cache of the lexical index's rows: each view's terms and its filter metadata, so that rebuilding
BM25 after an ingest tokenizes only the documents that are new since the last build.

BM25's idf depends on the whole collection, so the matrix itself is rebuilt whenever the catalog changes
(retrieval.lexical_index); what does not change is a stored document's terms. A document's entry is keyed by its
doc_id (a hash of the file's bytes) and checked against the catalog record it was made from (added_at and the
element count: re-adding the same bytes with other parse options makes a new record), so a stale entry is never
used. Entries live in `<root>/lexical/terms/<tokenizer>-f<TERMS_FORMAT>/<doc_id>.npz`, written to a temporary
name and renamed; an unreadable one is simply made again. Entries of documents no longer stored are dropped by
`keep_only`.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from docparse.element import Element
from retrieval.catalog import DocumentRecord
from retrieval.element_text import embedding_views

log = logging.getLogger(__name__)

TERMS_DIR = "terms"
# Bump when what a row holds changes (retrieval.element_text.embedding_views, or the arrays below).
TERMS_FORMAT = 2
# Terms are stored as one string joined by this (a control character no tokenizer keeps): a fixed-width array of
# terms would pad every term to the longest one.
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class DocumentRows:
    """One document's lexical rows: per view, its terms and the element's id, source, kind and page."""

    element_ids: list[str]
    sources: list[str]
    kinds: list[str]
    pages: list[int]
    terms: list[list[str]]

    @classmethod
    def of(cls, elements: Sequence[Element], tokenize_many) -> "DocumentRows":
        views = [(element, text) for element in elements for text in embedding_views(element)]
        return cls(element_ids=[e.id for e, _ in views], sources=[e.source for e, _ in views],
                   kinds=[e.kind.value for e, _ in views], pages=[int(e.page) for e, _ in views],
                   terms=tokenize_many([text for _, text in views]) if views else [])


class TermCache:
    """The cached rows of each stored document for one tokenizer (see the module docstring)."""

    def __init__(self, lexical_folder: Path, tokenizer_name: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", tokenizer_name)
        self.folder = Path(lexical_folder) / TERMS_DIR / f"{safe}-f{TERMS_FORMAT}"

    def _path(self, doc_id: str) -> Path:
        return self.folder / f"{doc_id}.npz"

    def get(self, record: DocumentRecord) -> DocumentRows | None:
        """The rows cached for exactly this catalog record, or None (absent, stale or unreadable)."""
        path = self._path(record.doc_id)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if float(data["added_at"]) != record.added_at or int(data["n_elements"]) != record.n_elements:
                    return None
                joined, offsets = str(data["terms"]), data["offsets"].tolist()
                flat = joined.split(_SEPARATOR) if joined else []
                if len(flat) != (offsets[-1] if offsets else 0):
                    return None
                return DocumentRows(element_ids=data["element_ids"].tolist(), sources=data["sources"].tolist(),
                                    kinds=data["kinds"].tolist(), pages=data["pages"].tolist(),
                                    terms=[flat[a:b] for a, b in zip(offsets, offsets[1:])])
        except Exception as err:  # damaged or half-written by an old version: make it again
            log.debug("term cache entry %s unreadable (%s); tokenizing the document again", path, err)
            return None

    def put(self, record: DocumentRecord, rows: DocumentRows) -> None:
        """Cache `rows` for `record`. A failure (read-only store, full disk) only costs tokenizing again later."""
        offsets = np.cumsum([0] + [len(t) for t in rows.terms], dtype=np.int64)
        flat = [term for terms in rows.terms for term in terms]
        if any(_SEPARATOR in term or not term for term in flat):  # cannot be stored joined: tokenize next time
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f".{record.doc_id}.{os.getpid()}.partial.npz"
            np.savez(partial, added_at=np.float64(record.added_at), n_elements=np.int64(record.n_elements),
                     element_ids=np.array(rows.element_ids, dtype=str), sources=np.array(rows.sources, dtype=str),
                     kinds=np.array(rows.kinds, dtype=str), pages=np.array(rows.pages, dtype=np.int32),
                     terms=np.array(_SEPARATOR.join(flat)), offsets=offsets)
            os.replace(partial, self._path(record.doc_id))
        except OSError as err:
            log.debug("could not cache the terms of %s (%s)", record.source, err)

    def keep_only(self, doc_ids: set[str]) -> None:
        """Drop the entries of documents not in `doc_ids` (and leftovers of interrupted writes)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name.startswith(".") or path.stem not in doc_ids:
                path.unlink(missing_ok=True)
