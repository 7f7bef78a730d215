"""The hostile folder of bench/hostile_inputs.py: 60-odd inputs that are broken, malicious, odd or special.

`build(folder, outside)` writes them and returns one `Input` per entry an ingest of `folder` must account for
(stored, or named in failed/skipped), each with the canary phrase that must be searchable afterwards when the
input holds readable text. Every entry has a distinct base name, because the ingest report names files by base
name. `outside` receives the target of the link that leaves the folder.
"""
from __future__ import annotations

import os
import socket
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.docparse.office_builders import (make_docx, make_encrypted_docx, make_eml, make_html,  # noqa: E402
                                            make_pptx, make_xlsx)
from tests.pdf_builders import TABLE_GRID, _png, _ruled_table, make_bad_files, make_report_pdf  # noqa: E402

BODY = ("The committee reviewed the annual budget and approved the capital plan for the coming year. "
        "Spending on maintenance rises while new construction is deferred until the review ends.")


@dataclass(frozen=True)
class Input:
    """One entry of the hostile folder: its base name, what it is, and a phrase its text holds (None: none
    that must be found, e.g. a refused file)."""

    name: str
    kind: str
    canary: str | None = None


def _pdf(path: Path, lines: list[tuple[float, str]], width: float = 595, height: float = 842) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    for y, text in lines:
        page.insert_text((72, y), text, fontsize=11)
    doc.save(path)
    return path


def _pdf_with_content(path: Path, content: bytes, flate: bool = False) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "placeholder", fontsize=11)
    xref = page.get_contents()[0]
    if flate:
        doc.update_stream(xref, zlib.compress(content, 9), compress=False)
        doc.xref_set_key(xref, "Filter", "/FlateDecode")
    else:
        doc.update_stream(xref, content)
    doc.save(path)
    return path


def _rewrite_docx(source: Path, target: Path, declarations: bytes | None, reference: bytes) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"MARKER", reference)
                if declarations is not None:
                    head, rest = data.split(b"?>", 1)
                    data = head + b"?><!DOCTYPE w:document [" + declarations + b"]>" + rest
            zout.writestr(item, data)
    return target


def _entity_docx(path: Path, declarations: bytes | None, reference: bytes, canary: str) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph(f"Bravo MARKER {canary}.")
    plain = path.with_name(path.name + ".plain")
    document.save(str(plain))
    _rewrite_docx(plain, path, declarations, reference)
    plain.unlink()
    return path


def _zip_bomb_docx(path: Path, inflated: int = (2 << 30) + (64 << 20)) -> Path:
    """A DOCX one of whose parts inflates past the 2 GiB limit (zeros, written piecewise)."""
    import docx

    plain = path.with_name(path.name + ".plain")
    docx.Document().save(str(plain))
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        with zout.open("word/media/bomb.bin", "w", force_zip64=True) as part:
            block = bytes(64 << 20)
            for _ in range(inflated // len(block)):
                part.write(block)
    plain.unlink()
    return path


def _png_header_only(path: Path, width: int, height: int) -> Path:
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


def _text_png(path: Path, text: str) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1400, 200), "white")
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 48)
    except OSError:
        font = ImageFont.load_default(size=48)
    ImageDraw.Draw(image).text((20, 70), text, fill="black", font=font)
    image.save(path)
    return path


def _pdf_inputs(folder: Path) -> list[Input]:
    out: list[Input] = []
    make_report_pdf(folder / "report.pdf")
    out.append(Input("report.pdf", "good PDF", "Zentrix Corp"))
    _pdf(folder / "top-line.pdf", [(30, "Launch code for omega is 5521"), (200, BODY)])
    out.append(Input("top-line.pdf", "one-page PDF whose only top line is short", "Launch code for omega"))
    doc = pymupdf.open()
    page = doc.new_page(width=14400, height=14400)
    page.insert_text((120, 190), "Table 1: Harvest by orchard", fontsize=11)
    _ruled_table(page, TABLE_GRID, 120, 200, 110, 24)
    page.insert_textbox(pymupdf.Rect(72, 400, 540, 600), "Quincewood orchard " + BODY, fontsize=11)
    doc.save(folder / "huge-page.pdf")
    out.append(Input("huge-page.pdf", "200 x 200 inch page with a table", "Quincewood orchard"))
    _pdf_with_content(folder / "flate-bomb.pdf", b"BT /helv 11 Tf 72 700 Td (Bomb) Tj ET\n" + b" " * (200 << 20),
                      flate=True)
    out.append(Input("flate-bomb.pdf", "content stream inflating to 200 MB"))
    _pdf_with_content(folder / "invalid-operators.pdf",
                      b"q BI /W 10 /H 10 ID garbage EI Q BT /helv 11 Tf 72 700 Td (Lost words) Tj ET")
    out.append(Input("invalid-operators.pdf", "content stream MuPDF stops reading"))
    _pdf_with_content(folder / "unknown-operators.pdf",
                      b"xyzzy 1 2 frob BT /helv 11 Tf 72 700 Td (Marrowbone quarry survives) Tj ET foo")
    out.append(Input("unknown-operators.pdf", "unknown content operators around text", "Marrowbone quarry"))
    bad = make_bad_files(folder / "_bad")
    for name, kind in (("empty.pdf", "0-byte PDF"), ("truncated.pdf", "PDF cut at 40%"),
                       ("encrypted.pdf", "password-protected PDF"), ("renamed.pdf", "text file named .pdf")):
        bad[name].rename(folder / name)
        out.append(Input(name, kind))
    bad["notes.xyz"].rename(folder / "notes.xyz")
    out.append(Input("notes.xyz", "unsupported type"))
    (folder / "_bad").rmdir()
    doc = pymupdf.open()
    doc.new_page()
    doc.save(folder / "blank.pdf")
    out.append(Input("blank.pdf", "blank page"))
    (folder / "png-named.pdf").write_bytes(_png())
    out.append(Input("png-named.pdf", "PNG named .pdf"))
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(page.rect, stream=_png())
    doc.save(folder / "picture-only.pdf")
    out.append(Input("picture-only.pdf", "page-size picture, no text"))
    data = (folder / "report.pdf").read_bytes()
    (folder / "bad-xref.pdf").write_bytes(data.replace(b"startxref", b"startxref\n999999999\n%"))
    out.append(Input("bad-xref.pdf", "damaged cross-reference table", "Zentrix Corp"))
    lying = data.replace(b"/Count 3", b"/Count 100000", 1)
    assert lying != data, "the report PDF's page tree should say /Count 3"
    (folder / "lying-page-count.pdf").write_bytes(lying)
    out.append(Input("lying-page-count.pdf", "page tree claiming 100,000 pages"))
    return out


def _office_inputs(folder: Path) -> list[Input]:
    out: list[Input] = []
    make_docx(folder / "plan.docx")
    out.append(Input("plan.docx", "good DOCX", "Quillfeather turbine"))
    make_pptx(folder / "deck.pptx")
    out.append(Input("deck.pptx", "good PPTX", "Marrowgate reservoir"))
    make_xlsx(folder / "sheet.xlsx")
    out.append(Input("sheet.xlsx", "good XLSX", "Tindlewick"))
    make_html(folder / "page.html")
    out.append(Input("page.html", "good HTML", "Osterbrook ferry"))
    make_eml(folder / "mail.eml")
    out.append(Input("mail.eml", "good e-mail", "Harrowmere depot"))
    _entity_docx(folder / "xxe.docx", b'<!ENTITY ext SYSTEM "file:///etc/passwd">', b"&ext;", "Fernhollow sluice")
    out.append(Input("xxe.docx", "external entity (XXE)", "Fernhollow sluice"))
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (i, (b"&l%d;" % (i - 1)) * 10 if i else b"lol") for i in range(10))
    _entity_docx(folder / "billion-laughs.docx", laughs, b"&l9;", "Gallowmere weir")
    out.append(Input("billion-laughs.docx", "nested entities (billion laughs)", "Gallowmere weir"))
    _entity_docx(folder / "undeclared-entity.docx", None, b"&nbsp;", "Hobbleford lock")
    out.append(Input("undeclared-entity.docx", "undeclared entity reference", "Hobbleford lock"))
    _zip_bomb_docx(folder / "zip-bomb.docx")
    out.append(Input("zip-bomb.docx", "part inflating past 2 GiB"))
    make_encrypted_docx(folder / "locked.docx")
    out.append(Input("locked.docx", "password-protected DOCX"))
    (folder / "legacy.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    out.append(Input("legacy.docx", "OLE (legacy Word) bytes named .docx"))
    data = (folder / "plan.docx").read_bytes()
    (folder / "truncated.docx").write_bytes(data[: len(data) // 2])
    out.append(Input("truncated.docx", "DOCX cut in half"))
    (folder / "empty.pptx").write_bytes(b"")
    out.append(Input("empty.pptx", "0-byte PPTX"))
    (folder / "binary.html").write_bytes(bytes(range(256)) * 64)
    out.append(Input("binary.html", "binary bytes named .html"))
    (folder / "deep-nesting.html").write_text("<div>" * 100_000 + "Nestwick " + "</div>" * 100_000)
    out.append(Input("deep-nesting.html", "100,000 nested elements"))
    (folder / "not-mail.eml").write_text("just words, no header lines\n")
    out.append(Input("not-mail.eml", "e-mail without headers"))
    return out


def _text_and_image_inputs(folder: Path) -> list[Input]:
    out: list[Input] = []
    (folder / "notes.txt").write_text("Pellucid lantern inventory is kept in the east shed.\n")
    out.append(Input("notes.txt", "good text", "Pellucid lantern"))
    (folder / "empty.txt").write_bytes(b"")
    out.append(Input("empty.txt", "0-byte text"))
    (folder / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me at the Vossberg kiosk\n".encode("latin-1"))
    out.append(Input("latin1.txt", "Latin-1 bytes, not UTF-8"))
    (folder / "nul-bytes.txt").write_bytes(b"Wexcombe\0\0\0" * 1000)
    out.append(Input("nul-bytes.txt", "text with NUL bytes"))
    (folder / "one-long-line.md").write_text("Thistlecombe " * 100_000)
    out.append(Input("one-long-line.md", "1.3 MB on one line", "Thistlecombe"))
    _text_png(folder / "sign.png", "Harbour schedule for pier nine")
    out.append(Input("sign.png", "image with text (OCR)", "pier nine"))
    _png_header_only(folder / "png-bomb.png", 100_000, 100_000)
    out.append(Input("png-bomb.png", "PNG header claiming 10 gigapixels"))
    data = (folder / "sign.png").read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 3])
    out.append(Input("truncated.png", "PNG cut at a third"))
    (folder / "empty.jpg").write_bytes(b"")
    out.append(Input("empty.jpg", "0-byte JPEG"))
    (folder / "text-named.png").write_text("not an image")
    out.append(Input("text-named.png", "text named .png"))
    (folder / "README").write_text("no extension")
    out.append(Input("README", "no extension"))
    (folder / "UPPER.TXT").write_text("Quorndale ferry timetable in capitals.\n")
    out.append(Input("UPPER.TXT", "upper-case extension", "Quorndale ferry"))
    return out


def _special_inputs(folder: Path, outside: Path) -> list[Input]:
    out: list[Input] = []
    os.mkfifo(folder / "fifo.pdf")
    out.append(Input("fifo.pdf", "FIFO (opening it would block)"))
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "socket.txt"))
    out.append(Input("socket.txt", "Unix socket"))
    (folder / "self-loop.pdf").symlink_to(folder / "self-loop.pdf")
    out.append(Input("self-loop.pdf", "link to itself"))
    (folder / "loops").mkdir()
    (folder / "loops" / "up").symlink_to(folder)
    out.append(Input("up", "folder link back up the tree"))
    (folder / "dangling.pdf").symlink_to(folder / "no-such-target.pdf")
    out.append(Input("dangling.pdf", "broken link"))
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "private-key.txt").write_text("Secret vault phrase heliotrope nine.\n")
    (folder / "outside-link.txt").symlink_to(outside / "private-key.txt")
    out.append(Input("outside-link.txt", "link leaving the folder"))
    (folder / "inside-link.txt").symlink_to(folder / "notes.txt")
    out.append(Input("inside-link.txt", "link to a file in the folder", "Pellucid lantern"))
    _pdf(folder / "..%2F..%2Fevil.pdf", [(200, "Traversal-looking names keep Brindlecote mill")])
    out.append(Input("..%2F..%2Fevil.pdf", "name with ..%2F", "Brindlecote mill"))
    for name, canary in (("보고서 ✓ 2024.txt", "Yarrowby"), ("name with  spaces .md", "Ockendale"),
                         ("new\nline.txt", "Wrenfield"), ("...three-dots.txt", "Dunmarsh"),
                         ("tab\tand;semi'quote\".txt", "Cobblestow")):
        (folder / name).write_text(f"{canary} records are in this file.\n")
        out.append(Input(name, "odd file name", canary))
    (folder / ".hidden-notes.txt").write_text("hidden\n")
    out.append(Input(".hidden-notes.txt", "dot file"))
    deep = folder.joinpath(*[f"level{i}" for i in range(40)])
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("Kestrelmoor is forty folders down.\n")
    out.append(Input("deep.txt", "file 40 folders deep", "Kestrelmoor"))
    return out


def build(folder: Path, outside: Path) -> list[Input]:
    """Write the hostile folder (see the module docstring) and return its inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = (_pdf_inputs(folder) + _office_inputs(folder) + _text_and_image_inputs(folder)
              + _special_inputs(folder, outside))
    names = [item.name for item in inputs]
    assert len(names) == len(set(names)), "every input needs its own base name"
    return inputs
