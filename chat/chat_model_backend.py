"""The answer flow every generator backend shares (openai:, ollama:, hf:): pack the evidence under the token
budget, build the messages (chat.messages.build_messages), generate, resolve the citations. Each backend says only
how to reach its model and which exceptions mean that the model or its server failed.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from chat.answer import Answer, ContextSize, Usage
from chat.answer_filter import AnswerFilter
from chat.backends import BackendError
from chat.citations import clean_answer
from chat.context import DEFAULT_MAX_IMAGES, DEFAULT_MAX_ITEMS, DEFAULT_MAX_SIDE, DEFAULT_TOKEN_BUDGET, images_for
from chat.derived_facts import select_with_facts
from chat.messages import build_messages, encode_attachment, message_text, one_line, text_of
from chat.token_budget import ImageCost, TokenCounter, configured_counter, fitted_size, openai_image_tokens
from chat.untrusted_text import Fence
from retrieval.hit import Hit

log = logging.getLogger(__name__)


def http_client_errors() -> tuple[type[BaseException], ...]:
    """The HTTP client's error base classes: mid-stream disconnects can surface unwrapped from the client."""
    errors: list[type[BaseException]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            errors.append(__import__(module_name).HTTPError)
        except (ImportError, AttributeError):
            pass
    return tuple(errors)


def _image_size(path: str | Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as img:
        return img.size


class ChatModelBackend:
    """The answer flow shared by generator backends: pack evidence under the token budget, build messages,
    generate, resolve citations.

    Subclasses set `name`, `where` (the base URL or model location named in errors), the evidence limits and
    either `_llm` (a LangChain chat model) or their own `_generate`; `_failures` lists the exception types that
    mean "the model or server failed" (wrapped as BackendError; anything else is a bug and propagates).
    token_budget covers the evidence blocks and their crops, counted by `token_counter()` and `image_cost()`.
    """

    mode = "llm"
    supports_images = True
    name: str
    where: str
    model: str = ""
    max_images: int = DEFAULT_MAX_IMAGES
    max_items: int = DEFAULT_MAX_ITEMS
    token_budget: int = DEFAULT_TOKEN_BUDGET
    max_side: int = DEFAULT_MAX_SIDE
    tokenizer: str | None = None
    # Keys of a streamed message's response_metadata, one of which a complete stream sets on its last chunk.
    _finish_keys: tuple[str, ...] = ()
    _llm: Any = None
    _counter: TokenCounter | None = None

    def _failures(self) -> tuple[type[BaseException], ...]:
        raise NotImplementedError

    def _failed(self, exc: BaseException) -> BackendError:
        if isinstance(exc, json.JSONDecodeError):
            return BackendError(f"{self.name} at {self.where} failed: broken response (not JSON: {one_line(exc)})")
        return BackendError(f"{self.name} at {self.where} failed: {type(exc).__name__}: {one_line(exc)}")

    def token_counter(self) -> TokenCounter:
        """What counts the budget: the configured tokenizer, else tiktoken when cached, else the estimate (see
        chat.token_budget). ValueError when a configured tokenizer cannot be loaded."""
        if self._counter is None:
            self._counter = configured_counter(self.tokenizer, self.model)
            log.debug("%s: counting tokens with %s", self.name, self._counter.name)
        return self._counter

    def image_cost(self) -> ImageCost:
        """Tokens one image costs this backend's model (OpenAI-style tiles by default)."""
        return openai_image_tokens

    def complete(self, system: str, prompt: str) -> str:
        """One plain chat turn without evidence or citations (e.g. rewriting a follow-up question): the model's
        reply to `prompt` under the `system` instructions. BackendError when the model or its server fails."""
        from langchain_core.messages import HumanMessage, SystemMessage

        try:
            return self._generate([SystemMessage(content=system), HumanMessage(content=prompt)], None)[0]
        except BackendError:
            raise
        except self._failures() as exc:
            raise self._failed(exc) from exc

    def _generate(self, messages: list[Any], on_token: Callable[[str], None] | None) -> tuple[str, int, int]:
        """(text, prompt tokens, completion tokens) from the LangChain chat model, streamed when on_token is
        given. A stream that ends without its finish marker broke off: BackendError, not half an answer."""
        if on_token is None:
            message = self._llm.invoke(messages)
        else:
            message = None
            for chunk in self._llm.stream(messages):
                piece = text_of(chunk.content)
                if piece:
                    on_token(piece)
                message = chunk if message is None else message + chunk
            metadata = getattr(message, "response_metadata", None) or {}
            if self._finish_keys and not any(metadata.get(key) for key in self._finish_keys):
                got = len(text_of(message.content)) if message is not None else 0
                raise BackendError(f"{self.name} at {self.where} failed: the answer stream broke off after {got} "
                                   "characters (no finish reason); the answer is incomplete")
        usage = (getattr(message, "usage_metadata", None) or {}) if message is not None else {}
        return (text_of(message.content) if message is not None else "",
                int(usage.get("input_tokens", 0) or 0), int(usage.get("output_tokens", 0) or 0))

    def _drop_images_after(self, exc: BaseException) -> bool:
        """Whether `exc` says the model takes no image input; if so, this backend sends no images from now on
        (one warning), so the caller can ask again with text only (chat.image_input)."""
        from chat.image_input import refuses_images

        if not refuses_images(exc):
            return False
        log.warning("%s does not take image input (%s); answering from text without images; set send_images = "
                    "false (or --no-send-images) to skip them", self.name, one_line(exc, 160))
        self.max_images = 0
        return True

    def plan(self, question: str, hits: Sequence[Hit], history: Sequence[tuple[str, str]] = (),
             images: Sequence[str] = ()) -> tuple[list[Any], Any, ContextSize]:
        """(messages, evidence items, context size) for one question, without contacting the model: the
        evidence packed under the budget, crops and attached images encoded. ValueError when an attached file is
        not an image."""
        attached = [(str(p), encode_attachment(p, self.max_side)) for p in images]
        counter = self.token_counter()
        cost = self.image_cost()
        fence = Fence.new()  # drawn per request: no document can know the line that closes its data
        # Values worked out from the evidence (a ratio, a change, the cell asked for) head it, within the budget.
        items, derived = select_with_facts(question, hits, history=history, max_items=self.max_items,
                                           token_budget=self.token_budget, count_tokens=counter.count,
                                           max_images=self.max_images, max_side=self.max_side, image_cost=cost,
                                           fence=fence)
        crops = images_for(items, max_images=self.max_images, max_side=self.max_side) if self.max_images > 0 else []
        messages = build_messages(question, items, history, attached, crops, fence, derived)
        sent = {key for key, _ in crops}
        image_tokens = sum(i.image_tokens for i in items if i.key in sent)
        image_tokens += sum(cost(*fitted_size(*_image_size(p), self.max_side)) for p, _ in attached)
        context = ContextSize(text_tokens=counter.count(message_text(messages)), images=len(crops) + len(attached),
                              image_tokens=image_tokens, items=len(items), counted_by=counter.name)
        return messages, items, context

    def answer(self, question: str, hits: Sequence[Hit], history: Sequence[tuple[str, str]] = (),
               images: Sequence[str] = (), on_token: Callable[[str], None] | None = None) -> Answer:
        """Ask the model; streams to `on_token` when given. BackendError when the model or its server fails,
        is unreachable or breaks off its stream; ValueError (before any request) when an attached file is not an
        image."""
        messages, items, context = self.plan(question, hits, history, images)
        # What streams is what the finished answer will say: unknown keys and links are judged before they are
        # shown, holding back only text that may still turn into one (chat.answer_filter).
        shown = AnswerFilter(items)
        # An error raised by on_token is the caller's (e.g. BrokenPipeError from a closed stdout, itself a
        # ConnectionError; KeyboardInterrupt): it must propagate as is, not pass for a model failure.
        reader_errors: list[BaseException] = []

        wrote: list[str] = []

        def relay(piece: str) -> None:
            wrote.append(piece)
            try:
                safe = shown.feed(piece)
                if safe:
                    on_token(safe)  # type: ignore[misc]
            except BaseException as exc:
                reader_errors.append(exc)
                raise

        try:
            raw, prompt_tokens, completion_tokens = self._generate(messages, relay if on_token else None)
        except BackendError:
            raise
        except self._failures() as exc:
            if exc in reader_errors:
                raise
            if context.images and not wrote and self._drop_images_after(exc):
                return self.answer(question, hits, history, (), on_token)
            raise self._failed(exc) from exc
        if on_token is not None:
            rest = shown.close()
            if rest:
                on_token(rest)
        text, citations = clean_answer(raw, items)
        log.debug("%s: %d evidence items, %d images, %d citations", self.name, len(items), context.images,
                  len(citations))
        return Answer(question=question, text=text, citations=citations, hits=tuple(i.hit for i in items),
                      model=self.name, mode=self.mode,
                      usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                  images=context.images), context=context)
