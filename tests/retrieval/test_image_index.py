"""Page images (rendering, bounds, skipping bad pages) and the CLIP image index (add, search, filters, remove)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from retrieval import page_images  # noqa: E402
from retrieval.clip_embedder import ImageEmbedder  # noqa: E402
from retrieval.image_index import CLIP_COLLECTION, ImageIndex, ImageItem, page_element_id  # noqa: E402
from retrieval.page_images import (existing_page_image, page_image_path, delete_document_folders,  # noqa: E402
                                    render_page_images)
from tests.retrieval.clip_fixtures import (TinyClip, tiny_clip, tiny_embedder,  # noqa: E402,F401
                                           write_pattern_image)


def _make_pdf(path: Path) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "Quarterly revenue", fontsize=22)
    page.draw_rect(pymupdf.Rect(72, 200, 300, 400), color=(0, 0, 1), fill=(1, 0.8, 0))
    page = doc.new_page(width=14400, height=2000)  # a banner page: PyMuPDF's largest width
    page.insert_text((100, 1000), "wide", fontsize=200)
    doc.new_page(width=300, height=300)
    doc.save(path)
    doc.close()
    return path


def test_page_images_are_small_jpegs(tmp_path: Path) -> None:
    from PIL import Image

    pdf = _make_pdf(tmp_path / "report.pdf")
    written = list(render_page_images(pdf, "doc1", tmp_path / "lib"))
    assert [n for n, _ in written] == [1, 2, 3]
    for number, path in written:
        assert path == page_image_path(tmp_path / "lib", "doc1", number) == tmp_path / "lib/pages/doc1" / f"p{number}.jpg"
        assert existing_page_image(tmp_path / "lib", "doc1", number) == path
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB" and max(image.size) <= 1024
        assert path.stat().st_size < 300_000
    with Image.open(written[0][1]) as image:
        assert image.size == (595, 842)  # 72 dpi: one pixel per point
    assert not list((tmp_path / "lib/pages/doc1").glob(".*partial"))
    delete_document_folders(tmp_path / "lib", ["doc1", "../lib"])  # a doc_id that is a path deletes nothing
    assert not (tmp_path / "lib/pages/doc1").exists()
    with pytest.raises(ValueError, match="missing.pdf"):
        list(render_page_images(tmp_path / "missing.pdf", "doc2", tmp_path / "lib"))


def test_png_page_images_of_older_stores_are_found_and_not_rendered_again(tmp_path: Path) -> None:
    from PIL import Image

    pdf = _make_pdf(tmp_path / "report.pdf")
    legacy = tmp_path / "lib/pages/doc1/p2.png"
    legacy.parent.mkdir(parents=True)
    Image.new("RGB", (10, 10), "white").save(legacy)
    written = dict(render_page_images(pdf, "doc1", tmp_path / "lib"))
    assert written[2] == legacy and existing_page_image(tmp_path / "lib", "doc1", 2) == legacy
    assert written[1].suffix == written[3].suffix == ".jpg"
    assert not page_image_path(tmp_path / "lib", "doc1", 2).exists()
    assert existing_page_image(tmp_path / "lib", "doc1", 4) is None


def test_a_failing_page_is_skipped_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    pdf = _make_pdf(tmp_path / "report.pdf")
    real = page_images.render_page_image

    def flaky(page, target, dpi, max_side):  # type: ignore[no-untyped-def]
        if page.number == 1:
            raise RuntimeError("broken content stream")
        return real(page, target, dpi, max_side)

    monkeypatch.setattr(page_images, "render_page_image", flaky)
    caplog.set_level(logging.WARNING)
    assert [n for n, _ in render_page_images(pdf, "doc1", tmp_path)] == [1, 3]
    [record] = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert "page 2" in record.getMessage() and "report.pdf" in record.getMessage()
    assert not page_image_path(tmp_path, "doc1", 2).exists()


def test_image_index(tiny_embedder: ImageEmbedder, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    images = {seed: str(write_pattern_image(tmp_path / f"im{seed}.png", seed)) for seed in range(1, 6)}
    pdf = _make_pdf(tmp_path / "a.pdf")
    [(_, page_png), *_] = render_page_images(pdf, "d1", tmp_path)
    index = ImageIndex(tmp_path, tiny_embedder)
    assert index.store.collection_name == CLIP_COLLECTION
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    caplog.set_level(logging.WARNING)
    stored = index.add("d1", "a.pdf", [ImageItem("d1:fig1", "figure", 1, images[1]),
                                       ImageItem("d1:tab1", "table", 2, images[2]),
                                       ImageItem("d1:bad", "figure", 2, str(bad)),
                                       ImageItem(page_element_id("d1", 1), "page", 1, str(page_png))])
    assert stored == 3 and index.count() == 3
    assert any("d1:bad" in r.getMessage() and "bad.png" in r.getMessage() for r in caplog.records)
    assert index.add("d2", "b.pdf", [ImageItem("d2:fig1", "figure", 4, images[3]),
                                     ImageItem(page_element_id("d2", 1), "page", 1, images[4])]) == 2

    for seed, element_id in ((1, "d1:fig1"), (2, "d1:tab1"), (3, "d2:fig1")):
        top = index.search_image(images[seed], k=5)[0]
        assert top.element_id == element_id and top.distance < 1e-4
    top = index.search_image(images[3], k=5)[0]
    assert (top.kind, top.source, top.page) == ("figure", "b.pdf", 4)
    pages = index.search_image(images[1], k=5, kinds=["page"])
    assert {m.element_id for m in pages} == {"d1:page:1", "d2:page:1"} and {m.kind for m in pages} == {"page"}
    only_a = index.search_image(images[3], k=5, where={"source": {"$in": ["a.pdf"]}}, kinds=["figure", "table"])
    assert {m.element_id for m in only_a} == {"d1:fig1", "d1:tab1"}
    assert index.search_image(images[1], k=5, kinds=[]) == []
    with pytest.raises(ValueError, match="valid: figure, table, page"):
        index.search_image(images[1], kinds=["text"])

    by_text = index.search_text(["a bar chart", "a table of sales"], k=2)
    assert len(by_text) == 2 and all(len(row) == 2 for row in by_text)
    assert all(row[0].distance <= row[1].distance for row in by_text)

    index.remove("d1")
    assert index.count() == 2
    assert {m.element_id for m in index.search_image(images[1], k=10)} == {"d2:fig1", "d2:page:1"}
    with pytest.raises(ValueError, match="figure, table, page"):
        ImageItem("x", "text", 1, images[1])
