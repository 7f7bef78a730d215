import pytest

from docparse import CorruptDocumentError, ElementKind, parse_document


def test_markdown_headings_sections_and_tables(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Guide\n\nIntro text here.\n\n## Setup\n\nInstall it.\nThen run it.\n\n"
                    "| Name | Value |\n|---|---|\n| a | 1 |\n| b | 2 |\n\n# Appendix\n\nMore.\n", encoding="utf-8")
    doc = parse_document(path)
    kinds = [(e.kind, e.text, e.section) for e in doc.elements]
    assert kinds[0] == (ElementKind.TITLE, "Guide", ())
    assert (ElementKind.TEXT, "Intro text here.", ("Guide",)) in kinds
    assert (ElementKind.TITLE, "Setup", ("Guide",)) in kinds
    assert (ElementKind.TEXT, "Install it. Then run it.", ("Guide", "Setup")) in kinds
    table = next(e for e in doc.elements if e.kind is ElementKind.TABLE)
    assert table.cells == (("Name", "Value"), ("a", "1"), ("b", "2"))
    assert table.section == ("Guide", "Setup")
    assert (ElementKind.TEXT, "More.", ("Appendix",)) in kinds
    assert all(e.page == 1 and e.bbox is None for e in doc.elements)


def test_plain_text_has_no_headings(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("# not a heading in txt\n\nbody\n", encoding="utf-8")
    doc = parse_document(path)
    assert all(e.kind is ElementKind.TEXT for e in doc.elements)


def test_bad_text_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CorruptDocumentError, match="empty.txt: empty file"):
        parse_document(empty)
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"\xff\xfe\x00bad\x80")
    with pytest.raises(CorruptDocumentError, match="bin.md"):
        parse_document(binary)
