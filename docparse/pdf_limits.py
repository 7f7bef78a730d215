"""Bounds on what one PDF page may cost before any extraction runs: decompression bombs.

A content stream of a few hundred kilobytes can inflate to gigabytes (a Flate bomb); MuPDF would inflate and
interpret all of it, taking minutes. Each page's content streams are inflated here first, in bounded chunks, and
a page whose content would exceed MAX_CONTENT_BYTES is skipped with a warning, before MuPDF touches it.
"""
from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymupdf

MAX_CONTENT_BYTES = 64 * 1024 * 1024  # far above real pages (a dense vector map is a few MB)
_CHUNK = 1 << 20


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes Flate data `raw` inflates to, counting stops past `limit`; holds one chunk at a time.
    Data that fails to inflate counts as its raw size (MuPDF will report it, if anything)."""
    inflater = zlib.decompressobj()
    total = 0
    data = raw
    try:
        while data:
            total += len(inflater.decompress(data, _CHUNK))
            if total > limit:
                break
            data = inflater.unconsumed_tail
    except zlib.error:
        return len(raw)
    return total


def oversized_content(doc: "pymupdf.Document", pno: int, limit: int = MAX_CONTENT_BYTES) -> str | None:
    """Why page `pno` (0-based) must not be interpreted, or None. Only Flate-encoded streams can hide their size;
    others are as large as their raw bytes."""
    try:
        xrefs = doc[pno].get_contents()
    except Exception:  # an unreadable page is the extraction path's problem, reported there
        return None
    total = 0
    for xref in xrefs:
        try:
            raw = doc.xref_stream_raw(xref) or b""
            flate = "FlateDecode" in (doc.xref_get_key(xref, "Filter")[1] or "")
        except Exception:
            continue
        total += _inflated_size(raw, limit - total) if flate else len(raw)
        if total > limit:
            return f"its content streams inflate to more than {limit // (1024 * 1024)} MB (a decompression bomb?)"
    return None
