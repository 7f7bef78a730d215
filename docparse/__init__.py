"""docparse: documents -> Elements (text chunks, titles, tables, figures) with page and box provenance.

Importing this package is cheap: PyMuPDF and the layout models load only when a PDF is parsed. It turns the
dependencies' usage reporting off first (docparse.telemetry), before any of them can be imported.
"""
from docparse.telemetry import telemetry_off

telemetry_off()

from docparse.base import DocumentInfo, DocumentParser, ParseOptions  # noqa: E402
from docparse.element import Element, ElementKind, Provenance  # noqa: E402
from docparse.errors import (CorruptDocumentError, DocumentTooLargeError, EncryptedDocumentError,  # noqa: E402
                             ParseError, UnsupportedFormatError)
from docparse.registry import ParsedDocument, open_document, parse_document, supported_extensions  # noqa: E402

__all__ = [
    "CorruptDocumentError", "DocumentInfo", "DocumentParser", "DocumentTooLargeError", "Element", "ElementKind",
    "EncryptedDocumentError", "ParseError", "ParseOptions", "ParsedDocument", "Provenance",
    "UnsupportedFormatError", "open_document", "parse_document", "supported_extensions",
]
