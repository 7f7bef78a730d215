"""Page images (with boxes drawn and the sizes a viewer needs to place them) and crops; crafted ids are 404 and
only files inside the store are served."""
from __future__ import annotations

import io

import pytest

pytest.importorskip("fastapi")


def _doc_id(api) -> str:
    return api.get("/api/documents").json()["documents"][0]["doc_id"]


def _image(data: bytes):
    from PIL import Image
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_page_image_with_sizes_and_drawn_boxes(api):
    doc_id = _doc_id(api)
    plain = api.get(f"/api/pages/{doc_id}/1")
    assert plain.status_code == 200 and plain.headers["content-type"] == "image/png"
    width, height = float(plain.headers["x-page-width"]), float(plain.headers["x-page-height"])
    scale = float(plain.headers["x-image-scale"])
    assert (width, height) == (595.0, 842.0) and plain.headers["x-page-count"] == "3"
    image = _image(plain.content)
    assert abs(image.width - width * scale) < 1 and abs(image.height - height * scale) < 1
    info = api.get(f"/api/pages/{doc_id}/1/info").json()
    assert info["pages"] == 3 and info["width"] == 595.0 and info["image_width"] == image.width
    assert info["scale"] == pytest.approx(scale, abs=1e-5)

    boxed = _image(api.get(f"/api/pages/{doc_id}/1", params={"boxes": "300,700,400,760;10,10,20,20"}).content)
    edge = [boxed.getpixel((round(300 * scale) + dx, round(730 * scale))) for dx in (-1, 0, 1)]
    assert any(r > 200 and g < 100 for r, g, _ in edge)  # the outline, where the plain page is white
    assert image.getpixel((round(300 * scale), round(730 * scale))) == (255, 255, 255)
    inside = boxed.getpixel((round(350 * scale), round(730 * scale)))
    assert inside != (255, 255, 255) and inside[0] > 200  # a light tint inside the box
    assert boxed.getpixel((round(200 * scale), round(730 * scale))) == image.getpixel((round(200 * scale),
                                                                                      round(730 * scale)))


def test_page_bad_boxes_and_pages(api):
    doc_id = _doc_id(api)
    assert api.get(f"/api/pages/{doc_id}/1", params={"boxes": "1,2,3"}).status_code == 400
    for page in ("0", "4", "-1", "x", "1.5"):
        assert api.get(f"/api/pages/{doc_id}/{page}").status_code == 404, page
        assert api.get(f"/api/pages/{doc_id}/{page}/info").status_code == 404, page


@pytest.mark.parametrize("doc_id", ["..", "..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "/etc/passwd",
                                    "..%5C..%5Cwindows", "0" * 40, "report.pdf", "%2e%2e"])
def test_crafted_page_ids_are_404(api, doc_id):
    assert api.get(f"/api/pages/{doc_id}/1").status_code == 404
    assert api.get(f"/api/pages/{doc_id}/1/info").status_code == 404


def test_crop_of_a_cited_table(api):
    hits = api.post("/api/search", json={"query": "sales table", "k": 10, "kind": "table"}).json()["hits"]
    table = next(h for h in hits if h["image"])
    response = api.get(f"/api/elements/{table['id']}/crop")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert _image(response.content).width > 10
    text = api.post("/api/search", json={"query": "sales", "k": 10, "kind": "text"}).json()["hits"][0]
    assert api.get(f"/api/elements/{text['id']}/crop").status_code == 404  # text has no crop


@pytest.mark.parametrize("key", ["..", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "0" * 16 + "-" + "0" * 20,
                                 "abc"])
def test_crafted_crop_keys_are_404(api, key):
    assert api.get(f"/api/elements/{key}/crop").status_code == 404


def test_a_crop_path_outside_the_store_is_not_served(api, tmp_path):
    from dataclasses import replace

    hits = api.post("/api/search", json={"query": "sales table", "k": 10, "kind": "table"}).json()["hits"]
    key = next(h for h in hits if h["image"])["id"]
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"not for clients")
    catalog = api.app.state.docrag.access.library.index.catalog
    real = catalog.get_elements
    catalog.get_elements = lambda ids: {k: replace(e, image=str(outside)) for k, e in real(ids).items()}
    try:
        assert api.get(f"/api/elements/{key}/crop").status_code == 404
    finally:
        catalog.get_elements = real
    assert api.get(f"/api/elements/{key}/crop").status_code == 200
