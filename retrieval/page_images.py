"""Low-resolution PNGs of PDF pages, for page-level image search and for showing pages to people.

Files live at `<root>/pages/<doc_id>/p<page>.png` (page 1-based). doc_id is a hash of the file's bytes, so an
existing image is the right one and is not rendered again. PyMuPDF is imported on first use.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

log = logging.getLogger(__name__)

PAGES_FOLDER = "pages"
DEFAULT_DPI = 72
DEFAULT_MAX_SIDE = 1024


def page_image_path(root: Path, doc_id: str, page: int) -> Path:
    """Where the image of 1-based `page` of document `doc_id` lives under the library folder `root`."""
    return Path(root) / PAGES_FOLDER / doc_id / f"p{page}.png"


def render_page_image(page: Any, target: Path, dpi: int = DEFAULT_DPI, max_side: int = DEFAULT_MAX_SIDE) -> Path:
    """Write `page` (a pymupdf.Page) as a PNG at `dpi`, scaled down further so its longest side is at most
    `max_side` pixels. Written to a temporary name first so that a crash never leaves a half-written image."""
    import pymupdf

    if dpi <= 0 or max_side <= 0:
        raise ValueError(f"dpi ({dpi}) and max_side ({max_side}) must be positive")
    rect = page.rect
    longest = max(rect.width, rect.height, 1.0)
    zoom = min(dpi / 72.0, max_side / longest)
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        pixmap.save(str(partial), output="png")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


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
            target = page_image_path(root, doc_id, number)
            if target.is_file():
                yield number, target
                continue
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


def remove_page_images(root: Path, doc_id: str) -> None:
    """Delete the page images of document `doc_id` (nothing happens when there are none)."""
    shutil.rmtree(Path(root) / PAGES_FOLDER / doc_id, ignore_errors=True)
