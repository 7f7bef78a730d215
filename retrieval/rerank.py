"""Optional re-ranking of a fused hit list with a sentence-transformers CrossEncoder (off by default).

A cross-encoder reads (query, element text) together and scores their relevance; it is far slower than the
routes (one transformer pass per pair), so it re-orders only the top N fused hits (SearchSettings.rerank_depth).
The model is any CrossEncoder hub id or local folder (the rerank_model setting, chat.settings; `--rerank MODEL`). sentence-transformers is imported on first use. A model that cannot be loaded is reported once
with the reason and the search goes on with the fused order.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from retrieval.hit import Hit

log = logging.getLogger(__name__)

_TABLE_CHARS = 2000  # a cross-encoder reads ~512 word pieces; a long Markdown table is cut, not fed whole


@runtime_checkable
class Reranker(Protocol):
    """Scores (query, passage) pairs; higher means more relevant. `available` is False once loading failed."""

    name: str

    @property
    def available(self) -> bool: ...

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray: ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder, loaded on the first score() call (CUDA when torch sees a GPU).

    model: hub id or local folder. When loading fails, one warning names the model and the reason, `available`
    turns False and score() raises RuntimeError; callers then keep the fused order."""

    def __init__(self, model: str, device: str | None = None, batch_size: int = 32) -> None:
        self.name = model
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self.error: str | None = None

    def __repr__(self) -> str:
        return f"CrossEncoderReranker({self.name!r})"

    @property
    def available(self) -> bool:
        return self.error is None

    def _load(self) -> Any:
        if self._model is None and self.error is None:
            try:
                from sentence_transformers import CrossEncoder

                device = self.device
                if device is None:
                    import torch
                    device = "cuda" if torch.cuda.is_available() else "cpu"
                self._model = CrossEncoder(self.name, device=device)
                log.info("loaded re-ranker %s on %s", self.name, device)
            except Exception as err:  # noqa: BLE001 - any load failure means: search without re-ranking
                self.error = f"{type(err).__name__}: {err}".splitlines()[0][:300]
                log.warning("re-ranking is off: cross-encoder %r could not be loaded (%s); results keep the "
                            "fused order. Give a local folder or a hub id this machine can reach "
                            "(--rerank, or the rerank_model setting).", self.name, self.error)
        if self._model is None:
            raise RuntimeError(f"re-ranker {self.name!r} is unavailable: {self.error}")
        return self._model

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        """Relevance of each passage to the query (the model's own scale), in input order."""
        model = self._load()
        if not passages:
            return np.zeros(0, dtype=np.float32)
        scores = model.predict([(query, p) for p in passages], batch_size=self.batch_size,
                               show_progress_bar=False, convert_to_numpy=True)
        scores = np.asarray(scores, dtype=np.float32)
        return scores.reshape(len(passages), -1)[:, -1]  # a 2-label model: the last column is "relevant"


def passage_of(hit: Hit) -> str:
    """The text a re-ranker reads for a hit: the element text (a figure: its caption and text), cut for tables."""
    element = hit.element
    text = element.text or ""
    if element.caption and element.caption not in text:
        text = f"{element.caption}\n{text}"
    return text[:_TABLE_CHARS]


def rerank_hits(query: str, hits: Sequence[Hit], reranker: Reranker, k: int) -> list[Hit]:
    """The hits re-ordered by the re-ranker's score of (query, element text), cut to k and renumbered; each hit
    keeps its routes and carries the re-ranker's score. Ties keep the fused order. When the re-ranker is (or
    turns out to be) unavailable, the first k hits in fused order are returned unchanged."""
    if not hits or not reranker.available:
        return list(hits)[:k]
    try:
        scores = reranker.score(query, [passage_of(hit) for hit in hits])
    except RuntimeError:  # failed to load: it has said why, once
        return list(hits)[:k]
    order = sorted(range(len(hits)), key=lambda i: (-float(scores[i]), i))[:k]
    return [replace(hits[i], score=float(scores[i]), rank=rank) for rank, i in enumerate(order, start=1)]


def reranker_from_config(model: str | None) -> CrossEncoderReranker | None:
    """The configured re-ranker (the rerank_model setting), or None (off). Nothing is loaded yet."""
    name = (model or "").strip()
    return CrossEncoderReranker(name) if name else None
