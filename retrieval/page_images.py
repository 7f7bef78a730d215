"""A library's page images: low-resolution JPEGs of PDF pages (docparse.page_image says why JPEG), for page-level
image search and for showing pages to people.

Files live at `<root>/pages/<doc_id>/p<page>.jpg` (page 1-based); stores written before JPEG hold `p<page>.png`,
which is still found and used. doc_id is a hash of the file's bytes, so an existing image is the right one and is
not rendered again: the parse workers of an ingest write most of them (ParseOptions.page_images_dir), and
`render_page_images` fills in the rest. PyMuPDF and Pillow are imported on first use.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Iterable, Iterator

from docparse.page_image import DEFAULT_DPI, DEFAULT_MAX_SIDE, page_image_file, render_page_image

log = logging.getLogger(__name__)

PAGES_FOLDER = "pages"
ASSETS_FOLDER = "assets"  # crops of tables and figures, per document (ParseOptions.assets_dir)
_LEGACY_SUFFIX = ".png"  # page images written before 2026-11-29 (fourth sitting)


def page_image_path(root: Path, doc_id: str, page: int) -> Path:
    """Where the image of 1-based `page` of document `doc_id` is written under the library folder `root`."""
    return page_image_file(pages_folder(root, doc_id), page)


def pages_folder(root: Path, doc_id: str) -> Path:
    """The folder holding the page images of document `doc_id` under the library folder `root`."""
    return Path(root) / PAGES_FOLDER / doc_id


def existing_page_image(root: Path, doc_id: str, page: int) -> Path | None:
    """The stored image of `page` of `doc_id` (a JPEG, or a PNG from an older store), or None when there is none."""
    target = page_image_path(root, doc_id, page)
    for candidate in (target, target.with_suffix(_LEGACY_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def render_page_images(pdf_path: str | Path, doc_id: str, root: Path, dpi: int = DEFAULT_DPI,
                       max_side: int = DEFAULT_MAX_SIDE) -> Iterator[tuple[int, Path]]:
    """Render every page of the PDF at `pdf_path`, yielding (page number, image path) as each one is written.

    Streams: one page is in memory at a time. A page that fails to render is skipped with a warning naming the
    document and the page; a document that cannot be opened raises ValueError naming it.
    """
    import pymupdf

    from docparse.pdf_limits import oversized_content

    try:
        doc = pymupdf.open(str(pdf_path))
    except Exception as err:  # pymupdf raises its own FileDataError, RuntimeError, ... for unreadable files
        raise ValueError(f"cannot open {pdf_path} to render page images: {err}") from None
    with doc:
        for index in range(doc.page_count):
            number = index + 1
            existing = existing_page_image(root, doc_id, number)
            if existing is not None:
                yield number, existing
                continue
            target = page_image_path(root, doc_id, number)
            oversized = oversized_content(doc, index)
            if oversized:  # the parser skipped this page too; rendering it would inflate the bomb
                log.warning("skipped the image of page %d of %s: %s", number, pdf_path, oversized)
                continue
            try:
                render_page_image(doc.load_page(index), target, dpi, max_side)
            except Exception as err:  # one bad page must not cost the document its other pages
                log.warning("skipped the image of page %d of %s: %s", number, pdf_path, err)
                continue
            yield number, target


def delete_document_folders(root: Path, doc_ids: Iterable[str], crops: bool = True) -> None:
    """Delete the page images (and with `crops`, the crops under `assets/`) of these documents. The one place
    that deletes a document's folders; a doc_id that would leave its folder (a path) is ignored."""
    root = Path(root)
    for folder in ((PAGES_FOLDER, ASSETS_FOLDER) if crops else (PAGES_FOLDER,)):
        for doc_id in doc_ids:
            files = root / folder / doc_id
            if files.parent == root / folder and files.is_dir():
                shutil.rmtree(files, ignore_errors=True)


def document_folder_names(root: Path, crops: bool = True) -> set[str]:
    """The doc_ids that have a page-image folder (and with `crops`, a crops folder)."""
    names: set[str] = set()
    for folder in ((PAGES_FOLDER, ASSETS_FOLDER) if crops else (PAGES_FOLDER,)):
        files = Path(root) / folder
        names.update(entry.name for entry in (files.iterdir() if files.is_dir() else ()) if entry.is_dir())
    return names
