"""Images as documents (docparse.image_parser): a figure plus OCR text, and refusal of bad images."""
from __future__ import annotations

import json
import re
import shutil
import struct
import time
import tracemalloc
import zlib

import pymupdf
import pytest

from docparse import (CorruptDocumentError, DocumentTooLargeError, ElementKind, ParseError, ParseOptions,
                      parse_document, supported_extensions)
from docparse import image_parser

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract binary not installed (apt-get install tesseract-ocr "
                                            "tesseract-ocr-eng tesseract-ocr-kor; .ci/run does this)")

PAGE_LINES = ("Annual Safety Review", "Inspections found no critical defects in the northern plant.",
              "Maintenance crews replaced the cooling pumps ahead of schedule.",
              "The board approved the budget for new fire doors and sensors.")


def _font(folder, size: int):
    from PIL import ImageFont

    path = folder / "cjk-font.otf"
    if not path.exists():
        path.write_bytes(pymupdf.Font("korea").buffer)  # PyMuPDF's bundled font, with Latin glyphs
    return ImageFont.truetype(str(path), size)


def make_text_png(path, folder):
    """A photographed page: a title and three lines of body text, black on white."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(image)
    draw.text((80, 60), PAGE_LINES[0], font=_font(folder, 72), fill="black")
    for i, line in enumerate(PAGE_LINES[1:]):
        draw.text((80, 260 + i * 90), line, font=_font(folder, 44), fill="black")
    image.save(path)
    return path


def make_photo_png(path):
    """Shapes and a colour gradient: a picture with no text in it."""
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 120, 420, 340), fill=(240, 180, 30))
    draw.rectangle((40, 300, 180, 460), fill=(30, 120, 60))
    image.save(path)
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_bomb_png(path, side: int = 50_000):
    """A valid PNG header declaring side x side pixels (2.5 gigapixels for 50,000), with a tiny data stream."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                     + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b""))
    return path


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def test_image_types_are_registered():
    assert {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"} <= set(supported_extensions())


@needs_tesseract
def test_png_with_text_is_a_figure_plus_text_elements(tmp_path):
    png = make_text_png(tmp_path / "page.png", tmp_path)
    parsed = parse_document(png, ParseOptions(assets_dir=tmp_path / "assets"))
    assert parsed.info.pages == 1
    figure = parsed.elements[0]
    assert figure.kind is ElementKind.FIGURE and figure.page == 1
    assert figure.bbox == (0.0, 0.0, 1600.0, 900.0)  # one point per pixel of the original image
    assert figure.image and (tmp_path / "assets").exists()
    expected = _words(" ".join(PAGE_LINES))
    assert len(expected & _words(figure.text)) >= 0.8 * len(expected), figure.text
    text = " ".join(e.text for e in parsed.elements if e.kind is ElementKind.TEXT)
    assert len(_words(" ".join(PAGE_LINES[1:])) & _words(text)) >= 0.8 * len(_words(" ".join(PAGE_LINES[1:])))
    titles = [e for e in parsed.elements if e.kind is ElementKind.TITLE]
    assert titles and "safety" in titles[0].text.lower()
    body = next(e for e in parsed.elements if e.kind is ElementKind.TEXT)
    assert body.section == (titles[0].text,)
    assert 0 <= body.bbox[0] < 200 and 200 < body.bbox[1] < 400  # in image pixels, where the lines were drawn


@needs_tesseract
def test_photo_without_text_is_one_figure(tmp_path):
    parsed = parse_document(make_photo_png(tmp_path / "photo.png"))
    assert [e.kind for e in parsed.elements] == [ElementKind.FIGURE]
    assert len(parsed.elements[0].text) < 20


def test_not_an_image_fails_with_the_file_name(tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("this is text, not a picture", encoding="utf-8")
    with pytest.raises(CorruptDocumentError) as err:
        parse_document(fake)
    assert "notes.png" in str(err.value) and "\n" not in str(err.value)


def test_truncated_image_fails_with_the_file_name(tmp_path):
    good = make_photo_png(tmp_path / "photo.png")
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(CorruptDocumentError) as err:
        parse_document(cut, ParseOptions(ocr="off"))
    assert "cut.png" in str(err.value)


def test_decompression_bomb_is_refused_fast_in_bounded_memory(tmp_path):
    bomb = make_bomb_png(tmp_path / "bomb.png")
    tracemalloc.start()
    started = time.time()
    with pytest.raises(DocumentTooLargeError) as err:
        parse_document(bomb)
    elapsed = time.time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "bomb.png" in str(err.value) and "decompression bomb" in str(err.value)
    assert isinstance(err.value, ParseError)
    assert elapsed < 5 and peak < 50 * 2**20


def test_header_over_our_pixel_limit_is_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(image_parser, "MAX_DECLARED_PIXELS", 1_000_000)
    with pytest.raises(DocumentTooLargeError) as err:
        parse_document(make_bomb_png(tmp_path / "wide.png", side=2_000))
    assert "2000 x 2000" in str(err.value) and "1,000,000" in str(err.value)


def test_big_image_is_downscaled_before_ocr(tmp_path, monkeypatch):
    from PIL import Image

    seen = []

    class SizeEngine:
        name, scripts = "size", frozenset({"latin"})

        def unavailable(self):
            return None

        def recognize(self, image, languages, sparse=False):
            seen.append(image.size)
            return []

    monkeypatch.setattr(image_parser, "engine_for", lambda choice, languages: SizeEngine())
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (120, 160, 200)).save(path, quality=80)
    parsed = parse_document(path, ParseOptions(max_image_pixels=1_000_000, assets_dir=tmp_path / "a"))
    assert seen and seen[0][0] * seen[0][1] <= 1_000_000
    assert parsed.elements[0].bbox == (0.0, 0.0, 4000.0, 3000.0)  # boxes stay in the original's pixels
    with Image.open(parsed.elements[0].image) as crop:
        assert max(crop.size) <= image_parser.MAX_CROP_SIDE


@needs_tesseract
def test_cli_parse_json_of_a_png(tmp_path, capsys):
    from chat.cli import main

    png = make_text_png(tmp_path / "scan.png", tmp_path)
    assert main(["parse", str(png), "--json", "--store", str(tmp_path / "store"), "--no-images"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "scan.png" and out["pages"] == 1
    assert out["elements"][0]["kind"] == "figure" and out["elements"][0]["image"]
    assert "safety" in out["elements"][0]["text"].lower()
    assert main(["parse", str(png), "--json", "--store", str(tmp_path / "store"), "--no-images",
                 "--ocr", "off"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in out["elements"]] == ["figure"] and not out["elements"][0]["text"]
