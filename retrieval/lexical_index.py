"""The lexical (BM25) route: a bm25s index over the same element views the dense route embeds, under
`<root>/lexical/`.

Consistency with the catalog: the catalog is the source of truth and carries a stamp that changes with every
committed add or remove (Catalog.stamp). This index records the stamp it was built from; whenever the two differ
(an ingest since, a crash between the catalog commit and anything else, a deleted or damaged folder, another
tokenizer) it is rebuilt from one consistent catalog snapshot. The BM25 matrix is never updated piecemeal (its idf
depends on the whole collection), but the terms are: each document's tokenized views are cached
(retrieval.lexical_terms), so a rebuild tokenizes only documents added since the last one and reads no other
elements from the catalog (bench/lexical_timing.py, bench/results/lexical-timing.md).
Search results are element ids; the caller still looks them up in the catalog, so an element removed after the
build is dropped, never served.

On disk: `CURRENT` (JSON: the build folder's name, stamp, tokenizer) replaced atomically, and the build folder
itself (bm25s files plus `views.npz`: element id, doc_id, kind, page per view). Readers never see half a build.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from retrieval.catalog import Catalog
from retrieval.crash_points import crash_point
from retrieval.lexical_terms import DocumentRows, TermCache
from retrieval.search_filter import SearchFilter
from retrieval.tokenize import LexicalTokenizer

log = logging.getLogger(__name__)

LEXICAL_DIR = "lexical"
CURRENT_FILE = "CURRENT"
LEXICAL_FORMAT = 2  # 2: views carry doc_ids (file-name filters resolve to contents)
MAX_QUERY_TERMS = 256  # distinct query terms scored; a pasted page of text still answers in milliseconds
_OVERFETCH = 8  # views looked at per wanted element before collapsing views to elements


def import_bm25s():
    """bm25s, with its logger kept at WARNING: on import it sets itself to DEBUG and would chatter on stderr."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@dataclass(frozen=True)
class _Built:
    """One loaded build: the BM25 matrix and, per view (row), its element id and filterable metadata."""

    stamp: str
    bm25: object | None  # bm25s.BM25, or None for an empty library
    element_ids: np.ndarray
    doc_ids: np.ndarray
    kinds: np.ndarray
    pages: np.ndarray


class LexicalIndex:
    """BM25 over element views, kept in step with a Catalog. Thread-safe; shared by all searches of an index.

    root: the library folder (the index lives in `<root>/lexical/`); tokenizer: the term function (the same
    for documents and queries; its name is part of what makes a build current)."""

    def __init__(self, root: Path, catalog: Catalog, tokenizer: LexicalTokenizer | None = None) -> None:
        self.folder = Path(root) / LEXICAL_DIR
        self.catalog = catalog
        self.tokenizer = tokenizer or LexicalTokenizer()
        self.terms = TermCache(self.folder, self.tokenizer.name)
        self._built: _Built | None = None
        self._lock = threading.Lock()
        self.last_build_seconds: float | None = None

    # -- keeping current ---------------------------------------------------------------------------------------
    def sync(self) -> bool:
        """Make the index match the catalog's current stamp: keep the loaded build, else load the saved one,
        else rebuild from the catalog and save it. Returns True when it rebuilt."""
        stamp = self.catalog.stamp()
        with self._lock:
            if self._built is not None and self._built.stamp == stamp:
                return False
            loaded = self._load(stamp)
            if loaded is not None:
                self._built = loaded
                return False
            self._built = self._rebuild()
            return True

    def _rebuild(self) -> _Built:
        bm25s = import_bm25s()  # heavy-ish (scipy); only when a lexical build is needed

        start = time.perf_counter()
        cached: dict[str, DocumentRows] = {}

        def needs_elements(record) -> bool:
            rows = self.terms.get(record)
            if rows is not None:
                cached[record.doc_id] = rows
            return rows is None

        stamp, records, elements = self.catalog.snapshot_documents(needs_elements)
        per_document: list[DocumentRows] = []
        for record in records:
            rows = cached.get(record.doc_id)
            if rows is None:
                rows = DocumentRows.of(elements[record.doc_id], self.tokenizer.tokenize_many)
                self.terms.put(record, rows)
            per_document.append(rows)
        self.terms.keep_only({record.doc_id for record in records})
        tokens = [terms for rows in per_document for terms in rows.terms]
        bm25 = None
        if tokens:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        built = _Built(stamp=stamp, bm25=bm25,
                       element_ids=np.array([i for rows in per_document for i in rows.element_ids], dtype=str),
                       doc_ids=np.array([record.doc_id for record, rows in zip(records, per_document)
                                         for _ in rows.element_ids], dtype=str),
                       kinds=np.array([k for rows in per_document for k in rows.kinds], dtype=str),
                       pages=np.array([p for rows in per_document for p in rows.pages], dtype=np.int32))
        self.last_build_seconds = time.perf_counter() - start
        log.info("lexical index rebuilt: %d views of %d documents (%d tokenized now, %d from the term cache) in "
                 "%.2f s", len(tokens), len(records), len(elements), len(cached), self.last_build_seconds)
        self._save(built)
        return built

    def _save(self, built: _Built) -> None:
        """Write a new build folder, then point CURRENT at it (atomic rename), then drop older build folders.
        A failure (read-only store, full disk) only costs a rebuild next time: the build in memory serves."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = Path(tempfile.mkdtemp(prefix="build-", dir=self.folder))
            if built.bm25 is not None:
                built.bm25.save(str(target / "bm25"), show_progress=False)
            np.savez(target / "views.npz", element_ids=built.element_ids, doc_ids=built.doc_ids,
                     kinds=built.kinds, pages=built.pages)
            current = {"format": LEXICAL_FORMAT, "build": target.name, "stamp": built.stamp,
                       "tokenizer": self.tokenizer.name}
            tmp = self.folder / f"{CURRENT_FILE}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(current), encoding="utf-8")
            crash_point("lexical")
            os.replace(tmp, self.folder / CURRENT_FILE)
        except OSError as err:
            log.warning("could not save the lexical index under %s (%s); it will be rebuilt on next use",
                        self.folder, err)
            return
        for old in self.folder.glob("build-*"):
            if old.name != target.name:
                shutil.rmtree(old, ignore_errors=True)  # a reader mid-load of it falls back to a rebuild

    def _load(self, stamp: str) -> _Built | None:
        """The saved build, if it is for this stamp and this tokenizer and loads cleanly."""
        try:
            current = json.loads((self.folder / CURRENT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (current.get("format") != LEXICAL_FORMAT or current.get("stamp") != stamp
                or current.get("tokenizer") != self.tokenizer.name):
            return None
        build = self.folder / str(current.get("build", ""))
        try:
            bm25s = import_bm25s()

            with np.load(build / "views.npz", allow_pickle=False) as views:
                arrays = {name: views[name] for name in ("element_ids", "doc_ids", "kinds", "pages")}
            bm25 = bm25s.BM25.load(str(build / "bm25"), show_progress=False) if len(arrays["element_ids"]) else None
        except Exception as err:  # damaged or half-deleted: a rebuild is always possible
            log.warning("lexical index %s is unreadable (%s); rebuilding it from the catalog", build, err)
            return None
        return _Built(stamp=stamp, bm25=bm25, **arrays)

    def indexed_view_count(self) -> int:
        """How many views the index holds for the catalog as it is now: read from the saved build's view table
        when that build is current (no BM25 import or load), else after sync()."""
        stamp = self.catalog.stamp()
        built = self._built
        if built is not None and built.stamp == stamp:
            return len(built.element_ids)
        try:
            current = json.loads((self.folder / CURRENT_FILE).read_text(encoding="utf-8"))
            if (current.get("format") == LEXICAL_FORMAT and current.get("stamp") == stamp
                    and current.get("tokenizer") == self.tokenizer.name):
                with np.load(self.folder / str(current.get("build", "")) / "views.npz", allow_pickle=False) as views:
                    return len(views["element_ids"])
        except (OSError, ValueError, KeyError):
            pass  # no current saved build: make one
        self.sync()
        return self.view_count()

    def view_count(self) -> int:
        """How many views the loaded build indexes (0 before sync() or for an empty library)."""
        built = self._built
        return 0 if built is None else len(built.element_ids)

    # -- search ------------------------------------------------------------------------------------------------
    def search(self, terms: Sequence[str], n: int, where: SearchFilter | None = None) -> list[tuple[str, float]]:
        """The n best elements for these query terms: (element id, BM25 score of its best view), best first.
        Only views passing `where` count; elements with no matching term are not returned. Call sync() first."""
        built = self._built
        if built is None or built.bm25 is None or n < 1:
            return []
        vocab = built.bm25.vocab_dict
        ids = list(dict.fromkeys(vocab[t] for t in terms if t in vocab))[:MAX_QUERY_TERMS]
        if not ids:
            return []
        scores = np.asarray(built.bm25.get_scores_from_ids(ids), dtype=np.float32)
        if where is not None and not where.is_empty:
            scores = np.where(_mask(built, where), scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        want = n * _OVERFETCH
        if len(positive) > want:
            positive = positive[np.argpartition(-scores[positive], want)[:want]]
        ranked = _collapse(built, positive[np.argsort(-scores[positive], kind="stable")], scores, n)
        if len(ranked) < n and len(positive) == want:  # many views of few elements: look at all of them
            every = np.flatnonzero(scores > 0)
            ranked = _collapse(built, every[np.argsort(-scores[every], kind="stable")], scores, n)
        return ranked


def _collapse(built: _Built, order: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[str, float]]:
    """Views (best first) -> their elements, each at its best view's score, first n."""
    best: dict[str, float] = {}
    for row in order:
        best.setdefault(str(built.element_ids[row]), float(scores[row]))
        if len(best) >= n:
            break
    return list(best.items())


def _mask(built: _Built, where: SearchFilter) -> np.ndarray:
    keep = np.ones(len(built.element_ids), dtype=bool)
    if where.doc_ids is not None:  # file names resolved to contents by the caller (SearchFilter.resolved)
        keep &= np.isin(built.doc_ids, list(where.doc_ids))
    elif where.sources:
        raise ValueError("a file-name filter must be resolved to doc_ids first (SearchFilter.resolved)")
    if where.kinds:
        keep &= np.isin(built.kinds, list(where.kinds))
    if where.pages:
        keep &= (built.pages >= where.pages[0]) & (built.pages <= where.pages[1])
    return keep
