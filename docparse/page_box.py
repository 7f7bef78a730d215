"""`PageBox`: one region of a page in reading order, whichever analysis (layout models, fast path, fallback)
produced it. The parser turns page boxes into elements."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docparse.element import BBox


@dataclass
class PageBox:
    """One region of a page in reading order, independent of which analysis produced it.

    kind: "heading" | "text" | "table" | "figure" | "furniture" (running head, footer, page number: meta "place");
    size: the largest font size (headings);
    table: {"cells": cell boxes by row, "extract": cell text by row} for tables.
    """

    kind: str
    bbox: BBox
    text: str = ""
    size: float = 0.0
    table: dict[str, Any] | None = None
    caption: str | None = None
    caption_box: BBox | None = None
    meta: dict[str, str] = field(default_factory=dict)
