"""Plain-text rendering of answers and their sources for the terminal (the CLI and the chat loop)."""
from __future__ import annotations

from chat.answer import Answer


def format_sources(answer: Answer) -> str:
    """One line per citation: key, file, page, kind and box."""
    lines = []
    for citation in answer.citations:
        e = citation.element
        box = ", ".join(f"{v:.0f}" for v in e.bbox) if e.bbox else "whole page"
        crop = f"  crop: {e.image}" if e.image else ""
        lines.append(f"  [{citation.key}] {e.source}, page {e.page}, {e.kind.value} (box {box}){crop}")
    return "\n".join(lines)


def format_answer(answer: Answer, already_streamed: bool = False) -> str:
    """The answer text (unless it was already streamed), a note when there is one, then the sources."""
    parts = [] if already_streamed else [answer.text]
    if answer.note:
        parts.append(f"({answer.note})")
    if answer.citations:
        parts.append("Sources:\n" + format_sources(answer))
    return "\n".join(parts)
