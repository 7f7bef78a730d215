"""Whether table/figure crops and attached images go to the answer model, and telling a server's "this model
takes no image input" from other failures.

The setting: `send_images` (LibraryConfig, TOML key `send_images`, environment `DOCRAG_SEND_IMAGES`, CLI
`--no-send-images`); default on. Independently, a server that refuses image input for the first question gets
the same question once more without images, with one warning, and the backend sends no images from then on:
answering from text beats falling back to the extractive answer.
"""
from __future__ import annotations

import os
import re

SEND_IMAGES_ENV = "DOCRAG_SEND_IMAGES"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

# Wordings of servers asked for images by a text-only model: OpenAI ("image_url is only supported by certain
# models"), Ollama ("this model does not support image input", "vision model not found"), LM Studio ("Model does
# not support images"), llama.cpp ("image input is not supported"), vLLM ("... is not a multimodal model").
_REFUSAL = re.compile(
    r"(?:image|vision|multi-?modal|mmproj|image_url)\w*[^.;\n]{0,60}?"
    r"(?:not\s+supported|only\s+supported|unsupported|not\s+enabled|not\s+available|not\s+found)"
    r"|(?:does\s+not|doesn'?t|do\s+not|cannot|can'?t)\s+(?:support|accept|handle|process|take)\s+"
    r"(?:\w+\s+){0,2}(?:images?|vision|multi-?modal|image\s+input)"
    r"|not\s+a\s+(?:multi-?modal|vision)\s+model", re.IGNORECASE)


def send_images_setting(value: bool | None, environ=os.environ) -> bool:
    """`value` when given, else $DOCRAG_SEND_IMAGES (1/0, true/false, yes/no, on/off), else True."""
    if value is not None:
        return bool(value)
    raw = (environ.get(SEND_IMAGES_ENV) or "").strip().lower()
    if not raw or raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{SEND_IMAGES_ENV}={raw!r}: use one of 1, 0, true, false, yes, no, on, off")


def backend_options(spec: str, send_images: bool | None) -> dict[str, int]:
    """Constructor options for the backend of `spec`: no crops (max_images 0) for a generator backend when
    images are not to be sent; nothing for the extractive backend, which sends nothing anyway."""
    generator = spec.partition(":")[0].strip().lower() != "extractive"
    return {"max_images": 0} if generator and not send_images_setting(send_images) else {}


def refuses_images(error: BaseException) -> bool:
    """Whether a model server's error says the model does not take image input."""
    text = " ".join(str(part) for part in (error, getattr(error, "body", None) or "",
                                            getattr(error, "error", None) or "") if part)
    return bool(_REFUSAL.search(text))
