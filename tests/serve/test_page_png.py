"""A stored page as PNG (serve.page_png): rendered from the PDF while it holds the stored bytes, else the store's own
page image, else an image document's file; a page that does not exist or a format without pages says why."""
from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image

from docparse.base import file_doc_id
from retrieval.document_record import DocumentRecord
from serve.page_png import PageImageError, page_png


def _record(path: Path, pages: int, fmt: str, doc_id: str | None = None) -> DocumentRecord:
    return DocumentRecord(doc_id=doc_id or file_doc_id(path), source=path.name, path=str(path), pages=pages,
                          format=fmt, n_elements=1, added_at=0.0)


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def test_a_pdf_page_is_rendered_at_110_dpi(tmp_path):
    from tests.pdf_builders import make_report_pdf

    pdf = make_report_pdf(tmp_path / "report.pdf")
    width, height = _size(page_png(tmp_path / "store", _record(pdf, 3, "pdf"), 3))
    assert abs(width - 595 * 110 / 72) < 2 and abs(height - 842 * 110 / 72) < 2  # A4 at 110 dpi


def test_a_changed_or_missing_file_falls_back_to_the_stored_page_image(report_library, tmp_path):
    store, pdf = report_library
    stored = _record(pdf, 3, "pdf")
    moved = dataclasses.replace(stored, path=str(tmp_path / "gone.pdf"))
    assert _size(page_png(store, moved, 2)) == (595, 842)  # the store's 72-dpi JPEG, as PNG
    changed = tmp_path / "report.pdf"
    changed.write_bytes(pdf.read_bytes() + b"\n% edited\n")  # same name, other bytes: not the stored version
    assert _size(page_png(store, dataclasses.replace(stored, path=str(changed)), 2)) == (595, 842)
    with pytest.raises(PageImageError, match=r"no image of page 2 of report\.pdf: its file .*gone\.pdf is gone"):
        page_png(tmp_path / "empty-store", moved, 2)


def test_an_image_document_is_its_own_page(tmp_path):
    photo = tmp_path / "scan.jpg"
    Image.new("RGB", (3000, 1500), "white").save(photo)
    assert _size(page_png(tmp_path / "store", _record(photo, 1, "jpg"), 1)) == (2000, 1000)  # bounded


def test_pages_that_do_not_exist_and_formats_without_pages(tmp_path):
    from tests.pdf_builders import make_report_pdf

    pdf = make_report_pdf(tmp_path / "report.pdf")
    for page in (0, 4):
        with pytest.raises(PageImageError, match=rf"report\.pdf has 3 pages \(1-3\); there is no page {page}"):
            page_png(tmp_path / "store", _record(pdf, 3, "pdf"), page)
    notes = tmp_path / "notes.docx"
    notes.write_bytes(b"not really a docx")
    with pytest.raises(PageImageError, match=r"notes\.docx is a docx document: it has no page images"):
        page_png(tmp_path / "store", _record(notes, 1, "docx"), 1)
