"""POST /api/search/image with image search on (the tiny random-weight OpenCLIP model of the retrieval fixtures,
loaded through the options a user passes for real weights)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.pdf_builders import make_report_pdf
from tests.retrieval.clip_fixtures import tiny_clip  # noqa: F401
from tests.serve.conftest import make_client

pytest.importorskip("fastapi")
pytest.importorskip("open_clip")


def test_image_search_finds_the_figure_crop(tmp_path, tiny_clip):  # noqa: F811
    from chat.library import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    make_report_pdf(folder / "report.pdf")
    store = tmp_path / "store"
    clip = {"clip_model": str(tiny_clip.config_path), "clip_pretrained": str(tiny_clip.checkpoint_path)}
    Library.open(store, llm="extractive", **clip).add([folder])
    with make_client(store, lib_image_search=True, **{f"lib_{k}": v for k, v in clip.items()}) as client:
        figures = client.post("/api/search", json={"query": "chart", "k": 10, "kind": "figure"}).json()["hits"]
        figure = next(h for h in figures if h["page"] == 2 and h["image"])
        crop = client.get(f"/api/elements/{figure['id']}/crop").content
        response = client.post("/api/search/image", files={"image": ("look.png", crop, "image/png")},
                               data={"k": "3"})
        assert response.status_code == 200
        body = response.json()
        top = body["hits"][0]
        assert (top["kind"], top["page"], top["source"], top["routes"]) == ("figure", 2, "report.pdf", ["image"])
        assert body["image"] == "look.png" and len(body["hits"]) <= 3
        bad = client.post("/api/search/image", files={"image": ("notes.png", b"not an image", "image/png")})
        assert bad.status_code == 400 and "not an image" in bad.json()["detail"]
        assert not any(Path(store, "uploads", ".incoming").iterdir())
