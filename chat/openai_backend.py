"""Answers from any OpenAI-compatible chat server (OpenAI, vLLM, LM Studio, llama.cpp server, Ollama's /v1).

Built on langchain_openai.ChatOpenAI. The evidence goes in one user message: fenced document text, then the table
and figure crops as images, each introduced by its key so the model can cite what it sees.

The message building (chat.messages) and the answer flow (chat.chat_model_backend) are shared with the other
generator backends (ollama:, hf:) so every model sees the same prompt.
"""
from __future__ import annotations

import json
import os
from typing import Any

from chat.chat_model_backend import ChatModelBackend, http_client_errors
from chat.context import DEFAULT_MAX_ITEMS, DEFAULT_TOKEN_BUDGET
from chat.messages import request_timeout

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Local servers ignore the key but the client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Exception types meaning "the server failed", wrapped as BackendError (others are bugs and propagate).
    JSONDecodeError: the server sent a body or stream event that is not JSON (a proxy's error page, a cut-off
    event)."""
    import openai

    return (openai.OpenAIError, ConnectionError, TimeoutError, json.JSONDecodeError, *http_client_errors())


class OpenAIBackend(ChatModelBackend):
    """An OpenAI-compatible chat model as an answer backend (mode "llm", name "openai:<model>").

    base_url defaults to $OPENAI_BASE_URL, else OpenAI's API; api_key to $OPENAI_API_KEY, else a placeholder
    so keyless local servers work; timeout: seconds per request (default 120).
    max_images caps the evidence crops sent per question (0: text only);
    tokenizer: what counts the token budget (see chat.token_budget; default tiktoken when cached, else an
    estimate).
    """

    _finish_keys = ("finish_reason",)

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float | None = None,
                 max_images: int = 4, temperature: float = 0, max_retries: int = 1,
                 max_items: int = DEFAULT_MAX_ITEMS, token_budget: int = DEFAULT_TOKEN_BUDGET, max_side: int = 1024,
                 tokenizer: str | None = None) -> None:
        from langchain_openai import ChatOpenAI  # lazy: langchain is heavy and only this backend needs it

        if not model:
            raise ValueError("OpenAIBackend needs a model name, e.g. 'gpt-4o-mini'")
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.where = self.base_url
        self.max_images = max_images
        self.max_items = max_items
        self.token_budget = token_budget
        self.max_side = max_side
        self.tokenizer = tokenizer
        self._llm = ChatOpenAI(
            model=model, base_url=self.base_url,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_KEY,
            timeout=request_timeout(timeout, 120), max_retries=max_retries, temperature=temperature,
            # Ask for token counts on streams too (OpenAI, vLLM, llama.cpp and Ollama honour stream_options).
            stream_usage=True)

    @classmethod
    def from_spec(cls, model: str, base_url: str | None = None, api_key: str | None = None,
                  **options: Any) -> "OpenAIBackend":
        """Registry constructor (see chat.backends.make_backend)."""
        return cls(model, base_url=base_url, api_key=api_key, **options)

    def _failures(self) -> tuple[type[BaseException], ...]:
        return _transport_errors()
