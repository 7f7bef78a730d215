"""A tiny random-weight OpenCLIP model standing in for hub weights, and small distinct test images.

The model is a real open_clip CLIP (ViT image tower, transformer text tower, the bundled SimpleTokenizer) shrunk
to 32x32 images and 16-token texts. It is written the two ways users give local weights: a model config JSON
plus a checkpoint file, and a folder holding open_clip_config.json and weights; tests then load it back through
retrieval.clip_embedder's real loading code. Import the fixtures into a test module to use them.
"""
from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

TINY_NAME = "docrag-tiny-clip"
TINY_DIM = 16
TINY_CONFIG: dict[str, Any] = {
    "embed_dim": TINY_DIM,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 16},
    # vocab_size must match the bundled SimpleTokenizer's BPE vocabulary (49408 tokens).
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


@dataclass(frozen=True)
class TinyClip:
    """Where the tiny model was written: config JSON, checkpoint file, and a self-contained model folder."""

    config_path: Path
    checkpoint_path: Path
    folder: Path


def build_tiny_clip(folder: Path, seed: int = 0) -> TinyClip:
    """Create the tiny model with random weights (seeded) and save it under `folder`."""
    import open_clip
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / f"{TINY_NAME}.json"
    config_path.write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(config_path)
    torch.manual_seed(seed)
    model = open_clip.create_model(TINY_NAME)
    checkpoint_path = folder / "tiny-clip.pt"
    torch.save(model.state_dict(), checkpoint_path)
    model_folder = folder / "tiny-clip-folder"
    model_folder.mkdir(exist_ok=True)
    (model_folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": TINY_CONFIG, "preprocess_cfg": {}}))
    torch.save(model.state_dict(), model_folder / "open_clip_pytorch_model.bin")
    return TinyClip(config_path, checkpoint_path, model_folder)


def write_pattern_image(path: Path, seed: int, size: int = 64, fmt: str | None = None) -> Path:
    """A colour-noise image that differs strongly from any other seed's (so even random weights tell them apart)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    pixels = np.kron(blocks, np.ones((size // 4, size // 4, 1), dtype=np.uint8))
    Image.fromarray(pixels, "RGB").save(path, format=fmt)
    return path


def write_png_header_only(path: Path, width: int, height: int) -> Path:
    """A few-hundred-byte PNG whose header claims width x height pixels (a decompression-bomb stand-in):
    nothing should ever try to decode it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> TinyClip:
    pytest.importorskip("open_clip")
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="session")
def tiny_embedder(tiny_clip: TinyClip) -> Any:
    """The tiny model loaded through load_image_embedder (config JSON + checkpoint file), on the CPU."""
    from retrieval.clip_embedder import ClipSettings, load_image_embedder

    embedder = load_image_embedder(ClipSettings(model=str(tiny_clip.config_path),
                                                pretrained=str(tiny_clip.checkpoint_path), device="cpu"))
    assert embedder is not None, "the tiny CLIP model did not load"
    return embedder
