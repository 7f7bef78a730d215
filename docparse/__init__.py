"""docparse: documents -> Elements (text chunks, titles, tables, figures) with page and box provenance.

Importing this package is cheap: PyMuPDF and the layout models load only when a PDF is parsed.
"""
from docparse.base import DocumentInfo, DocumentParser, ParseOptions
from docparse.element import Element, ElementKind, Provenance
from docparse.errors import (CorruptDocumentError, DocumentTooLargeError, EncryptedDocumentError, ParseError,
                             UnsupportedFormatError)
from docparse.registry import ParsedDocument, open_document, parse_document, supported_extensions

__all__ = [
    "CorruptDocumentError", "DocumentInfo", "DocumentParser", "DocumentTooLargeError", "Element", "ElementKind",
    "EncryptedDocumentError", "ParseError", "ParseOptions", "ParsedDocument", "Provenance",
    "UnsupportedFormatError", "open_document", "parse_document", "supported_extensions",
]
