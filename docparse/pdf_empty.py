"""Why a PDF gave no elements: per page, a decompression bomb that was skipped, a content stream MuPDF stopped
reading at a syntax error, pictures but no text, or nothing at all (docparse.empty_parse). And, for pages that did
give elements, a warning when MuPDF stopped reading their content early (text after the error is missing)."""
from __future__ import annotations

import logging
from pathlib import Path

from docparse.base import DocumentInfo, ParseOptions
from docparse.pdf_limits import oversized_content

logger = logging.getLogger(__name__)

MAX_PAGES_NAMED = 5  # a long empty document names its first few problem pages, then counts the rest


def _syntax_error(warnings: str) -> str | None:
    """The first syntax error that made MuPDF stop reading a page, or None. An unknown operator is skipped and
    the reading goes on, so it is not one."""
    return next((line.split(":", 1)[-1].strip() for line in warnings.splitlines()
                 if line.startswith("syntax error:") and "unknown keyword" not in line), None)


def start_content_check() -> None:
    """Forget MuPDF's earlier warnings, before a page is first interpreted (see warn_content_errors)."""
    import pymupdf

    pymupdf.TOOLS.reset_mupdf_warnings()


def warn_content_errors(source: str, pno: int) -> None:
    """Log a warning naming the page when MuPDF met a syntax error since start_content_check: it stops reading
    a content stream there, so the page's text after that point is missing."""
    import pymupdf

    error = _syntax_error(pymupdf.TOOLS.mupdf_warnings())
    if error:
        logger.warning("%s page %d: MuPDF stopped reading the page's content at a syntax error (%s); text after it "
                       "is missing", source, pno + 1, error)


def page_problem(doc, pno: int) -> str | None:
    """Why page `pno` (0-based) of an open pymupdf document gave nothing, or None when it is blank."""
    import pymupdf

    oversized = oversized_content(doc, pno)
    if oversized:
        return f"skipped, {oversized}"
    pymupdf.TOOLS.reset_mupdf_warnings()
    page = doc[pno]
    text = page.get_text("text").strip()
    error = _syntax_error(pymupdf.TOOLS.mupdf_warnings())
    if error:
        return f"MuPDF could not read its content stream (syntax error: {error})"
    if text:
        return "its text was not kept (page furniture only?)"
    if page.get_image_info():
        return "only pictures, too small to keep or with no text that OCR could read"
    return None


def explain_empty_pdf(info: DocumentInfo, options: ParseOptions) -> str:
    """One line on why the PDF at `info.path` gave no elements."""
    from docparse.pdf_open import open_pdf

    doc = open_pdf(Path(info.path), options.password)
    problems: list[str] = []
    try:
        for pno in range(doc.page_count):
            problem = page_problem(doc, pno)
            if problem:
                problems.append(f"page {pno + 1}: {problem}")
    finally:
        doc.close()
    pages = "page" if info.pages == 1 else f"{info.pages} pages"
    if not problems:
        return f"no text, tables or pictures on its {pages} (blank)"
    named = "; ".join(problems[:MAX_PAGES_NAMED])
    more = f"; and {len(problems) - MAX_PAGES_NAMED} more pages" if len(problems) > MAX_PAGES_NAMED else ""
    return f"nothing could be read from its {pages}: {named}{more}"
