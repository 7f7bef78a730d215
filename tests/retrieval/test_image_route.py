"""The CLIP route inside LibraryIndex: crops and page images indexed on add, found by image and by text, removed
with their document; without a CLIP model, image search says it is off. Uses the tiny random-weight OpenCLIP
model of clip_fixtures (random weights still map identical images to identical vectors)."""
from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from docparse.base import DocumentInfo, file_doc_id
from docparse.element import Element, ElementKind, Provenance, element_id
from retrieval import LibraryIndex
from tests.retrieval.clip_fixtures import tiny_clip, tiny_embedder, write_pattern_image  # noqa: F401
from tests.retrieval.test_index import HashingEmbedder


def _pdf_with_crops(folder: Path, name: str = "plant.pdf") -> tuple[DocumentInfo, list[Element], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / name
    with pymupdf.open() as doc:
        page = doc.new_page(width=300, height=300)
        page.insert_text((20, 40), "Site report with a photograph and a table.")
        page.insert_text((20, 60), name)
        doc.save(pdf)
    doc_id = file_doc_id(pdf)
    photo = write_pattern_image(folder / "photo.png", seed=1)
    grid = write_pattern_image(folder / "grid.png", seed=2)

    def element(kind: ElementKind, text: str, image: Path | None, n: int) -> Element:
        return Element(id=element_id(doc_id, kind.value, 1, n, text), kind=kind, text=text,
                       provenance=Provenance(doc_id, name, 1, (10.0, 10.0, 100.0, 100.0)),
                       image=str(image) if image else None)

    elements = [element(ElementKind.TEXT, "Site report with a photograph and a table.", None, 0),
                element(ElementKind.FIGURE, "Figure 1: Site photograph", photo, 1),
                element(ElementKind.TABLE, "| Region | Total |", grid, 2)]
    info = DocumentInfo(doc_id=doc_id, source=name, path=str(pdf), pages=1, format="pdf")
    return info, elements, photo


def test_crops_and_pages_are_found_by_image_and_text(tmp_path: Path, tiny_embedder) -> None:  # noqa: F811
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), image_embedder=tiny_embedder)
    info, elements, photo = _pdf_with_crops(tmp_path / "docs")
    index.add(info, elements)
    assert index.images.images.count() == 3  # two crops and one page image

    by_image = index.search_by_image(photo, k=3)
    assert by_image[0].element.kind is ElementKind.FIGURE and by_image[0].routes == ("image",)
    page_png = tmp_path / "store" / "pages" / info.doc_id / "p1.jpg"
    assert page_png.is_file()
    page_hits = index.search_by_image(page_png, k=1)
    assert page_hits[0].element.kind is ElementKind.PAGE and page_hits[0].element.page == 1
    assert page_hits[0].element.image == str(page_png)
    assert [h.element.kind for h in index.search_by_image(photo, k=3, kinds=["table"])] == [ElementKind.TABLE]

    text_hits = index.search("site photograph", k=5)
    assert any("image" in h.routes for h in text_hits)
    assert len({h.element.id for h in text_hits}) == len(text_hits)  # one hit per element across routes

    index.remove("plant.pdf")
    assert index.images.images.count() == 0 and not page_png.parent.exists()


def test_without_clip_image_search_says_it_is_off(tmp_path: Path) -> None:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder())
    info, elements, photo = _pdf_with_crops(tmp_path / "docs")
    index.add(info, elements)
    with pytest.raises(ValueError, match="image search is off"):
        index.search_by_image(photo)
    assert {r for h in index.search("site photograph", k=5) for r in h.routes} <= {"dense", "lexical"}


def test_an_embedder_still_loading_holds_back_only_the_image_step(tmp_path: Path, tiny_embedder) -> None:  # noqa: F811
    from concurrent.futures import Future

    index = LibraryIndex(tmp_path / "store", HashingEmbedder())
    pending: Future = Future()
    index.clip.attach_when_ready(pending)
    assert index.clip.requested
    info, elements, _ = _pdf_with_crops(tmp_path / "docs")
    seen_text_at_image_step = []

    def finish_loading() -> None:  # runs when the index first asks for the route: the text is stored by then
        seen_text_at_image_step.append(index.catalog.elements_of(info.doc_id) != [])
        pending.set_result(tiny_embedder)

    pending.result = lambda timeout=None, _result=pending.result: (finish_loading(), _result(timeout))[1]
    index.add(info, elements)
    assert seen_text_at_image_step == [True]
    assert index.images.images.count() == 3


def test_an_embedder_that_failed_to_load_leaves_image_search_off(tmp_path: Path) -> None:
    from concurrent.futures import Future

    index = LibraryIndex(tmp_path / "store", HashingEmbedder())
    failed: Future = Future()
    failed.set_result(None)  # load_image_embedder's answer when the weights cannot be had
    index.clip.attach_when_ready(failed)
    assert index.images is None and not index.clip.requested


def test_orphan_image_vectors_are_swept_when_a_late_route_arrives(tmp_path: Path, tiny_embedder) -> None:  # noqa: F811
    from concurrent.futures import Future

    import numpy as np

    first = LibraryIndex(tmp_path / "store", HashingEmbedder(), image_embedder=tiny_embedder)
    info, elements, _ = _pdf_with_crops(tmp_path / "docs")
    first.add(info, elements)
    image_store = first.images.images.store
    vector = np.ones((1, tiny_embedder.dimension), dtype=np.float32) / np.sqrt(tiny_embedder.dimension)
    image_store.upsert(["killed-run"], vector, None, [{"doc_id": "not-stored", "source": "x.pdf", "page": 1,
                                                        "kind": "figure"}])
    first.close()

    later = LibraryIndex(tmp_path / "store", HashingEmbedder())
    pending: Future = Future()
    later.clip.attach_when_ready(pending)
    with later.write_lock():
        later.cleanup.sweep_all()  # the text store now; the image store is not open yet
    pending.set_result(tiny_embedder)
    info2, elements2, _ = _pdf_with_crops(tmp_path / "docs", "site.pdf")
    later.add(info2, elements2)
    assert later.images.images.count() == 6  # both documents' crops and pages; the orphan is gone


def test_documents_stored_while_clip_was_off_are_indexed_once_it_is_on(tmp_path: Path,
                                                                        tiny_embedder) -> None:  # noqa: F811
    from retrieval.image_route import images_complete

    root = tmp_path / "store"
    without = LibraryIndex(root, HashingEmbedder())  # no weights at the time
    was_complete = without.open_image_changes()
    first, first_elements, photo = _pdf_with_crops(tmp_path / "a", "first.pdf")
    second, second_elements, _ = _pdf_with_crops(tmp_path / "b", "second.pdf")
    without.add(first, first_elements)
    without.add(second, second_elements)
    assert without.close_image_changes(was_complete) == 0 and not images_complete(root)
    Path(second.path).unlink()  # its file is gone since; its page image is still in the store

    with_clip = LibraryIndex(root, HashingEmbedder(), image_embedder=tiny_embedder)
    was_complete = with_clip.open_image_changes()
    assert with_clip.close_image_changes(was_complete) == 2
    assert with_clip.images.images.count() == 6 and images_complete(root)  # 2 crops + 1 page, twice
    hits = with_clip.search_by_image(photo, k=6, kinds=["page"])
    assert {h.element.source for h in hits} == {"first.pdf", "second.pdf"}

    def no_check(doc_id: str) -> bool:
        raise AssertionError("a complete CLIP index was checked document by document")

    with_clip.images.images.holds = no_check  # type: ignore[method-assign]
    assert with_clip.open_image_changes() is True
    assert with_clip.close_image_changes(True) == 0 and images_complete(root)


def test_a_run_killed_between_open_and_close_leaves_a_full_backfill(tmp_path: Path,
                                                                   tiny_embedder) -> None:  # noqa: F811
    from retrieval.image_route import images_complete

    root = tmp_path / "store"
    index = LibraryIndex(root, HashingEmbedder(), image_embedder=tiny_embedder)
    info, elements, _ = _pdf_with_crops(tmp_path / "docs")
    index.close_image_changes(index.open_image_changes())  # an empty ingest: nothing to index, no marker yet
    index.add(info, elements)
    assert index.close_image_changes(index.open_image_changes()) == 0 and images_complete(root)
    assert index.open_image_changes() is True  # ... and the run is killed here
    index.images.images.remove(info.doc_id)  # as if it had died between commit and image step
    again = LibraryIndex(root, HashingEmbedder(), image_embedder=tiny_embedder)
    assert again.open_image_changes() is False
    assert again.close_image_changes(False) == 1 and again.images.images.count() == 3


def test_an_unwritable_marker_costs_a_warning_not_the_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from retrieval import image_route

    (tmp_path / image_route.CLIP_MARKER).write_text('{"clip_model": "tiny"}', encoding="utf-8")

    def disk_full(root: Path, data: dict) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(image_route, "_write_marker", disk_full)
    image_route.set_images_complete(tmp_path, True)
    assert "No space left on device" in caplog.text and "clip.json" in caplog.text
    assert not image_route.images_complete(tmp_path)
