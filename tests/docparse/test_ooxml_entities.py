"""Entity references in a DOCX lose no text: the text after an unresolved or undeclared entity is kept, internal
entities read as their text, and external ones (XXE) and nested ones (billion laughs) read as nothing."""
import zipfile

import pytest

pytest.importorskip("docx")

from docparse import ParseOptions, parse_document  # noqa: E402
from docparse.ooxml_entities import clean_part  # noqa: E402

_LAUGHS = b'<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'


def _docx(tmp_path, name: str, declarations: bytes | None, reference: bytes):
    import docx

    document = docx.Document()
    document.add_paragraph("Alpha paragraph before the entity.")
    document.add_paragraph("Bravo MARKER tail text after it.")
    document.add_paragraph("Charlie paragraph after the entity.")
    plain = tmp_path / "plain.docx"
    document.save(str(plain))
    target = tmp_path / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"MARKER", reference)
                if declarations is not None:
                    head, rest = data.split(b"?>", 1)
                    data = head + b"?><!DOCTYPE w:document [" + declarations + b"]>" + rest
            out.writestr(item, data)
    return target


@pytest.mark.parametrize("declarations, reference, middle", [
    (b'<!ENTITY ext SYSTEM "file:///etc/hostname">', b"&ext;", "Bravo  tail text after it."),
    (b'<!ENTITY co "Zentrix Corp">', b"&co;", "Bravo Zentrix Corp tail text after it."),
    (_LAUGHS, b"&c;", "Bravo  tail text after it."),
    (None, b"&undeclared;", "Bravo  tail text after it."),
])
def test_text_after_an_entity_is_kept(tmp_path, declarations, reference, middle):
    path = _docx(tmp_path, "entity.docx", declarations, reference)
    text = "\n".join(e.text for e in parse_document(path, ParseOptions(ocr="off")).elements)
    assert "Alpha paragraph" in text and middle in text and "Charlie paragraph" in text
    assert "lollol" not in text


def test_parts_without_entities_are_left_alone():
    assert clean_part(b'<?xml version="1.0"?><w:t>Fish &amp; chips &#169;</w:t>') is None
    assert clean_part(b"<!DOCTYPE x [<!ENTITY e 'a<b'>]><x>&e;&amp;</x>") == b"<x>&amp;</x>"
