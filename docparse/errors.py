"""Errors raised while opening or parsing a document. Each message names the file (and page where one applies)."""
from __future__ import annotations


class ParseError(Exception):
    """A document could not be parsed; `str(err)` is a one-line reason that names the file."""

    reason = "parse error"


class EncryptedDocumentError(ParseError):
    """The document is password-protected and no password was given."""

    reason = "encrypted"


class CorruptDocumentError(ParseError):
    """The bytes are not a readable document of the claimed type (empty, truncated, mislabelled)."""

    reason = "corrupt"


class UnsupportedFormatError(ParseError):
    """No parser is registered for the file's type."""

    reason = "unsupported"


class DocumentTooLargeError(ParseError):
    """The document exceeds a configured limit (pages, pixels, bytes)."""

    reason = "too large"


class NoContentError(ParseError):
    """The document is readable but no text, table or picture came out of it; the message says why, where it
    can (a decompression bomb skipped, a content stream MuPDF could not read, blank pages)."""

    reason = "no content"
