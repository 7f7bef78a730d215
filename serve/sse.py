"""Server-sent events: one `event:` name and one JSON `data:` line per event (the HTML living standard's format)."""
from __future__ import annotations

import json
from typing import Any


def sse_event(event: str, data: Any) -> str:
    """The text of one event; `data` is sent as JSON on a single line (JSON escapes every newline)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # proxies must not hold events back
