"""The answer stage's output: `Answer` with `[S1]`-style markers in its text and `Citation`s resolving them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from docparse.element import Element
from retrieval.hit import Hit


@dataclass(frozen=True)
class Citation:
    """One cited piece of evidence: the key used in the answer text ("S1") and the element it points to."""

    key: str
    element: Element

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "element": self.element.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Citation":
        return cls(key=data["key"], element=Element.from_dict(data["element"]))

    def to_contract(self) -> dict[str, Any]:
        """The flat citation form of `docrag ask --json`."""
        e = self.element
        return {"key": self.key, "source": e.source, "page": e.page,
                "bbox": list(e.bbox) if e.bbox is not None else None, "kind": e.kind.value, "image": e.image}


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
    ContextSize), or None when unknown.
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

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "text": self.text,
                "citations": [c.to_dict() for c in self.citations], "hits": [h.to_dict() for h in self.hits],
                "model": self.model, "mode": self.mode, "usage": self.usage.to_dict(), "note": self.note,
                "context": self.context.to_dict() if self.context else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Answer":
        return cls(question=data["question"], text=data["text"],
                   citations=tuple(Citation.from_dict(c) for c in data.get("citations") or ()),
                   hits=tuple(Hit.from_dict(h) for h in data.get("hits") or ()),
                   model=data.get("model", ""), mode=data.get("mode", "extractive"),
                   usage=Usage(**(data.get("usage") or {})), note=data.get("note"),
                   context=ContextSize(**data["context"]) if data.get("context") else None)

    def to_contract(self) -> dict[str, Any]:
        """The JSON object of `docrag ask --json`."""
        return {"question": self.question, "answer": self.text, "mode": self.mode, "model": self.model,
                "citations": [c.to_contract() for c in self.citations], "usage": self.usage.to_dict(),
                "note": self.note, "context": self.context.to_dict() if self.context else None}
