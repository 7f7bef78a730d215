"""No document leaves a parse empty-handed in silence: a stream that ends without one element raises
`NoContentError`, whose message says why where the format can tell (EXPLAINERS), so an ingest reports the file
as failed instead of storing it with nothing to find."""
from __future__ import annotations

import importlib
import logging
from typing import Iterator

from docparse.base import DocumentInfo, ParseOptions
from docparse.element import Element
from docparse.errors import NoContentError

logger = logging.getLogger(__name__)

# DocumentInfo.format -> "module:function(info, options) -> reason", imported only when a document comes out empty
EXPLAINERS = {"pdf": "docparse.pdf_empty:explain_empty_pdf"}


def require_elements(info: DocumentInfo, options: ParseOptions, stream: Iterator[Element]) -> Iterator[Element]:
    """Pass `stream` through; when it ends having yielded nothing, raise `NoContentError` naming the file and,
    where EXPLAINERS has one for its format, the reason."""
    produced = 0
    try:
        for element in stream:
            produced += 1
            yield element
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    if produced:
        return
    reason = f"no text, tables or pictures found in its {_pages(info.pages)}"
    if info.format in EXPLAINERS:
        module, function = EXPLAINERS[info.format].split(":")
        try:
            reason = getattr(importlib.import_module(module), function)(info, options) or reason
        except Exception as err:  # the explanation is a courtesy; the failure is reported either way
            logger.debug("%s: could not tell why it is empty (%s: %s)", info.source, type(err).__name__, err)
    raise NoContentError(f"{info.source}: {reason}")


def _pages(count: int) -> str:
    return "page" if count == 1 else f"{count} pages"
