"""The retrieval stage's output: one `Hit` per element found, with its fused score and the routes that found it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from docparse.element import Element


@dataclass(frozen=True)
class Hit:
    """An element found by a search. rank is 1-based; routes names the routes that found it
    ("dense", "lexical", "image"); score is the fused score (higher is better; comparable within one result list).
    sources: every file name its document is stored under, element.source first (identical copies share one
    content); empty when not looked up."""

    element: Element
    score: float
    rank: int
    routes: tuple[str, ...] = ("dense",)
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"element": self.element.to_dict(), "score": self.score, "rank": self.rank,
                "routes": list(self.routes), "sources": list(self.sources)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Hit":
        return cls(element=Element.from_dict(data["element"]), score=float(data["score"]),
                   rank=int(data["rank"]), routes=tuple(data.get("routes") or ()),
                   sources=tuple(data.get("sources") or ()))

    def to_contract(self) -> dict[str, Any]:
        """The flat hit form of `docrag search --json` (docs/design.md, CLI contract)."""
        e = self.element
        return {"rank": self.rank, "score": round(self.score, 6), "source": e.source, "page": e.page,
                "kind": e.kind.value, "bbox": list(e.bbox) if e.bbox is not None else None,
                "text": e.text, "image": e.image, "routes": list(self.routes),
                "sources": list(self.sources or (e.source,)), "doc_id": e.provenance.doc_id, "id": e.id}
