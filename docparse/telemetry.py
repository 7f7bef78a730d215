"""Usage reporting of docrag's dependencies, off before any of them is imported.

docrag works offline and keeps nothing on a user's machine but its library folder and its own cache. Several
dependencies report usage unless told not to, and some write while doing so:
- onnxruntime (layout models, OCR, the ONNX text embedder) creates ~/.cache/Microsoft/DeveloperTools/.onnxruntime
  with a device id and an event database on import (and a session id in $TMPDIR/.ses); only
  ORT_DISABLE_TELEMETRY, read at import, prevents it
  (`onnxruntime.disable_telemetry_events()` comes too late: the files are written by then);
- chromadb sends anonymised events through posthog unless ANONYMIZED_TELEMETRY is false (its client Settings
  say so too, see retrieval.chroma_store);
- huggingface_hub and transformers send usage pings unless HF_HUB_DISABLE_TELEMETRY;
- unstructured pings its analytics endpoint on import unless DO_NOT_TRACK or SCARF_NO_ANALYTICS.
Each variable is set unless the user set it already: an explicit opt-in is the user's choice.
"""
from __future__ import annotations

import os

TELEMETRY_OFF = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
}


def telemetry_off() -> None:
    """Set every TELEMETRY_OFF variable the environment does not set already (cheap: call it early and often)."""
    for name, value in TELEMETRY_OFF.items():
        if not os.environ.get(name, "").strip():
            os.environ[name] = value
