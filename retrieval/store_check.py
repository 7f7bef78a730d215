"""Whether the parts of a library folder agree: the catalog (the source of truth), the vectors (one per element
view, in Chroma), the lexical index, the page images of PDFs, the crops of tables and figures, and the CLIP
image vectors.

`check_on_open` is the cheap check every opening runs: a catalog that is missing or empty (0 bytes) beside
vectors, a lexical index or a store marker is damage, never an empty library. `check_store` is the full check behind
`docrag doctor`: it reads every catalog element and every vector id and names each disagreement.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.errors import StoreDamagedError, StoreError
from retrieval.store_guard import CATALOG_FILE, STORED_PARTS, rebuild_hint

log = logging.getLogger(__name__)

_SHOWN = 8  # ids or pages named per finding; the count says how many there are


def _stored_parts(root: Path) -> list[str]:
    """What else the folder holds that only a stored document leaves behind. Crops and page images do not
    count: `docrag parse` writes crops into a folder that has no catalog yet."""
    return [what for name, what in STORED_PARTS.items() if (root / name).is_file()]


def check_on_open(root: Path) -> None:
    """Raise StoreDamagedError when the catalog of `root` is missing or empty while the folder holds what only
    a stored document leaves behind (vectors, a lexical index, the store marker)."""
    root = Path(root)
    catalog = root / CATALOG_FILE
    wal = catalog.with_name(CATALOG_FILE + "-wal")
    if catalog.is_file() and (catalog.stat().st_size > 0 or (wal.is_file() and wal.stat().st_size > 0)):
        return
    parts = _stored_parts(root)
    if not parts:
        return  # a new library
    state = "empty (0 bytes)" if catalog.is_file() else "missing"
    raise StoreDamagedError(f"catalog {catalog} is {state}, but store {root} holds {', '.join(parts)}: the list "
                            f"of stored documents is gone; {rebuild_hint(root, with_documents=True)}")


def check_vector_count(root: Path, store, lexical, total: int) -> None:
    """The cheap vector check of a search: `total` vectors in `store` against the element views the catalog
    holds (`lexical`, a LexicalIndex, counts them). None at all beside indexed views raises StoreDamagedError (a
    deleted `chroma/` folder, a wiped server collection: better said than answered from words alone); fewer is
    said once as a warning (the next ingest re-embeds what is missing)."""
    lexical.sync()
    views = lexical.view_count()
    where = store.url or Path(root) / "chroma"
    if total == 0 and views:
        raise StoreDamagedError(f"vector store {where} (collection {store.collection_name!r}) holds no vectors, "
                                f"but the catalog of {root} holds {views} indexed views; the catalog is intact: "
                                f"{rebuild_hint(root)}")
    if total < views:
        log.warning("vector store %s holds %d vectors for the %d element views in the catalog of %s: some "
                    "documents are found only by their words; `docrag doctor --store %s` names them, and the next "
                    "`docrag ingest` into the store re-embeds them", where, total, views, root, root)


@dataclass(frozen=True)
class Finding:
    """One disagreement (problem=True: `doctor` exits 1) or note. part: catalog, vectors, lexical, pages, crops
    or images; document: the file name (None for the store as a whole); what: "missing", "extra", "damaged",
    "stale"; count: how many items; detail: one line naming them."""

    part: str
    what: str
    detail: str
    document: str | None = None
    doc_id: str | None = None
    count: int = 0
    problem: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "what": self.what, "document": self.document, "doc_id": self.doc_id,
                "count": self.count, "detail": self.detail, "problem": self.problem}


@dataclass(frozen=True)
class StoreReport:
    """Outcome of `check_store`: ok when no finding is a problem."""

    store: str
    documents: int
    elements: int
    vectors: int
    findings: tuple[Finding, ...] = ()
    hint: str = ""

    @property
    def ok(self) -> bool:
        return not any(f.problem for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "ok": self.ok, "documents": self.documents, "elements": self.elements,
                "vectors": self.vectors, "problems": [f.to_dict() for f in self.findings if f.problem],
                "notes": [f.to_dict() for f in self.findings if not f.problem], "hint": self.hint}


def _named(items, shown: int = _SHOWN) -> str:
    items = sorted(items, key=str)
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(str(i) for i in items[:shown]) + more


@dataclass
class _Checker:
    root: Path
    chroma_url: str | None
    collection: str | None
    findings: list[Finding] = field(default_factory=list)
    vectors: int = 0

    def add(self, part: str, what: str, detail: str, record=None, count: int = 0, problem: bool = True) -> None:
        self.findings.append(Finding(part, what, detail, record.source if record else None,
                                     record.doc_id if record else None, count, problem))

    def run(self) -> StoreReport:
        from retrieval.catalog import Catalog
        from retrieval.element_text import embedding_views, view_id

        try:
            check_on_open(self.root)
            if not (self.root / CATALOG_FILE).is_file():
                return StoreReport(str(self.root), 0, 0, 0, ())
            catalog = Catalog(self.root)
            records = catalog.documents()
            elements = {r.doc_id: catalog.elements_of(r.doc_id) for r in records}
        except StoreDamagedError as err:
            self.add("catalog", "damaged", str(err))
            return self._report(0, 0, rebuild_hint(self.root, with_documents=True))
        views = {r.doc_id: {view_id(e.id, n) for e in elements[r.doc_id] for n, _ in enumerate(embedding_views(e))}
                 for r in records}
        for record in records:
            if record.n_elements != len(elements[record.doc_id]):
                self.add("catalog", "damaged", f"the document row counts {record.n_elements} elements, the catalog "
                         f"holds {len(elements[record.doc_id])}", record)
        self._check_vectors(records, views)
        self._check_lexical(catalog, views)
        self._check_pages(records)
        self._check_crops(records, elements)
        self._check_images(records)
        return self._report(len(records), sum(len(v) for v in elements.values()), rebuild_hint(self.root))

    def _report(self, documents: int, elements: int, hint: str) -> StoreReport:
        ok = not any(f.problem for f in self.findings)
        return StoreReport(str(self.root), documents, elements, self.vectors, tuple(self.findings),
                           "" if ok else hint)

    def _store(self, collection: str):
        from retrieval.chroma_store import ChromaStore
        from retrieval.server_binding import resolve_chroma_url

        url = resolve_chroma_url(self.root, self.chroma_url)
        if url is None and not (self.root / "chroma" / "chroma.sqlite3").is_file():
            return None
        return ChromaStore(self.root, url, collection=collection, library=self.collection)

    def _vector_ids(self, collection: str) -> dict[str, set[str]] | None:
        try:
            store = self._store(collection)
            if store is None:
                return {}
            try:
                return store.ids_by_document()
            finally:
                store.close()
        except StoreError as err:
            self.add("vectors", "damaged" if isinstance(err, StoreDamagedError) else "unavailable", str(err))
            return None

    def _check_vectors(self, records, views: dict[str, set[str]]) -> None:
        from retrieval.chroma_store import TEXT_COLLECTION

        held = self._vector_ids(TEXT_COLLECTION)
        if held is None:
            return
        self.vectors = sum(len(ids) for ids in held.values())
        for record in records:
            have, want = held.get(record.doc_id, set()), views[record.doc_id]
            if want - have:
                self.add("vectors", "missing", f"{len(want - have)} of {len(want)} element views have no vector: "
                         f"{_named(want - have)}", record, len(want - have))
            if have - want:
                self.add("vectors", "extra", f"{len(have - want)} vectors match no element view: "
                         f"{_named(have - want)}", record, len(have - want))
        orphans = {d: ids for d, ids in held.items() if d not in views}
        if orphans:
            count = sum(len(ids) for ids in orphans.values())
            self.add("vectors", "extra", f"{count} vectors of {len(orphans)} documents not in the catalog "
                     f"({_named(orphans)}; left by an interrupted ingest, which search skips and the next ingest "
                     "deletes)", count=count)

    def _check_lexical(self, catalog, views: dict[str, set[str]]) -> None:
        import numpy as np

        from retrieval.lexical_index import CURRENT_FILE, LEXICAL_DIR

        folder = self.root / LEXICAL_DIR
        try:
            current = json.loads((folder / CURRENT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            if any(views.values()):
                self.add("lexical", "stale", f"no lexical index under {folder}; the next search builds it",
                         problem=False)
            return
        if current.get("stamp") != catalog.stamp():
            self.add("lexical", "stale", f"the lexical index under {folder} is older than the catalog; the next "
                     "search rebuilds it", problem=False)
            return
        try:
            with np.load(folder / str(current.get("build", "")) / "views.npz", allow_pickle=False) as saved:
                indexed = Counter(str(i) for i in saved["element_ids"])
        except Exception as err:  # noqa: BLE001 - any failure to read the build is what we report
            self.add("lexical", "damaged", f"lexical index {folder} is unreadable ({err})")
            return
        from retrieval.element_text import element_of_view
        wanted = Counter(element_of_view(v) for ids in views.values() for v in ids)
        if indexed != wanted:
            missing, extra = wanted - indexed, indexed - wanted
            self.add("lexical", "damaged", f"lexical index {folder} disagrees with the catalog: "
                     f"{sum(missing.values())} views missing, {sum(extra.values())} extra "
                     f"({_named(set(missing) | set(extra))})", count=sum((missing + extra).values()))

    def _check_pages(self, records) -> None:
        from retrieval.page_images import PAGES_FOLDER, existing_page_image

        for record in records:
            if record.format != "pdf":
                continue
            missing = [p for p in range(1, record.pages + 1) if existing_page_image(self.root, record.doc_id, p)
                       is None]
            if missing:
                self.add("pages", "missing", f"{len(missing)} of {record.pages} page images are missing: pages "
                         f"{_named(missing)}", record, len(missing))
        held = {r.doc_id for r in records}
        folder = self.root / PAGES_FOLDER
        extra = [p.name for p in (folder.iterdir() if folder.is_dir() else ()) if p.is_dir() and p.name not in held]
        if extra:
            self.add("pages", "extra", f"page images of {len(extra)} documents not in the catalog: {_named(extra)} "
                     "(the next ingest deletes them)", count=len(extra))

    def _check_crops(self, records, elements) -> None:
        for record in records:
            missing = [e.id for e in elements[record.doc_id] if e.image and not Path(e.image).is_file()]
            if missing:
                self.add("crops", "missing", f"{len(missing)} table or figure crops are missing: {_named(missing)}",
                         record, len(missing))
        held = {r.doc_id for r in records}
        folder = self.root / "assets"
        extra = [p.name for p in (folder.iterdir() if folder.is_dir() else ()) if p.is_dir() and p.name not in held]
        if extra:  # `docrag parse` writes crops here too, for files it does not store: not a disagreement
            self.add("crops", "extra", f"crops of {len(extra)} documents not in the catalog: {_named(extra)}",
                     count=len(extra), problem=False)

    def _check_images(self, records) -> None:
        from retrieval.image_index import CLIP_COLLECTION
        from retrieval.image_route import images_complete, store_has_images

        if not store_has_images(self.root):
            return
        held = self._vector_ids(CLIP_COLLECTION)
        if held is None:
            return
        known = {r.doc_id for r in records}
        orphans = {d: ids for d, ids in held.items() if d not in known}
        if orphans:
            count = sum(len(ids) for ids in orphans.values())
            self.add("images", "extra", f"{count} image vectors of {len(orphans)} documents not in the catalog "
                     f"({_named(orphans)}; the next ingest deletes them)", count=count)
        if not images_complete(self.root):
            self.add("images", "stale", "the image index may miss documents stored while image search was off; "
                     "the next ingest with CLIP adds them", problem=False)
            return
        for record in records:
            if record.format == "pdf" and record.pages and not held.get(record.doc_id):
                self.add("images", "missing", "no image vectors (page images, figures, tables) for this PDF",
                         record)


def check_store(root: Path, chroma_url: str | None = None, collection: str | None = None) -> StoreReport:
    """The full consistency check of the library at `root` (see the module docstring). Reads only; opens no
    embedding model. A damaged part is a finding, not an exception, so every other part is still checked."""
    return _Checker(Path(root).expanduser().resolve(), chroma_url, collection).run()
