"""The CLIP image route of a library: on ingest, figure and table crops and low-resolution page images go into a
CLIP-space collection; at search time a text query reaches them through CLIP's text tower, and an image query
(`docrag search --image`) through its image tower. Page images become PAGE elements that exist only in this
route (the catalog holds the document, the JPEG lives under `<store>/pages/<doc_id>/`)."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Iterable, Sequence

from docparse.element import Element, ElementKind, Provenance
from retrieval.catalog import Catalog, DocumentRecord
from retrieval.clip_embedder import ImageEmbedder
from retrieval.image_index import ImageIndex, ImageItem, page_element_id
from retrieval.page_images import existing_page_image, render_page_images
from retrieval.search_filter import SearchFilter

log = logging.getLogger(__name__)

_CROP_KINDS = (ElementKind.FIGURE, ElementKind.TABLE)
CLIP_MARKER = "clip.json"  # present once images were indexed: searches then load CLIP, otherwise they need not


def _read_marker(root: Path) -> dict:
    try:
        data = json.loads((Path(root) / CLIP_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_marker(root: Path, data: dict) -> None:
    marker = Path(root) / CLIP_MARKER
    partial = marker.with_name(f".{marker.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, marker)


def images_complete(root: Path) -> bool:
    """Whether every stored document was offered to the CLIP route ("complete" in the marker: cleared at the
    start of an ingest, set at its end with the route on; ClipRoute.open_changes / close_changes)."""
    return _read_marker(root).get("complete") is True


def set_images_complete(root: Path, complete: bool) -> None:
    """Record whether the CLIP route holds every stored document. Only a store that has images keeps a marker
    (a text-only library must not make every search load CLIP), so without one this does nothing."""
    if store_has_images(root):
        try:
            _write_marker(root, {**_read_marker(root), "complete": complete})
        except OSError as err:  # only the next backfill's thoroughness is at stake, not the stored documents
            log.warning("could not record in %s whether the CLIP index holds every document (%s); a later "
                        "ingest may check every document again, or miss one a killed run left out",
                        Path(root) / CLIP_MARKER, err)


def store_has_images(root: Path) -> bool:
    """Whether images were ever indexed in the library at `root` (so a search should load CLIP)."""
    return (Path(root) / CLIP_MARKER).is_file()


UNAVAILABLE_MARKER = "clip-unavailable.json"  # why CLIP could not be loaded for this store, once said


def first_unavailable_note(root: Path, model: str, pretrained: str, reason: str) -> bool:
    """Record in the store at `root` that CLIP `model`/`pretrained` could not be loaded, and why. True when this
    is news (so the caller warns); False when the store already recorded it for this model and weights, so that
    the warning appears once per store, not on every ingest."""
    marker = Path(root) / UNAVAILABLE_MARKER
    note = {"clip_model": model, "clip_pretrained": pretrained, "reason": reason}
    try:
        said = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        said = None
    if isinstance(said, dict) and said.get("clip_model") == model and said.get("clip_pretrained") == pretrained:
        return False
    try:
        partial = marker.with_name(f".{marker.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(note), encoding="utf-8")
        os.replace(partial, marker)
    except OSError as err:  # a read-only store: the warning is then simply repeated
        log.debug("could not record %s: %s", marker, err)
    return True


def load_store_clip(root: Path, settings):
    """CLIP for the store at `root` (`clip_embedder.load_image_embedder`), warning once per store when it cannot
    be loaded; a later successful load clears the note."""
    from retrieval.clip_embedder import load_image_embedder

    embedder = load_image_embedder(settings, first_time=lambda reason: first_unavailable_note(
        root, str(settings.model), str(settings.pretrained), reason))
    if embedder is not None:
        try:
            (Path(root) / UNAVAILABLE_MARKER).unlink(missing_ok=True)
        except OSError:
            pass
    return embedder


def image_search_state(root: Path, enabled: bool) -> dict[str, str]:
    """Whether image search is on for the store at `root`, and why: {"state": "on" | "off", "reason": ...}.
    Reads the store's notes only; loads no model."""
    if not enabled:
        return {"state": "off", "reason": "turned off by --no-images or image_search = false in the config file"}
    unavailable = Path(root) / UNAVAILABLE_MARKER
    try:
        note = json.loads(unavailable.read_text(encoding="utf-8")) if unavailable.is_file() else None
    except (OSError, ValueError):
        note = None
    if isinstance(note, dict):
        return {"state": "off", "reason": f"CLIP {note.get('clip_model')}/{note.get('clip_pretrained')} could not "
                                          f"be loaded: {note.get('reason')}"}
    if store_has_images(root):
        model = _read_marker(root).get("clip_model") or "CLIP"
        return {"state": "on", "reason": f"figures, tables and pages indexed with {model}"}
    return {"state": "on", "reason": "no images indexed yet; the next ingest indexes figures, tables and pages"}


def _page_id_parts(element_id: str) -> tuple[str, int] | None:
    doc_id, marker, page = element_id.rpartition(":page:")
    return (doc_id, int(page)) if marker and page.isdigit() else None


class ImageRoute:
    """Indexes and searches a library's images in CLIP space (scores never mix with text space: fusion is by
    rank)."""

    def __init__(self, root: Path, embedder: ImageEmbedder, chroma_url: str | None = None):
        self.root = root
        self.images = ImageIndex(root, embedder, chroma_url=chroma_url)

    def index_document(self, record: DocumentRecord, elements: Iterable[Element]) -> int:
        """Embed the document's crops and its page images (PDFs); returns how many images were stored."""
        self.images.remove(record.doc_id)  # a re-added document replaces its images
        items = [ImageItem(e.id, e.kind.value, e.page, e.image) for e in elements
                 if e.kind in _CROP_KINDS and e.image and Path(e.image).is_file()]
        if record.format == "pdf":
            items += [ImageItem(page_element_id(record.doc_id, page), "page", page, str(path))
                      for page, path in self._page_images(record)]
        stored = self.images.add(record.doc_id, record.source, items)
        if stored and not store_has_images(self.root):
            _write_marker(self.root, {"clip_model": getattr(self.images.embedder, "name", "")})
        return stored

    def _page_images(self, record: DocumentRecord) -> list[tuple[int, Path]]:
        """The document's page images, rendered where missing; when its file is gone (a backfill long after
        the ingest), the ones already on disk."""
        try:
            return list(render_page_images(record.path, record.doc_id, self.root))
        except ValueError as err:
            found = [(page, existing_page_image(self.root, record.doc_id, page))
                     for page in range(1, record.pages + 1)]
            kept = [(page, path) for page, path in found if path is not None]
            log.warning("%s: %s; indexing the %d page images already stored", record.source, err, len(kept))
            return kept

    def ranked_for_texts(self, texts: Sequence[str], filters: Sequence[SearchFilter], depth: int) -> list[list[str]]:
        """Per query, ids of the nearest images (elements and pages), nearest first."""
        out: list[list[str]] = []
        for text, where in zip(texts, filters):
            matches = self.images.search_text([text], depth, where.chroma_where())[0]
            out.append([m.element_id for m in matches])
        return out

    def ranked_for_image(self, path: str, where: SearchFilter, depth: int) -> list[str]:
        """Ids of the images nearest to the image file at `path` (ValueError names the file if it is no image)."""
        return [m.element_id for m in self.images.search_image(path, depth, where.chroma_where())]

    def page_elements(self, ids: Iterable[str], catalog: Catalog) -> dict[str, Element]:
        """PAGE elements for page-image ids whose document is still stored and whose image exists."""
        out: dict[str, Element] = {}
        for element_id in ids:
            parts = _page_id_parts(element_id)
            if parts is None:
                continue
            doc_id, page = parts
            record = catalog.document_by_id(doc_id)
            image = existing_page_image(self.root, doc_id, page)
            if record is None or image is None:
                continue
            out[element_id] = Element(id=element_id, kind=ElementKind.PAGE, text=f"Page {page} of {record.source}",
                                      provenance=Provenance(doc_id, record.source, page, None), image=str(image))
        return out
