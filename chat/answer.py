"""The answer stage's output: `Answer` with `[S1]`-style markers in its text and `Citation`s resolving them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from docparse.element import BBox, Element
from retrieval.hit import Hit


@dataclass(frozen=True)
class Span:
    """The part of an element an answer used. kind: "cell" (texts: row label, value), "row" (texts: row label,
    values...) or "sentence" (texts: the sentence)."""

    kind: str
    texts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "texts": list(self.texts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Span":
        return cls(kind=str(data["kind"]), texts=tuple(str(t) for t in data.get("texts") or ()))


@dataclass(frozen=True)
class Citation:
    """One cited piece of evidence: the key used in the answer text ("S1") and the element it points to.

    span: the cell, row or sentence of the element the answer used, when known; span_bbox: its box on the page
    (PDF points, top-left origin, like the element's bbox), when it could be located in the page's text layer."""

    key: str
    element: Element
    span: Span | None = None
    span_bbox: BBox | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "element": self.element.to_dict(),
                "span": self.span.to_dict() if self.span else None,
                "span_bbox": list(self.span_bbox) if self.span_bbox is not None else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Citation":
        span, box = data.get("span"), data.get("span_bbox")
        return cls(key=data["key"], element=Element.from_dict(data["element"]),
                   span=Span.from_dict(span) if span else None,
                   span_bbox=tuple(float(v) for v in box) if box is not None else None)  # type: ignore[arg-type]

    def to_contract(self) -> dict[str, Any]:
        """The flat citation form of `docrag ask --json`; span_bbox: the cited cell/row/sentence box, or null."""
        e = self.element
        return {"key": self.key, "source": e.source, "page": e.page,
                "bbox": list(e.bbox) if e.bbox is not None else None, "kind": e.kind.value, "image": e.image,
                "span_bbox": list(self.span_bbox) if self.span_bbox is not None else None,
                "doc_id": e.provenance.doc_id, "id": e.id}


@dataclass(frozen=True)
class Usage:
    """Token counts reported by the answer model (zeros for extractive answers); images sent to it."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    images: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "images": self.images}


@dataclass(frozen=True)
class ContextSize:
    """What the answer model was sent for one question (for extractive answers: what a generator backend with
    default settings would have been sent). text_tokens: system prompt, history, evidence and question, counted
    by `counted_by`; images: crops plus attached images; image_tokens: their cost by the backend's image rule;
    items: evidence items packed."""

    text_tokens: int = 0
    images: int = 0
    image_tokens: int = 0
    items: int = 0
    counted_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"text_tokens": self.text_tokens, "images": self.images, "image_tokens": self.image_tokens,
                "items": self.items, "counted_by": self.counted_by}


@dataclass(frozen=True)
class Answer:
    """An answer to one question.

    mode: "llm" when a generator wrote it, "extractive" when it is assembled from evidence; note: a short remark
    for the user (e.g. why the answer is extractive), or None; context: the size of the context sent (see
    ContextSize), or None when unknown; answerable: False when the answer says the documents do not answer
    (chat.abstention); support: for extractive answers, the share of the question's term weight the best
    evidence holds (0..1; 0 when no evidence mentions a name the question asks about), else None.
    """

    question: str
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    model: str
    mode: str
    usage: Usage = field(default_factory=Usage)
    note: str | None = None
    context: ContextSize | None = None
    answerable: bool = True
    support: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "text": self.text,
                "citations": [c.to_dict() for c in self.citations], "hits": [h.to_dict() for h in self.hits],
                "model": self.model, "mode": self.mode, "usage": self.usage.to_dict(), "note": self.note,
                "context": self.context.to_dict() if self.context else None, "answerable": self.answerable,
                "support": self.support}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Answer":
        return cls(question=data["question"], text=data["text"],
                   citations=tuple(Citation.from_dict(c) for c in data.get("citations") or ()),
                   hits=tuple(Hit.from_dict(h) for h in data.get("hits") or ()),
                   model=data.get("model", ""), mode=data.get("mode", "extractive"),
                   usage=Usage(**(data.get("usage") or {})), note=data.get("note"),
                   context=ContextSize(**data["context"]) if data.get("context") else None,
                   answerable=bool(data.get("answerable", True)), support=data.get("support"))

    def to_contract(self) -> dict[str, Any]:
        """The JSON object of `docrag ask --json`."""
        return {"question": self.question, "answer": self.text, "mode": self.mode, "model": self.model,
                "citations": [c.to_contract() for c in self.citations], "usage": self.usage.to_dict(),
                "note": self.note, "context": self.context.to_dict() if self.context else None,
                "answerable": self.answerable, "support": self.support}
