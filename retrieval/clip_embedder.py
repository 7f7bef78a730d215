"""CLIP image embeddings (OpenCLIP): figure and table crops, page images, and text queries in the same space.

The model is given as an open_clip model name plus `pretrained` weights, where either may point at local files:
- model: a built-in name ("ViT-B-32"), a model config JSON file (for architectures open_clip does not ship),
  a folder holding `open_clip_config.json` and weights, or an open_clip "hf-hub:org/repo" / "local-dir:PATH" id;
- pretrained: an open_clip tag ("laion2b_s34b_b79k", fetched from the Hugging Face hub or its local cache),
  a checkpoint file (.pt/.pth/.bin/.safetensors), or a folder as above.
Where the weights cannot be had, `load_image_embedder` returns None and says once why: image search is then off
and the text routes carry on. torch, open_clip and PIL are imported only when a model or an image is needed.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, runtime_checkable
from urllib.parse import urlparse

import numpy as np

from retrieval.image_loading import open_rgb_image

log = logging.getLogger(__name__)

DEFAULT_CLIP_MODEL = "ViT-B-32"
DEFAULT_CLIP_PRETRAINED = "laion2b_s34b_b79k"
_CONFIG_FILE = "open_clip_config.json"
_CHECKPOINT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".npz")
# How long a hub reachability probe may take: without it, huggingface_hub retries an unreachable hub for ~45 s.
_PROBE_SECONDS = 4.0
# Where open_clip fetches the default weights from (its pretrained table; a test keeps the two in step), so that a
# machine that has neither them nor the hub learns so before importing open_clip and torch (~4 s of CPU per ingest).
_KNOWN_HUB_WEIGHTS = {(DEFAULT_CLIP_MODEL, DEFAULT_CLIP_PRETRAINED): "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"}
_HUB_WEIGHT_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


@dataclass(frozen=True)
class ClipSettings:
    """Which CLIP model to load and how to run it. See the module docstring for what model/pretrained accept.

    device: "cuda", "cpu", ... (None: CUDA when torch sees a GPU, else CPU); batch_size: images or texts per
    forward pass; max_pixels: the largest image (width x height) decoded; larger ones are decoded at reduced
    scale where the format allows it (JPEG), else refused with a ValueError naming the file.
    """

    model: str = DEFAULT_CLIP_MODEL
    pretrained: str = DEFAULT_CLIP_PRETRAINED
    device: str | None = None
    batch_size: int = 16
    max_pixels: int = 4096 * 4096

    @classmethod
    def with_overrides(cls, **overrides: Any) -> "ClipSettings":
        """The defaults, with the keyword overrides that are not None (the clip_model / clip_pretrained settings,
        chat.settings, passed straight through)."""
        return cls(**{key: value for key, value in overrides.items() if value is not None})


@runtime_checkable
class ImageEmbedder(Protocol):
    """Turns images (and texts, for text -> image search) into unit-length float32 vectors in one space.

    name: identifies the model and weights (record it with the vectors: other models' vectors do not compare).
    """

    name: str
    dimension: int

    def embed_images(self, paths: Sequence[str]) -> np.ndarray: ...

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray: ...


def _hub_offline() -> bool:
    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return any((v or "").strip().upper() in ("1", "ON", "YES", "TRUE") for v in flags)


def _probe(url: str) -> str | None:
    """None when a TCP connection to the host of `url` opens within _PROBE_SECONDS, else why not. Skipped (None)
    behind a proxy, where a direct connection says nothing. Runs in a thread because DNS lookups ignore timeouts."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None
    parsed = urlparse(url)
    host, port = parsed.hostname or "", parsed.port or (80 if parsed.scheme == "http" else 443)
    outcome: list[str | None] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=_PROBE_SECONDS).close()
            outcome.append(None)
        except OSError as err:
            outcome.append(f"{host}:{port} is unreachable ({err})")

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(_PROBE_SECONDS + 1)
    return outcome[0] if outcome else f"{host}:{port} did not answer within {_PROBE_SECONDS:.0f} s"


def _known_weights_missing(model: str, pretrained: str) -> str | None:
    """Why the weights of a pair in _KNOWN_HUB_WEIGHTS cannot be had (not in the Hugging Face cache, hub offline
    or unreachable), found without importing open_clip; None when they may be, or for any other pair (open_clip
    then resolves it), or when open_clip is not installed (its ImportError says how to install it)."""
    import importlib.util

    repo = _KNOWN_HUB_WEIGHTS.get((model, pretrained))
    if repo is None or importlib.util.find_spec("open_clip") is None:
        return None
    from huggingface_hub import constants, try_to_load_from_cache

    if any(isinstance(try_to_load_from_cache(repo, name), str) for name in _HUB_WEIGHT_FILES):
        return None
    if _hub_offline():
        return "the weights are not in the local Hugging Face cache and HF_HUB_OFFLINE is set"
    problem = _probe(constants.ENDPOINT)
    return f"the weights are not cached and {problem}" if problem else None


def _cached_tag_weights(model: str, tag: str) -> str | None:
    """The local file of an open_clip tag's weights when it is already in the Hugging Face cache (no network)."""
    import open_clip
    from huggingface_hub import try_to_load_from_cache

    cfg = open_clip.get_pretrained_cfg(model, tag)
    repo_id, filename = os.path.split(cfg.get("hf_hub", ""))
    if not repo_id:  # a URL-only tag: open_clip keeps those under ~/.cache/clip
        url_file = Path("~/.cache/clip").expanduser() / os.path.basename(cfg.get("url", "") or "none")
        return str(url_file) if url_file.is_file() else None
    filename = filename or "open_clip_pytorch_model.bin"
    # open_clip prefers a .safetensors twin of the named file (with its own name for the default file).
    twin = "open_clip_model.safetensors" if filename == "open_clip_pytorch_model.bin" else (
        filename[:-4] + ".safetensors" if filename.endswith((".bin", ".pth")) else None)
    for name in (twin, filename):
        if name is None:
            continue
        found = try_to_load_from_cache(repo_id, name)
        if isinstance(found, str):
            return found
    return None


def _tag_source(model: str, tag: str) -> str:
    """What to pass open_clip as `pretrained` for a known tag: a cached file, or the tag itself when the hub (or
    the tag's URL) answers. Raises RuntimeError saying why the weights cannot be had, without waiting on retries."""
    import open_clip

    cached = _cached_tag_weights(model, tag)
    if cached:
        return cached
    cfg = open_clip.get_pretrained_cfg(model, tag)
    if cfg.get("hf_hub"):
        if _hub_offline():
            raise RuntimeError("the weights are not in the local Hugging Face cache and HF_HUB_OFFLINE is set")
        from huggingface_hub import constants

        problem = _probe(constants.ENDPOINT)
    else:
        problem = _probe(cfg.get("url", ""))
    if problem:
        raise RuntimeError(f"the weights are not cached and {problem}")
    return tag


def resolve_clip_source(model: str, pretrained: str) -> tuple[str, str | None]:
    """The (model_name, pretrained) pair to give open_clip for these settings; see the module docstring.

    Registers a model config JSON with open_clip (under its file stem) and turns folders into "local-dir:" ids.
    Raises FileNotFoundError / ValueError / RuntimeError naming what is missing and what is accepted.
    """
    import open_clip

    for value in (model, pretrained):  # a folder with its own config carries the architecture and the weights
        if value.startswith("local-dir:"):
            return value, None
        folder = Path(value).expanduser()
        if value and folder.is_dir() and (folder / _CONFIG_FILE).is_file():
            return f"local-dir:{folder.resolve()}", None
    if model.startswith("hf-hub:"):
        if _hub_offline():
            raise RuntimeError(f"{model} needs the Hugging Face hub and HF_HUB_OFFLINE is set")
        return model, None
    model_path = Path(model).expanduser()
    if model.endswith(".json"):
        if not model_path.is_file():
            raise FileNotFoundError(f"CLIP model config {model} does not exist")
        open_clip.add_model_config(model_path)
        name = model_path.stem
        if name not in open_clip.list_models():
            raise ValueError(f"{model} is not an open_clip model config (needs embed_dim, vision_cfg, text_cfg)")
    elif model_path.is_dir():
        raise FileNotFoundError(f"CLIP model folder {model} has no {_CONFIG_FILE}")
    else:
        name = model.replace("/", "-")
        if name not in open_clip.list_models():
            raise ValueError(f"unknown CLIP model {model!r}: give a built-in open_clip name (e.g. ViT-B-32, "
                             f"ViT-B-16, ViT-L-14), a model config .json file, a folder with {_CONFIG_FILE}, "
                             "or hf-hub:org/repo")
    if not pretrained:
        raise ValueError(f"no pretrained weights given for CLIP model {model}: a tag or a checkpoint file")
    weights = Path(pretrained).expanduser()
    if weights.is_file():
        return name, str(weights)
    if weights.is_dir():
        files = sorted(p for p in weights.iterdir() if p.suffix in _CHECKPOINT_SUFFIXES)
        if len(files) != 1:
            raise FileNotFoundError(f"CLIP weights folder {pretrained} should hold one checkpoint "
                                    f"({', '.join(_CHECKPOINT_SUFFIXES)}) or {_CONFIG_FILE}; found {len(files)}")
        return name, str(files[0])
    if open_clip.get_pretrained_cfg(name, pretrained):
        return name, _tag_source(name, pretrained)
    tags = open_clip.list_pretrained_tags_by_model(name)
    raise FileNotFoundError(f"CLIP weights {pretrained!r} are neither a file nor a folder nor a known tag of "
                            f"{name} (tags: {', '.join(tags) or 'none'})")


class OpenClipEmbedder:
    """An OpenCLIP model, loaded on first use (or by `load()`); thread-safe loading, inference without grad."""

    def __init__(self, settings: ClipSettings = ClipSettings()) -> None:
        self.settings = settings
        self.name = f"{settings.model}/{settings.pretrained}"
        self._lock = threading.Lock()
        self._model: Any = None
        self._preprocess: Any = None
        self._tokenizer: Any = None
        self._dimension = 0
        self._device = settings.device

    def __repr__(self) -> str:
        return f"OpenClipEmbedder({self.name!r})"

    @property
    def device(self) -> str:
        if self._device is None:
            import torch

            self._device = "cuda" if torch.cuda.is_available() else "cpu"
        return self._device

    @property
    def dimension(self) -> int:
        self.load()
        return self._dimension

    def load(self) -> "OpenClipEmbedder":
        """Load the model now; raises (FileNotFoundError, ValueError, RuntimeError, ...) when it cannot be."""
        with self._lock:
            if self._model is None:
                import open_clip

                name, pretrained = resolve_clip_source(self.settings.model, self.settings.pretrained)
                log.info("loading CLIP %s (weights %s) on %s", name, pretrained or "from its folder", self.device)
                model, _, preprocess = open_clip.create_model_and_transforms(
                    name, pretrained=pretrained, device=self.device)
                model.eval()
                self._tokenizer = open_clip.get_tokenizer(name)
                self._preprocess = preprocess
                self._dimension = int(getattr(model.visual, "output_dim", 0) or self._probe_dimension(model))
                self._model = model
        return self

    def _probe_dimension(self, model: Any) -> int:
        import torch

        with torch.no_grad():
            return int(model.encode_text(self._tokenizer(["a"]).to(self.device)).shape[-1])

    def _finish(self, features: Any) -> np.ndarray:
        vectors = features.float().cpu().numpy().astype(np.float32, copy=False)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_images(self, paths: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(paths), dimension). Raises ValueError naming a file that is not
        a readable image or is too large, FileNotFoundError for a missing one. Decodes one batch at a time."""
        import torch

        self.load()
        out = [np.zeros((0, self._dimension), dtype=np.float32)]
        step = max(1, self.settings.batch_size)
        for start in range(0, len(paths), step):
            batch = [self._preprocess(open_rgb_image(str(p), self.settings.max_pixels))
                     for p in paths[start:start + step]]
            with torch.no_grad():
                out.append(self._finish(self._model.encode_image(torch.stack(batch).to(self.device))))
        return np.concatenate(out)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors from the text tower, shape (len(texts), dimension), for text -> image search.
        Texts longer than the model's context are cut by its tokenizer."""
        import torch

        self.load()
        out = [np.zeros((0, self._dimension), dtype=np.float32)]
        step = max(1, self.settings.batch_size)
        for start in range(0, len(texts), step):
            tokens = self._tokenizer(list(texts[start:start + step])).to(self.device)
            with torch.no_grad():
                out.append(self._finish(self._model.encode_text(tokens)))
        return np.concatenate(out)


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def load_image_embedder(settings: ClipSettings = ClipSettings(),
                        first_time: Callable[[str], bool] | None = None) -> ImageEmbedder | None:
    """A loaded CLIP embedder, or None when open_clip or the weights cannot be had (offline, missing file, bad
    checkpoint). The reason is logged once per model/weights pair as a plain warning: image search is off.
    first_time(reason): whether the reason is news to whoever asked (a store that recorded it already returns
    False); when it is not, the reason is logged at info level only."""
    try:
        missing = _known_weights_missing(settings.model, settings.pretrained)
        if missing:
            raise RuntimeError(missing)
        return OpenClipEmbedder(settings).load()
    except ImportError as err:
        reason = f"{err} (install docrag[clip])"
    except Exception as err:  # any failure to load means "no image route", never a failed ingest or search
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    key = (settings.model, settings.pretrained)
    with _warned_lock:
        first = key not in _warned
        _warned.add(key)
    if first_time is not None and not first_time(reason):
        log.info("image search is off: could not load CLIP %s/%s: %s", settings.model, settings.pretrained, reason)
    elif first:
        log.warning("image search is off: could not load CLIP %s/%s: %s; set clip_model/clip_pretrained "
                    "(--clip-model/--clip-pretrained) to a local checkpoint", settings.model, settings.pretrained,
                    reason)
    return None
