"""Counting what a question's context costs the answer model: text tokens by the model's own tokenizer where one is
available, and a fixed, documented token cost per image.

Text counters, best first:
- `hf:` backends count with the model folder's own tokenizer (the processor's tokenizer);
- `openai:` / `ollama:` count with a tokenizer named by the `tokenizer` setting (chat.settings): a local
  Hugging Face tokenizer folder, a `tokenizer.json` file, or `tiktoken:<encoding>`;
- `openai:` models known to tiktoken count with tiktoken, but only when its BPE file is already in tiktoken's cache
  (tiktoken downloads it on first use, which offline machines cannot do);
- otherwise an estimate of 4 characters per token (English prose averages ~4 with GPT-style BPE vocabularies; it
  over-counts dense numeric tables a little, which errs on the safe side of the budget).

Image costs (per image, after it is shrunk to the backend's `max_side`):
- OpenAI-style ("high" detail): the image is scaled to fit 2048x2048, then its short side to at most 768 px; it
  costs 85 tokens plus 170 per 512-px tile covering it (OpenAI's published formula, which vLLM-served models
  roughly track);
- Ollama: a fixed 576 tokens (LLaVA-1.5's 24x24 patch grid, the common case among Ollama's vision models);
- hf: what the model's processor expands one image to, measured once on a blank image; 576 when it cannot be
  measured.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, runtime_checkable

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
FIXED_IMAGE_TOKENS = 576
_TIKTOKEN_PREFIX = "tiktoken:"
_TIKTOKEN_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


@runtime_checkable
class TokenCounter(Protocol):
    """Counts the tokens of a piece of text; `name` says what counts them (shown in reports)."""

    name: str

    def count(self, text: str) -> int:
        ...


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate (~4 characters per token)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


class EstimateCounter:
    """The 4-characters-per-token estimate, used when no tokenizer for the model is at hand."""

    name = "estimate (4 characters per token)"

    def count(self, text: str) -> int:
        return approx_tokens(text)


class EncodeCounter:
    """Any tokenizer with an `encode` method: `tokenizers.Tokenizer` (returns an Encoding), a transformers
    tokenizer or a tiktoken Encoding (return id lists). Special tokens are not added: the budget is for content."""

    def __init__(self, tokenizer: Any, name: str) -> None:
        self._tokenizer = tokenizer
        self.name = name

    def count(self, text: str) -> int:
        if not text:
            return 0
        tokenizer = self._tokenizer
        if type(tokenizer).__module__.startswith("tokenizers"):
            return len(tokenizer.encode(text, add_special_tokens=False).ids)
        if type(tokenizer).__module__.startswith("tiktoken"):
            return len(tokenizer.encode(text, disallowed_special=()))
        return len(tokenizer.encode(text, add_special_tokens=False))


def _tiktoken_cache_file(encoding: str) -> Path:
    """Where tiktoken keeps the BPE file of `encoding` (the same rule as tiktoken.load.read_file_cached)."""
    folder = (os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
              or os.path.join(tempfile.gettempdir(), "data-gym-cache"))
    return Path(folder) / hashlib.sha1(_TIKTOKEN_BLOB.format(encoding).encode()).hexdigest()


def tiktoken_counter(model: str | None = None, encoding: str | None = None) -> TokenCounter | None:
    """A tiktoken counter for `encoding` (or the encoding tiktoken assigns to `model`), or None when tiktoken is
    missing, does not know the model, or its BPE file is not cached (fetching it would need the internet)."""
    try:
        import tiktoken
        from tiktoken.model import encoding_name_for_model
    except ImportError:
        return None
    try:
        name = encoding or encoding_name_for_model(model or "")
    except KeyError:
        return None
    if not _tiktoken_cache_file(name).is_file():
        log.debug("tiktoken encoding %s is not cached (%s); not downloading it", name, _tiktoken_cache_file(name))
        return None
    try:
        return EncodeCounter(tiktoken.get_encoding(name), f"tiktoken {name}")
    except Exception as exc:  # a corrupt cache file makes tiktoken try the network: treat as unavailable
        log.debug("tiktoken %s unusable: %s", name, exc)
        return None


def load_tokenizer(spec: str) -> TokenCounter:
    """The counter a tokenizer spec names: a `tokenizer.json` file, a local Hugging Face tokenizer folder, or
    `tiktoken:<encoding>`. ValueError naming the spec and the accepted forms when it cannot be loaded."""
    forms = "a tokenizer.json file, a local Hugging Face tokenizer folder, or tiktoken:<encoding>"
    if spec.startswith(_TIKTOKEN_PREFIX):
        counter = tiktoken_counter(encoding=spec[len(_TIKTOKEN_PREFIX):])
        if counter is None:
            raise ValueError(f"tokenizer {spec!r}: tiktoken or its cached BPE file is missing "
                             f"(expected {_tiktoken_cache_file(spec[len(_TIKTOKEN_PREFIX):])})")
        return counter
    path = Path(spec).expanduser()
    tokenizer_json = path / "tokenizer.json" if path.is_dir() else path
    if tokenizer_json.is_file():
        from tokenizers import Tokenizer  # lazy: only needed when a tokenizer is configured

        try:
            return EncodeCounter(Tokenizer.from_file(str(tokenizer_json)), f"tokenizer {tokenizer_json}")
        except Exception as exc:
            raise ValueError(f"tokenizer {tokenizer_json}: cannot be loaded ({type(exc).__name__}: {exc})") from None
    if path.is_dir():  # a slow-tokenizer folder (vocab files, no tokenizer.json): transformers reads those
        try:
            from transformers import AutoTokenizer

            return EncodeCounter(AutoTokenizer.from_pretrained(str(path), local_files_only=True),
                                 f"tokenizer {path}")
        except Exception as exc:
            raise ValueError(f"tokenizer folder {path}: cannot be loaded ({type(exc).__name__}: {exc})") from None
    raise ValueError(f"tokenizer {spec!r} not found: give {forms}")


def configured_counter(tokenizer: str | None = None, model: str | None = None) -> TokenCounter:
    """The counter for an HTTP backend: `tokenizer` (the tokenizer setting, chat.settings) when given, else
    tiktoken for `model` when its encoding is cached, else the estimate."""
    if tokenizer:
        return load_tokenizer(tokenizer)
    return (tiktoken_counter(model) if model else None) or EstimateCounter()


# -- images --------------------------------------------------------------------------------------------------
def fitted_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size an image is sent at: shrunk (aspect kept) so its longest side is at most `max_side`, as
    `chat.context.encode_png` does with PIL's thumbnail."""
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def openai_image_tokens(width: int, height: int) -> int:
    """OpenAI's "high detail" cost: fit 2048x2048, short side to at most 768, then 85 + 170 per 512-px tile."""
    if width <= 0 or height <= 0:
        return 0
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)


@dataclass(frozen=True)
class FixedImageCost:
    """The same token cost for every image, whatever its size (models with a fixed patch grid)."""

    tokens: int = FIXED_IMAGE_TOKENS

    def __call__(self, width: int, height: int) -> int:
        return self.tokens


ImageCost = Callable[[int, int], int]
