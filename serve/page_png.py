"""One page of a stored document as PNG bytes, for clients that show or read pages (the MCP `get_page` tool).

Where the page comes from, best first: the document's own PDF rendered afresh at PAGE_DPI (readable text; used only
while the file still holds the stored bytes, since a changed file would show another version of the page); the
store's own page image (pages/<doc_id>/p<N>.jpg, 72 dpi, kept whatever happens to the file); an image document's
own file. Office, HWP and text documents have no page geometry, so they have no page image and say so.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from docparse.base import file_doc_id
from retrieval.document_record import DocumentRecord
from retrieval.page_images import existing_page_image

log = logging.getLogger(__name__)

# ~110 dpi keeps 8-point text legible to a vision model and a person (chat.highlight renders --show pages alike)
# while an A4 page stays near 900 x 1300 px; MAX_SIDE bounds posters and drawings.
PAGE_DPI = 110
MAX_SIDE = 2000
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


class PageImageError(ValueError):
    """The page asked for does not exist or has no image; the message names the document, page and why."""


def page_png(root: Path, record: DocumentRecord, page: int) -> bytes:
    """PNG bytes of 1-based `page` of the stored document `record` in the library at `root`."""
    if not 1 <= page <= record.pages:
        raise PageImageError(f"{record.source} has {record.pages} page{'s' if record.pages != 1 else ''} "
                             f"(1-{record.pages}); there is no page {page}")
    path = Path(record.path)
    suffix = path.suffix.lower()
    current = _holds_stored_bytes(path, record.doc_id)
    if current and suffix == ".pdf":
        return _rendered_pdf_page(path, page)
    stored = existing_page_image(root, record.doc_id, page)
    if stored is not None:
        return _png_of_image(stored, 0)
    if current and suffix in _IMAGE_SUFFIXES:
        return _png_of_image(path, page - 1)
    if suffix != ".pdf" and suffix not in _IMAGE_SUFFIXES:
        raise PageImageError(f"{record.source} is a {record.format} document: it has no page images (PDFs and "
                             "images have them)")
    state = "changed since it was stored" if path.is_file() else "gone"
    raise PageImageError(f"no image of page {page} of {record.source}: its file {path} is {state}, and the store "
                         "holds no image of that page")


def _holds_stored_bytes(path: Path, doc_id: str) -> bool:
    try:
        return path.is_file() and file_doc_id(path) == doc_id
    except OSError as err:  # unreadable: the store's page image may still serve
        log.info("cannot read %s: %s", path, err)
        return False


def _rendered_pdf_page(path: Path, page: int) -> bytes:
    import pymupdf

    try:
        with pymupdf.open(str(path)) as doc:
            pdf_page = doc.load_page(page - 1)
            rect = pdf_page.rect
            zoom = min(PAGE_DPI / 72.0, MAX_SIDE / max(rect.width, rect.height, 1.0))
            pixmap = pdf_page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, colorspace=pymupdf.csRGB)
            return pixmap.tobytes("png")
    except Exception as err:  # pymupdf raises its own error types for damaged files and pages
        raise PageImageError(f"cannot render page {page} of {path}: {err}") from None


def _png_of_image(path: Path, frame: int) -> bytes:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.seek(frame)  # multi-page TIFFs: one frame per page
            image = image.convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
    except (OSError, EOFError, ValueError) as err:
        raise PageImageError(f"cannot read the page image {path}: {err}") from None
