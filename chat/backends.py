"""Answer backends: the `AnswerBackend` protocol, the registry of spec prefixes, and `make_backend`.

A spec names a backend and, where it needs one, a model: `openai:gpt-4o-mini`, `extractive`. Backend modules are
imported only when chosen, so picking `extractive` never loads langchain or an HTTP client.
"""
from __future__ import annotations

import importlib
from typing import Callable, Protocol, Sequence, runtime_checkable

from chat.answer import Answer
from retrieval.hit import Hit

# spec prefix -> "module:Class". Each class provides `from_spec(model, base_url=, api_key=, **options)`.
BACKENDS: dict[str, str] = {
    "openai": "chat.openai_backend:OpenAIBackend",
    "ollama": "chat.ollama_backend:OllamaBackend",
    "hf": "chat.hf_backend:HFBackend",
    "extractive": "chat.extractive:ExtractiveBackend",
}

# Prefixes whose backends talk to a model server over HTTP (and so take a `timeout`).
_HTTP = frozenset({"openai", "ollama"})
# Prefixes whose backends need a model after the colon.
_NEEDS_MODEL = frozenset({"openai", "ollama", "hf"})
# An example model per prefix, for the "needs a model name" message.
_EXAMPLE_MODEL = {"openai": "gpt-4o-mini", "ollama": "llava", "hf": "HuggingFaceTB/SmolVLM-256M-Instruct"}


class BackendError(Exception):
    """An answer backend could not answer: unreachable server, HTTP error, timeout. The message is one line naming
    the backend, its base URL and the cause, fit to show the user."""


@runtime_checkable
class AnswerBackend(Protocol):
    """Something that writes an `Answer` from retrieved hits.

    name: the spec it was made from ("openai:gpt-4o-mini", "extractive"); mode: "llm" or "extractive";
    supports_images: whether it can look at table/figure crops and user-attached images.
    """

    name: str
    mode: str
    supports_images: bool

    def answer(self, question: str, hits: Sequence[Hit], history: Sequence[tuple[str, str]] = (),
               images: Sequence[str] = (), on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer `question` from `hits`.

        history: earlier (question, answer) pairs of this conversation, oldest first; images: paths of images the
        user attached; on_token: called with each piece of text as it is generated (streaming), when given.
        Raises BackendError when the backend cannot be reached or fails, ValueError for bad inputs.
        """
        ...


def _valid_specs() -> str:
    return ", ".join(f"'{p}:<model>'" if p in _NEEDS_MODEL else f"'{p}'" for p in sorted(BACKENDS))


def make_backend(spec: str, base_url: str | None = None, api_key: str | None = None,
                 **options: object) -> AnswerBackend:
    """The backend for `spec` ("openai:<model>", "extractive"); options go to the backend's constructor.

    Raises ValueError for an unknown prefix or a missing model, naming the valid choices. Nothing is contacted
    here: an unreachable server shows up as BackendError on the first answer.
    """
    prefix, _, model = spec.strip().partition(":")
    prefix = prefix.strip().lower()
    model = model.strip()
    if prefix not in BACKENDS:
        raise ValueError(f"unknown answer backend {spec!r}; valid: {_valid_specs()}")
    if prefix in _NEEDS_MODEL and not model:
        raise ValueError(f"answer backend {spec!r} needs a model name: '{prefix}:<model>', e.g. "
                         f"'{prefix}:{_EXAMPLE_MODEL.get(prefix, 'model')}'")
    module_name, class_name = BACKENDS[prefix].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_spec(model, base_url=base_url, api_key=api_key, **options)


def backend_options(spec: str, send_images: bool = True, timeout: float | None = None,
                    tokenizer: str | None = None) -> dict[str, object]:
    """Constructor options for the backend of `spec` from the library's settings (chat.settings): no crops
    (max_images 0) for a generator backend when images are not to be sent (the extractive backend sends none
    anyway); the request timeout for backends that reach a server over HTTP; the tokenizer that counts the
    evidence budget. Settings left unset are left to the backend's own defaults."""
    prefix = spec.partition(":")[0].strip().lower()
    options: dict[str, object] = {}
    if prefix != "extractive" and not send_images:
        options["max_images"] = 0
    if timeout is not None and prefix in _HTTP:
        options["timeout"] = timeout
    if tokenizer:
        options["tokenizer"] = tokenizer
    return options
