"""Whether table/figure crops and attached images go to the answer model, and telling a server's "this model
takes no image input" from other failures.

The setting: `send_images` (chat.settings: TOML key `send_images`, environment `DOCRAG_SEND_IMAGES`, CLI
`--no-send-images`); default on. Independently, a server that refuses image input for the first question gets
the same question once more without images, with one warning, and the backend sends no images from then on:
answering from text beats falling back to the extractive answer.
"""
from __future__ import annotations

import re

# Wordings of servers asked for images by a text-only model: OpenAI ("image_url is only supported by certain
# models"), Ollama ("this model does not support image input", "vision model not found"), LM Studio ("Model does
# not support images"), llama.cpp ("image input is not supported"), vLLM ("... is not a multimodal model").
_REFUSAL = re.compile(
    r"(?:image|vision|multi-?modal|mmproj|image_url)\w*[^.;\n]{0,60}?"
    r"(?:not\s+supported|only\s+supported|unsupported|not\s+enabled|not\s+available|not\s+found)"
    r"|(?:does\s+not|doesn'?t|do\s+not|cannot|can'?t)\s+(?:support|accept|handle|process|take)\s+"
    r"(?:\w+\s+){0,2}(?:images?|vision|multi-?modal|image\s+input)"
    r"|not\s+a\s+(?:multi-?modal|vision)\s+model", re.IGNORECASE)


def refuses_images(error: BaseException) -> bool:
    """Whether a model server's error says the model does not take image input."""
    text = " ".join(str(part) for part in (error, getattr(error, "body", None) or "",
                                            getattr(error, "error", None) or "") if part)
    return bool(_REFUSAL.search(text))
