"""Files that claim more than they hold: decompression bombs in content streams, page trees that lie."""
import logging
import zlib

import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import CorruptDocumentError, parse_document  # noqa: E402
from docparse.pdf_limits import MAX_CONTENT_BYTES, _inflated_size, oversized_content  # noqa: E402
from tests.pdf_builders import make_report_pdf  # noqa: E402


def _flate_bomb(inflated_bytes: int) -> bytes:
    """Flate data of `inflated_bytes` of valid drawing operators, compressed piecewise (never all in memory)."""
    piece = b"0 0 m\n" * (1 << 17)  # 768 KB
    packer = zlib.compressobj(9)
    out = [packer.compress(piece) for _ in range(inflated_bytes // len(piece) + 1)]
    out.append(packer.flush())
    return b"".join(out)


def _with_bomb_on_page_2(tmp_path, inflated_bytes: int):
    path = make_report_pdf(tmp_path / "report.pdf")
    with pymupdf.open(path) as doc:
        xref = doc[1].get_contents()[0]
        doc.update_stream(xref, _flate_bomb(inflated_bytes), compress=False)
        doc.xref_set_key(xref, "Filter", "/FlateDecode")
        doc.save(tmp_path / "bomb.pdf")
    return tmp_path / "bomb.pdf"


def test_inflated_size_stops_counting_past_the_limit():
    data = _flate_bomb(8 << 20)
    assert len(data) < 100_000
    assert _inflated_size(data, 1 << 30) >= 8 << 20
    assert (1 << 20) < _inflated_size(data, 1 << 20) <= (2 << 20) + (1 << 20)  # stopped within a chunk or two
    assert _inflated_size(b"not flate at all", 100) == len(b"not flate at all")


def test_bomb_page_is_skipped_and_the_other_pages_kept(tmp_path, caplog):
    path = _with_bomb_on_page_2(tmp_path, MAX_CONTENT_BYTES + (8 << 20))
    assert path.stat().st_size < 1_000_000
    with pymupdf.open(path) as doc:
        assert oversized_content(doc, 0) is None
        assert "decompression bomb" in oversized_content(doc, 1)
    with caplog.at_level(logging.WARNING, logger="docparse.pdf_parser"):
        parsed = parse_document(path)
    assert {e.page for e in parsed.elements} == {1, 3}
    assert any("bomb.pdf page 2: skipped" in r.getMessage() and "decompression bomb" in r.getMessage()
               for r in caplog.records)


def test_page_tree_claiming_100000_pages_is_refused(tmp_path):
    data = make_report_pdf(tmp_path / "report.pdf").read_bytes()
    assert data.count(b"/Count 3") == 1
    (tmp_path / "liar.pdf").write_bytes(data.replace(b"/Count 3", b"/Count 100000"))
    with pytest.raises(CorruptDocumentError, match=r"liar\.pdf: damaged page tree"):
        parse_document(tmp_path / "liar.pdf")


def test_page_images_skip_the_bomb_page(tmp_path, caplog):
    from retrieval.page_images import render_page_images

    path = _with_bomb_on_page_2(tmp_path, MAX_CONTENT_BYTES + (8 << 20))
    with caplog.at_level(logging.WARNING, logger="retrieval.page_images"):
        written = [page for page, _ in render_page_images(path, "bomb", tmp_path / "lib")]
    assert written == [1, 3]
    assert any("page 2" in r.getMessage() and "decompression bomb" in r.getMessage() for r in caplog.records)
