"""docrag's answer layer: answer backends, evidence and citations, the Library facade and the CLI.

Names are exported lazily (PEP 562) so `import chat` stays instant and never loads langchain or torch.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

import docparse  # noqa: F401  (importing docparse turns the dependencies' telemetry off first)

_EXPORTS: dict[str, str] = {
    "Answer": "chat.answer",
    "Citation": "chat.answer",
    "Usage": "chat.answer",
    "AnswerBackend": "chat.backends",
    "BackendError": "chat.backends",
    "BACKENDS": "chat.backends",
    "make_backend": "chat.backends",
    "EvidenceItem": "chat.context",
    "select_evidence": "chat.context",
    "format_evidence": "chat.context",
    "DerivedFact": "chat.context",
    "select_with_facts": "chat.derived_facts",
    "parse_citations": "chat.citations",
    "clean_answer": "chat.citations",
    "AnswerFilter": "chat.answer_filter",
    "Library": "chat.library",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'chat' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value
