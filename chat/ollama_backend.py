"""Answers from a model served by Ollama (`ollama:<model>`, e.g. `ollama:llava`, `ollama:qwen2.5vl:7b`).

Built on langchain_ollama.ChatOllama, which speaks Ollama's native /api/chat (NDJSON streaming). The prompt is the
one every generator backend gets (chat.messages.build_messages); ChatOllama moves the base64 crops of the
image parts into the message's `images` list, which Ollama's vision models read.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from chat.backends import BackendError
from chat.messages import one_line, request_timeout
from chat.chat_model_backend import ChatModelBackend, http_client_errors
from chat.token_budget import FixedImageCost, ImageCost

log = logging.getLogger(__name__)

DEFAULT_HOST = "http://127.0.0.1:11434"
# Ollama's own default context (2048-4096 tokens by version) silently drops the start of longer prompts, which
# would cut off the system prompt and evidence; 8192 fits the default evidence budget plus a few image tiles.
DEFAULT_NUM_CTX = 8192


def ollama_base_url(base_url: str | None = None) -> str:
    """The Ollama server URL: `base_url`, else $OLLAMA_HOST, else http://127.0.0.1:11434.

    A missing scheme gets http:// and a trailing /v1 is dropped, because `--base-url` is shared with openai:
    and users often give Ollama's OpenAI-compatible URL; the native API lives at the root.
    """
    url = (base_url or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST).strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    if url.endswith("/v1"):
        url = url[:-3]
    return url


class OllamaBackend(ChatModelBackend):
    """A model served by Ollama as an answer backend (mode "llm", name "ollama:<model>").

    timeout: seconds per HTTP read (a loading model may take a while; default 300); num_ctx: the context window asked of
    Ollama; max_tokens: cap on generated tokens (None: the model's default); api_key: sent as a bearer token
    for Ollama behind an authenticating proxy; tokenizer: what counts the token budget (see chat.token_budget).
    Images are budgeted at a fixed cost each (FixedImageCost). Nothing is contacted until the first answer.
    """

    # Ollama's last stream line carries done: true (and a done_reason on current servers).
    _finish_keys = ("done_reason", "done")

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float | None = None,
                 max_images: int = 4, temperature: float = 0, num_ctx: int = DEFAULT_NUM_CTX,
                 max_tokens: int | None = None, max_items: int = 8, token_budget: int = 3000,
                 max_side: int = 1024, keep_alive: str | None = None, tokenizer: str | None = None) -> None:
        try:
            from langchain_ollama import ChatOllama  # lazy: only this backend needs langchain-ollama
        except ImportError as exc:
            raise BackendError(f"ollama:{model} needs langchain-ollama: pip install 'docrag[ollama]' "
                               f"({one_line(exc, 120)})") from exc

        if not model:
            raise ValueError("OllamaBackend needs a model name, e.g. 'llava' or 'qwen2.5vl:7b'")
        self.model = model
        self.name = f"ollama:{model}"
        self.base_url = ollama_base_url(base_url)
        self.where = self.base_url
        self.max_images = max_images
        self.max_items = max_items
        self.token_budget = token_budget
        self.max_side = max_side
        self.tokenizer = tokenizer
        client_kwargs: dict[str, Any] = {"timeout": request_timeout(timeout, 300)}
        if api_key:
            client_kwargs["headers"] = {"Authorization": f"Bearer {api_key}"}
        self._llm = ChatOllama(model=model, base_url=self.base_url, temperature=temperature, num_ctx=num_ctx,
                               num_predict=max_tokens, keep_alive=keep_alive, client_kwargs=client_kwargs)

    @classmethod
    def from_spec(cls, model: str, base_url: str | None = None, api_key: str | None = None,
                  **options: Any) -> "OllamaBackend":
        """Registry constructor (see chat.backends.make_backend)."""
        return cls(model, base_url=base_url, api_key=api_key, **options)

    def image_cost(self) -> ImageCost:
        return FixedImageCost()

    def _failures(self) -> tuple[type[BaseException], ...]:
        # ollama wraps HTTP status errors as ResponseError and refused connections as ConnectionError, but a
        # streamed request's connect and read errors come through as raw httpx errors.
        from ollama import ResponseError

        return (ResponseError, ConnectionError, TimeoutError, *http_client_errors())

    def _generate(self, messages: list[Any], on_token: Any) -> tuple[str, int, int]:
        from ollama import ResponseError

        try:
            return super()._generate(messages, on_token)
        except ResponseError as exc:
            if exc.status_code == 404:  # Ollama's answer for a model that was never pulled
                raise BackendError(f"{self.name} at {self.where} failed: model {self.model!r} not found "
                                   f"({one_line(exc.error, 160)}); run `ollama pull {self.model}`") from exc
            raise
        except ValueError as exc:
            # ChatOllama's way of saying the server closed the stream without a single response line.
            if "No data received" not in str(exc):
                raise
            raise BackendError(f"{self.name} at {self.where} failed: empty response ({one_line(exc)})") from exc
