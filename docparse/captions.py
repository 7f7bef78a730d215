"""Caption recognition and linking: which text line names which table or figure.

A caption is a short text box that starts with a label such as "Figure 3", "Fig. 3", "Table 2", "[표 1]" or
"그림 1" and sits directly above or below the table/figure it describes.
"""
from __future__ import annotations

import re
from typing import Sequence

from docparse.element import BBox

_NUMBER = r"[A-Z]?\d+(?:[\-–.]\d+)*[a-z]?"

# (pattern, what the label names). English labels are case-insensitive ("TABLE 2"); a number is required so
# that running text such as "Table of contents" is not taken for a caption.
CAPTION_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^\s*(?:Figure|Fig\.?|Chart|Graph|Diagram|Plate)\s*{_NUMBER}\b", re.IGNORECASE), "figure"),
    (re.compile(rf"^\s*Table\s*{_NUMBER}\b", re.IGNORECASE), "table"),
    (re.compile(rf"^\s*Exhibit\s*{_NUMBER}\b", re.IGNORECASE), "any"),
    (re.compile(rf"^\s*[\[<〈【(]\s*표\s*{_NUMBER}\s*[\]>〉】)]"), "table"),
    (re.compile(rf"^\s*표\s*{_NUMBER}(?:\s|[.:]|$)"), "table"),
    (re.compile(rf"^\s*[\[<〈【(]\s*그림\s*{_NUMBER}\s*[\]>〉】)]"), "figure"),
    (re.compile(rf"^\s*그림\s*{_NUMBER}(?:\s|[.:]|$)"), "figure"),
)

# A caption farther than this from its table/figure (PDF points, vertical gap) is not linked.
MAX_CAPTION_GAP = 60.0


def caption_kind(text: str) -> str | None:
    """What a caption line labels: "table", "figure", "any" (e.g. "Exhibit 4"), or None if it is no caption."""
    for pattern, kind in CAPTION_PATTERNS:
        if pattern.match(text):
            return kind
    return None


def is_caption(text: str) -> bool:
    """True if `text` starts with a table/figure caption label."""
    return caption_kind(text) is not None


def _horizontal_overlap(a: BBox, b: BBox) -> float:
    return min(a[2], b[2]) - max(a[0], b[0])


def _vertical_gap(target: BBox, caption: BBox) -> float:
    """Gap between the boxes when the caption lies above or below the target; inf when they interleave."""
    if caption[1] >= target[3] - 2:  # below
        return max(0.0, caption[1] - target[3])
    if caption[3] <= target[1] + 2:  # above
        return max(0.0, target[1] - caption[3])
    return float("inf")


def link_captions(targets: Sequence[tuple[BBox, str]], candidates: Sequence[tuple[BBox, str]],
                  max_gap: float = MAX_CAPTION_GAP) -> dict[int, int]:
    """Pair tables/figures with their captions.

    targets: (bbox, "table" | "figure"); candidates: (bbox, text) of text boxes on the same page.
    Returns {target index: candidate index}. A candidate must match a caption pattern whose kind fits the target,
    overlap it horizontally and lie above or below it within `max_gap`; the nearest pairs are taken first and each
    target and caption is used once.
    """
    pairs: list[tuple[float, int, int]] = []
    for ci, (cbox, text) in enumerate(candidates):
        kind = caption_kind(text)
        if kind is None:
            continue
        for ti, (tbox, tkind) in enumerate(targets):
            if kind != "any" and kind != tkind:
                continue
            if _horizontal_overlap(tbox, cbox) <= 0:
                continue
            gap = _vertical_gap(tbox, cbox)
            if gap <= max_gap:
                pairs.append((gap, ti, ci))
    links: dict[int, int] = {}
    used: set[int] = set()
    for _gap, ti, ci in sorted(pairs):
        if ti not in links and ci not in used:
            links[ti] = ci
            used.add(ci)
    return links
