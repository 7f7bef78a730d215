"""A document that yields no element is never stored in silence: its stream raises NoContentError with a reason
(a decompression bomb skipped, a content stream MuPDF stopped reading, blank pages), in one process and in
parse workers alike."""
import zlib

import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ParseOptions, open_document, parse_document  # noqa: E402
from docparse.errors import NoContentError  # noqa: E402
from docparse.parallel import parse_in_workers  # noqa: E402


def _pdf_with_content(path, content: bytes, flate: bool = False):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "placeholder", fontsize=11)  # makes the font resource the content uses
    xref = page.get_contents()[0]
    if flate:
        doc.update_stream(xref, zlib.compress(content, 9), compress=False)
        doc.xref_set_key(xref, "Filter", "/FlateDecode")
    else:
        doc.update_stream(xref, content)
    doc.save(path)
    return path


def _bomb(path):
    return _pdf_with_content(path, b"BT /helv 11 Tf 72 700 Td (Bomb text) Tj ET\n" + b" " * (80 << 20), flate=True)


def _invalid_operators(path):
    # a broken inline image swallows the rest of the stream: MuPDF reads no text
    return _pdf_with_content(path, b"q BI /W 10 /H 10 ID garbage EI Q BT /helv 11 Tf 72 700 Td (Lost words) Tj ET")


def _blank(path):
    doc = pymupdf.open()
    doc.new_page()
    doc.save(path)
    return path


@pytest.mark.parametrize("build, reason", [
    (_bomb, "page 1: skipped, its content streams inflate to more than 64 MB"),
    (_invalid_operators, "page 1: MuPDF could not read its content stream (syntax error"),
    (_blank, "no text, tables or pictures on its page (blank)"),
])
def test_an_empty_parse_raises_with_its_reason(tmp_path, build, reason):
    path = build(tmp_path / "doc.pdf")
    info, elements = open_document(path, ParseOptions(ocr="off"))
    with pytest.raises(NoContentError) as raised:
        list(elements)
    assert str(raised.value).startswith("doc.pdf: ") and reason in str(raised.value)
    assert parse_document(path, ParseOptions(ocr="off")).elements == ()  # `docrag parse` shows the empty list


def test_parse_workers_report_an_empty_document_too(tmp_path):
    bomb = _bomb(tmp_path / "bomb.pdf")
    good = _pdf_with_content(tmp_path / "good.pdf", b"BT /helv 11 Tf 72 700 Td (Kept words) Tj ET")
    streams = []
    for stream in parse_in_workers([bomb, good], ParseOptions(ocr="off"), workers=2):
        try:
            streams.append((stream.path.name, [e.text for e in stream.elements]))
        except NoContentError as err:
            streams.append((stream.path.name, str(err)))
    assert streams[0][0] == "bomb.pdf" and "decompression bomb" in streams[0][1]
    assert streams[1] == ("good.pdf", ["Kept words"])


def test_a_page_read_only_in_part_is_named_in_a_warning(tmp_path, caplog):
    import logging

    partial = _pdf_with_content(tmp_path / "partial.pdf", b"BT /helv 11 Tf 72 700 Td (Kept words) Tj ET\n"
                                b"q BI /W 10 /H 10 ID garbage EI Q BT /helv 11 Tf 72 600 Td (Lost words) Tj ET")
    unknown = _pdf_with_content(tmp_path / "unknown.pdf", b"xyzzy 1 2 frob BT /helv 11 Tf 72 700 Td (All words) Tj"
                                b" ET foo")
    with caplog.at_level(logging.WARNING):
        assert [e.text for e in parse_document(partial, ParseOptions(ocr="off")).elements] == ["Kept words"]
        assert [e.text for e in parse_document(unknown, ParseOptions(ocr="off")).elements] == ["All words"]
    warnings = [r.getMessage() for r in caplog.records if "syntax error" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].startswith("partial.pdf page 1: MuPDF stopped reading")
