"""Opening a PDF for parsing: the checks every parse starts with, each failure a one-line parse error."""
from __future__ import annotations

import logging
from pathlib import Path

import pymupdf

from docparse.errors import CorruptDocumentError, EncryptedDocumentError

logger = logging.getLogger(__name__)


def open_pdf(path: Path, password: str | None) -> "pymupdf.Document":
    """Open and authenticate a PDF; a file that is not one, is encrypted without the right password, was cut
    short or has a damaged page tree raises a `ParseError` subclass whose message names the file."""
    name = path.name
    if not path.is_file():
        raise CorruptDocumentError(f"{name}: file not found")
    if path.stat().st_size == 0:
        raise CorruptDocumentError(f"{name}: empty file")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:  # MuPDF would open a PNG or a JPEG named .pdf as a picture "document"
        raise CorruptDocumentError(f"{name}: not a readable PDF (no %PDF- header in its first 1024 bytes; another "
                                   "file type renamed?)")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as err:  # MuPDF raises FileDataError / RuntimeError for non-PDF bytes
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorruptDocumentError(f"{name}: not a readable PDF ({reason})") from None
    if doc.needs_pass:
        if not password:
            doc.close()
            raise EncryptedDocumentError(f"{name}: encrypted PDF; a password is required (ParseOptions.password)")
        if not doc.authenticate(password):
            doc.close()
            raise EncryptedDocumentError(f"{name}: encrypted PDF; the given password is wrong")
    if doc.is_repaired:
        # MuPDF rebuilds broken cross-reference tables; a file that also lacks its end marker was cut short and
        # the rebuilt document is missing objects, so it is refused rather than half-parsed.
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - 2048))
            tail = handle.read()
        if b"%%EOF" not in tail:
            doc.close()
            raise CorruptDocumentError(f"{name}: truncated PDF (no end-of-file marker)")
        logger.info("%s: damaged cross-reference table repaired by MuPDF", name)
    try:
        pages = doc.page_count
    except Exception as err:  # a page tree whose /Count disagrees with its kids ("claims 100,000 pages")
        doc.close()
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorruptDocumentError(f"{name}: damaged page tree ({reason})") from None
    if pages == 0:
        doc.close()
        raise CorruptDocumentError(f"{name}: PDF has no pages")
    return doc
