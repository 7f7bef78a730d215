"""CLIP embedder: loading local weights (tiny random model), vectors, bad inputs, and failing fast offline."""
from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from retrieval.clip_embedder import (ClipSettings, ImageEmbedder, load_image_embedder,  # noqa: E402
                                     resolve_clip_source)
from retrieval.image_loading import open_rgb_image  # noqa: E402
from tests.retrieval.clip_fixtures import (TINY_DIM, TINY_NAME, TinyClip, tiny_clip, tiny_embedder,  # noqa: E402,F401
                                           write_pattern_image, write_png_header_only)

OFF = "image search is off"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("clip-images")
    return [str(write_pattern_image(folder / f"im{seed}.png", seed)) for seed in (1, 2, 1)]


def _off_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if OFF in r.getMessage()]


def test_settings_with_overrides() -> None:
    assert ClipSettings.with_overrides(model=None, pretrained=None) == ClipSettings()
    assert ClipSettings.with_overrides(model="ViT-B-16", pretrained="/w.pt") == ClipSettings(model="ViT-B-16",
                                                                                              pretrained="/w.pt")
    assert ClipSettings.with_overrides(model="RN50", pretrained=None).pretrained == ClipSettings().pretrained


def test_image_and_text_vectors(tiny_embedder: ImageEmbedder, images: list[str]) -> None:
    assert isinstance(tiny_embedder, ImageEmbedder)
    assert tiny_embedder.dimension == TINY_DIM
    vectors = tiny_embedder.embed_images(images)
    assert vectors.dtype == np.float32 and vectors.shape == (3, TINY_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)  # the same picture twice
    assert float(vectors[0] @ vectors[1]) < 0.999  # a different picture
    texts = tiny_embedder.embed_texts(["a bar chart of revenue", "a photo of a cat " * 20])  # 2nd: cut to context
    assert texts.dtype == np.float32 and texts.shape == (2, TINY_DIM)
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    assert tiny_embedder.embed_images([]).shape == (0, TINY_DIM)
    assert tiny_embedder.embed_texts([]).shape == (0, TINY_DIM)


def test_other_ways_to_name_local_weights(tiny_clip: TinyClip, tiny_embedder: ImageEmbedder,
                                          images: list[str]) -> None:
    expected = tiny_embedder.embed_images(images[:2])
    for settings in (ClipSettings(model=TINY_NAME, pretrained=str(tiny_clip.checkpoint_path)),  # registered name
                     ClipSettings(model=str(tiny_clip.folder)),  # a folder with open_clip_config.json
                     ClipSettings(model=TINY_NAME, pretrained=str(tiny_clip.folder)),
                     ClipSettings(model=f"local-dir:{tiny_clip.folder}")):
        embedder = load_image_embedder(ClipSettings(**{**settings.__dict__, "device": "cpu"}))
        assert embedder is not None, settings
        # Same vectors as the reference load: the checkpoint's weights were loaded, not a fresh random init.
        np.testing.assert_allclose(embedder.embed_images(images[:2]), expected, atol=1e-5)


def test_bad_checkpoint_is_off_with_one_warning(tiny_clip: TinyClip, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    missing = str(tmp_path / "missing.pt")
    settings = ClipSettings(model=str(tiny_clip.config_path), pretrained=missing, device="cpu")
    assert load_image_embedder(settings) is None
    assert load_image_embedder(settings) is None
    [message] = _off_warnings(caplog)
    assert f"{tiny_clip.config_path}/{missing}" in message and "clip_pretrained" in message
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    assert load_image_embedder(ClipSettings(model=str(tiny_clip.config_path), pretrained=str(garbage))) is None
    assert len(_off_warnings(caplog)) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_default_weights_fail_fast_without_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("open_clip")
    from huggingface_hub import constants

    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))  # never a cached ViT-B-32
    start = time.monotonic()
    assert load_image_embedder(ClipSettings()) is None  # HF_HUB_OFFLINE=1
    assert "HF_HUB_OFFLINE" in _off_warnings(caplog)[-1]
    # Online settings but an unreachable hub: a short probe, not huggingface_hub's ~45 s of retries.
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    for proxy in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    assert load_image_embedder(ClipSettings(pretrained="openai")) is None
    assert "unreachable" in _off_warnings(caplog)[-1]
    assert time.monotonic() - start < 15


def test_missing_default_weights_are_found_without_importing_open_clip(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("open_clip")
    from huggingface_hub import constants

    from retrieval import clip_embedder

    caplog.set_level(logging.WARNING)
    cache = tmp_path / "hub-cache"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(clip_embedder, "_probe", lambda url: "huggingface.co:443 is unreachable (test)")
    monkeypatch.setattr(clip_embedder, "_warned", set())  # said once per pair: earlier tests said it already

    def must_not_load(self):
        raise AssertionError("open_clip was asked to load weights known to be absent")

    monkeypatch.setattr(clip_embedder.OpenClipEmbedder, "load", must_not_load)
    assert load_image_embedder(ClipSettings(model="ViT-B-32", pretrained="laion2b_s34b_b79k")) is None
    assert "unreachable (test)" in _off_warnings(caplog)[-1]

    # Cached weights (the hub's cache layout): then open_clip is asked, as for any other pair.
    repo = clip_embedder._KNOWN_HUB_WEIGHTS[("ViT-B-32", "laion2b_s34b_b79k")]
    snapshot = cache / f"models--{repo.replace('/', '--')}" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "open_clip_model.safetensors").write_bytes(b"weights")
    (cache / f"models--{repo.replace('/', '--')}" / "refs").mkdir()
    (cache / f"models--{repo.replace('/', '--')}" / "refs" / "main").write_text("abc123")
    assert clip_embedder._known_weights_missing("ViT-B-32", "laion2b_s34b_b79k") is None
    assert clip_embedder._known_weights_missing("ViT-B-16", "openai") is None  # not in the table: open_clip decides


def test_known_hub_weights_match_open_clips_table() -> None:
    open_clip = pytest.importorskip("open_clip")
    from retrieval.clip_embedder import _KNOWN_HUB_WEIGHTS

    for (model, tag), repo in _KNOWN_HUB_WEIGHTS.items():
        assert open_clip.get_pretrained_cfg(model, tag)["hf_hub"].rstrip("/") == repo


def test_unknown_names_list_the_choices(tmp_path: Path) -> None:
    pytest.importorskip("open_clip")
    with pytest.raises(ValueError, match="ViT-B-32"):
        resolve_clip_source("No-Such-Model", "x")
    with pytest.raises(FileNotFoundError, match="laion2b_s34b_b79k"):
        resolve_clip_source("ViT-B-32", "no-such-tag")
    with pytest.raises(FileNotFoundError, match="open_clip_config.json"):
        resolve_clip_source(str(tmp_path), "")


def test_not_an_image_names_the_file(tiny_embedder: ImageEmbedder, images: list[str], tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("this is not a picture")
    with pytest.raises(ValueError, match="notes.txt"):
        tiny_embedder.embed_images([images[0], str(text_file)])
    with pytest.raises(FileNotFoundError):
        tiny_embedder.embed_images([str(tmp_path / "gone.png")])


def test_huge_images_are_refused_or_shrunk(tiny_clip: TinyClip, tmp_path: Path) -> None:
    bomb = write_png_header_only(tmp_path / "bomb.png", 100_000, 100_000)  # 10 gigapixels claimed
    with pytest.raises(ValueError, match="bomb.png"):
        open_rgb_image(str(bomb), 4096 * 4096)
    big = write_png_header_only(tmp_path / "big.png", 5000, 5000)  # under PIL's own limit, over ours
    with pytest.raises(ValueError, match=r"big.png is 5000x5000 .* limit of 16777216"):
        open_rgb_image(str(big), 4096 * 4096)
    # A JPEG is decoded at a reduced scale instead; a PNG cannot be, so it is refused.
    jpeg = write_pattern_image(tmp_path / "photo.jpg", 3, size=256, fmt="JPEG")
    image = open_rgb_image(str(jpeg), 64 * 64)
    assert image.mode == "RGB" and image.size[0] * image.size[1] <= 64 * 64
    png = write_pattern_image(tmp_path / "plain.png", 3, size=256)
    with pytest.raises(ValueError, match="plain.png"):
        open_rgb_image(str(png), 64 * 64)
    small = load_image_embedder(ClipSettings(model=str(tiny_clip.config_path),
                                             pretrained=str(tiny_clip.checkpoint_path), device="cpu",
                                             max_pixels=64 * 64))
    assert small is not None and small.embed_images([str(jpeg)]).shape == (1, TINY_DIM)


def test_transparency_becomes_white(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "clear.png"
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(path)
    image = open_rgb_image(str(path), 1000)
    assert image.mode == "RGB" and image.getpixel((3, 3)) == (255, 255, 255)
