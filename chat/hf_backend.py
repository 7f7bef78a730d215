"""Answers from a local transformers vision-language model (`hf:<model id or folder>`).

The model loads through AutoModelForImageTextToText + AutoProcessor (LLaVA, Qwen2-VL, Idefics3/SmolVLM, Gemma 3,
...) and is prompted with its own chat template. The messages are the ones every generator backend gets
(chat.messages.build_messages), converted to the chat-template form: text parts stay text, image parts
become `{"type": "image"}` placeholders with the decoded PIL crop handed to the processor.

Nothing heavy happens at construction: the folder or hub id is checked (a missing folder, or a hub id that is not
cached while HF_HUB_OFFLINE is set, is a BackendError at once, so the caller can fall back), and torch and the
weights load on the first answer (or `load()`).
"""
from __future__ import annotations

import base64
import io
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable

from chat.backends import BackendError
from chat.messages import one_line, text_of
from chat.chat_model_backend import ChatModelBackend
from chat.token_budget import (FIXED_IMAGE_TOKENS, EncodeCounter, FixedImageCost, ImageCost, TokenCounter,
                               load_tokenizer)

log = logging.getLogger(__name__)

# owner/name or name, as the Hugging Face hub spells repository ids.
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")
_TRUE = frozenset({"1", "true", "yes", "on"})
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def hub_offline() -> bool:
    """Whether the Hugging Face hub must not be contacted (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE set), read at
    call time so a setting made after import still counts."""
    return any(os.environ.get(name, "").strip().lower() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_cache_dir() -> str:
    """The hub cache folder as the environment names it now ($HF_HUB_CACHE, else $HF_HOME/hub)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return os.path.join(home, "hub")


def _looks_like_path(spec: str) -> bool:
    return (spec.startswith(("/", ".", "~")) or "\\" in spec or spec.count("/") > 1 or spec.endswith("/")
            or bool(re.match(r"^[A-Za-z]:", spec)))


def resolve_model(spec: str) -> str:
    """The local folder (absolute) or hub id that `hf:<spec>` names.

    Raises BackendError naming the spec when a folder is missing or holds no config.json, when the text is neither
    a folder nor a valid hub id, or when the hub is offline and the id is not in the local cache.
    """
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise BackendError(f"hf:{spec}: {path} has no config.json; give a folder written by save_pretrained "
                               f"or a Hugging Face model id")
        return str(path.resolve())
    if _looks_like_path(spec) or not _HUB_ID.fullmatch(spec):
        raise BackendError(f"hf:{spec}: no such model folder {path.resolve()} (and not a Hugging Face model id)")
    from huggingface_hub import try_to_load_from_cache  # lazy: only hub ids need it

    cached = try_to_load_from_cache(spec, "config.json", cache_dir=hub_cache_dir())
    if not isinstance(cached, str) and hub_offline():
        raise BackendError(f"hf:{spec}: model id is not in the Hugging Face cache {hub_cache_dir()} and the hub is "
                           f"offline (HF_HUB_OFFLINE); download it where the hub is reachable or give a local folder")
    return spec


def _pil(data_url: str) -> Any:
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[-1])))
    return image.convert("RGB")


def to_chat_template(messages: list[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    """LangChain messages -> (chat-template messages with `{"type": "image"}` placeholders, PIL images in order)."""
    out: list[dict[str, Any]] = []
    images: list[Any] = []
    for message in messages:
        role = _ROLES.get(message.type, message.type)
        content = message.content if isinstance(message.content, list) else [message.content]
        parts: list[dict[str, Any]] = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image_url":
                url = part["image_url"]["url"] if isinstance(part["image_url"], dict) else part["image_url"]
                images.append(_pil(url))
                parts.append({"type": "image"})
            else:
                parts.append({"type": "text", "text": text_of([part])})
        out.append({"role": role, "content": parts})
    return out, images


def _fold_system(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The system message's text moved to the start of the first user turn (for templates without a system role)."""
    if not messages or messages[0]["role"] != "system":
        return messages
    system, rest = messages[0], [dict(m) for m in messages[1:]]
    for message in rest:
        if message["role"] == "user":
            message["content"] = system["content"] + message["content"]
            break
    return rest


class HFBackend(ChatModelBackend):
    """A local transformers vision-language model as an answer backend (mode "llm", name "hf:<model>").

    device: "cuda", "cpu", ... (default: cuda when available); dtype: torch dtype name (default bfloat16/float16 on
    GPU, float32 on CPU); max_new_tokens: cap on generated tokens; max_images / max_side: crops per question and
    their longest side in pixels, kept small because every image costs hundreds of tokens on a local model.
    Greedy decoding, so answers are reproducible. The token budget is counted with the model's own tokenizer
    (or `tokenizer`, see chat.token_budget), and each image at what the processor expands one image to.
    """

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 device: str | None = None, dtype: str | None = None, max_new_tokens: int = 512,
                 max_images: int = 2, max_side: int = 768, max_items: int = 8, token_budget: int = 3000,
                 tokenizer: str | None = None) -> None:
        if not model:
            raise ValueError("HFBackend needs a model id or folder, e.g. 'HuggingFaceTB/SmolVLM-256M-Instruct'")
        if base_url:
            log.debug("hf:%s runs locally; base_url %s is ignored", model, base_url)
        self.model = model
        self.name = f"hf:{model}"
        self.where = resolve_model(model)
        self.device = device
        self.dtype = dtype
        self.max_new_tokens = max_new_tokens
        self.max_images = max_images
        self.max_side = max_side
        self.max_items = max_items
        self.token_budget = token_budget
        self.tokenizer = tokenizer
        self._image_tokens: int | None = None
        self._processor: Any = None
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, model: str, base_url: str | None = None, api_key: str | None = None,
                  **options: Any) -> "HFBackend":
        """Registry constructor (see chat.backends.make_backend)."""
        return cls(model, base_url=base_url, api_key=api_key, **options)

    def _failures(self) -> tuple[type[BaseException], ...]:
        # Generation fails with RuntimeError (incl. torch.OutOfMemoryError) or OSError; others are bugs.
        return (RuntimeError, OSError, MemoryError)

    def load(self) -> None:
        """Load the processor and weights now (otherwise the first answer does). BackendError when they cannot be
        loaded: missing files, not a vision-language model, missing dependency."""
        with self._lock:
            if self._model is not None:
                return
            try:
                import torch
                from transformers import AutoModelForImageTextToText, AutoProcessor
            except ImportError as exc:
                raise BackendError(f"{self.name} needs torch and transformers: pip install 'docrag[hf]' "
                                   f"({one_line(exc, 120)})") from exc
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            dtype = getattr(torch, self.dtype) if self.dtype else (
                (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if device.startswith("cuda")
                else torch.float32)
            hub = {} if os.path.isdir(self.where) else {"cache_dir": hub_cache_dir(),
                                                          "local_files_only": hub_offline()}
            log.info("%s: loading from %s on %s (%s)", self.name, self.where, device, dtype)
            try:
                processor = AutoProcessor.from_pretrained(self.where, **hub)
                model = AutoModelForImageTextToText.from_pretrained(self.where, dtype=dtype, **hub)
                model = model.to(device).eval()
            except (OSError, ValueError, ImportError, KeyError, RuntimeError) as exc:
                # ValueError here is transformers' "Unrecognized configuration class": not an image-text model.
                raise BackendError(f"{self.name} could not be loaded from {self.where}: {type(exc).__name__}: "
                                   f"{one_line(exc)}") from exc
            self._processor, self._model = processor, model

    def token_counter(self) -> TokenCounter:
        """The model's own tokenizer (loads the model on first use), or the configured `tokenizer`."""
        if self._counter is None:
            if self.tokenizer:
                self._counter = load_tokenizer(self.tokenizer)
            else:
                self.load()
                self._counter = EncodeCounter(getattr(self._processor, "tokenizer", self._processor),
                                              f"{self.name} tokenizer")
        return self._counter

    def image_cost(self) -> ImageCost:
        """The tokens the processor expands one image to (measured once), else FIXED_IMAGE_TOKENS."""
        if self._image_tokens is None:
            self.load()
            self._image_tokens = self._measure_image_tokens() or FIXED_IMAGE_TOKENS
            log.debug("%s: %d tokens per image", self.name, self._image_tokens)
        return FixedImageCost(self._image_tokens)

    def _measure_image_tokens(self) -> int | None:
        """Prompt length with one blank max_side image minus the length without it; None when the processor
        cannot do it (models that tile by size still get one fixed figure: the cost at max_side)."""
        from PIL import Image

        text = {"type": "text", "text": "x"}
        try:
            with_image = self._prompt([{"role": "user", "content": [{"type": "image"}, text]}])
            without = self._prompt([{"role": "user", "content": [text]}])
            blank = Image.new("RGB", (self.max_side, self.max_side), "white")
            ids_with = self._processor(text=[with_image], images=[[blank]], return_tensors="pt")["input_ids"]
            ids_without = self._processor(text=[without], return_tensors="pt")["input_ids"]
            measured = int(ids_with.shape[-1]) - int(ids_without.shape[-1])
        except Exception as exc:  # processors differ widely; a failed measurement only means the default cost
            log.debug("%s: cannot measure image tokens (%s)", self.name, one_line(exc, 160))
            return None
        return measured if measured > 0 else None

    def _prompt(self, messages: list[dict[str, Any]]) -> str:
        try:
            return self._processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except Exception as exc:  # jinja2 errors vary by template; the usual cause is "no system role"
            if messages and messages[0]["role"] == "system":
                log.debug("%s: chat template rejected the system role (%s); folding it into the question",
                          self.name, one_line(exc, 120))
                try:
                    return self._processor.apply_chat_template(_fold_system(messages), add_generation_prompt=True,
                                                               tokenize=False)
                except Exception as retry_exc:
                    exc = retry_exc
            raise BackendError(f"{self.name} at {self.where}: chat template failed (no chat template?): "
                               f"{type(exc).__name__}: {one_line(exc)}") from exc

    def _generate(self, messages: list[Any], on_token: Callable[[str], None] | None) -> tuple[str, int, int]:
        self.load()
        chat, images = to_chat_template(messages)
        prompt = self._prompt(chat)
        inputs = self._processor(text=[prompt], images=[images] if images else None, return_tensors="pt")
        inputs = inputs.to(self._model.device, dtype=self._model.dtype)
        prompt_tokens = int(inputs["input_ids"].shape[-1])
        settings = {"max_new_tokens": self.max_new_tokens, "do_sample": False}
        if on_token is None:
            output = self._model.generate(**inputs, **settings)
            new = output[0, prompt_tokens:]
            return (self._processor.decode(new, skip_special_tokens=True), prompt_tokens, int(new.shape[-1]))
        return self._stream(inputs, settings, on_token, prompt_tokens)

    def _stream(self, inputs: Any, settings: dict[str, Any], on_token: Callable[[str], None],
                prompt_tokens: int) -> tuple[str, int, int]:
        """Generate in a thread while handing decoded pieces to `on_token`; if `on_token` raises (the reader went
        away), generation is told to stop instead of running on to max_new_tokens."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        cancel = threading.Event()

        class Cancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancel.is_set(), dtype=torch.bool, device=input_ids.device)

        streamer = TextIteratorStreamer(self._processor.tokenizer, skip_prompt=True, skip_special_tokens=True)
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["output"] = self._model.generate(**inputs, **settings, streamer=streamer,
                                                        stopping_criteria=StoppingCriteriaList([Cancelled()]))
            except BaseException as exc:  # handed to the caller's thread below
                result["error"] = exc
                streamer.end()  # unblocks the loop below

        worker = threading.Thread(target=run, name=f"{self.name}-generate", daemon=True)
        worker.start()
        pieces: list[str] = []
        try:
            for piece in streamer:
                if piece:
                    pieces.append(piece)
                    on_token(piece)
        finally:
            cancel.set()
            worker.join()
        if "error" in result:
            raise result["error"]
        return "".join(pieces), prompt_tokens, int(result["output"].shape[-1]) - prompt_tokens
