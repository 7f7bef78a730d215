"""Pages of any size within the render budget: the layout models rasterise a whole page at 72 dpi (a 200 x 200
inch page would take 600 MB per copy), so a page larger than `ParseOptions.max_image_pixels` at that resolution
is analysed as a copy of the part that holds content (the models, trained on ordinary pages, class everything in
a corner of a vast page as header or footer), scaled down when that part is still too large; the boxes found are
mapped back, so they stay in the page's PDF points."""
from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable

from docparse.page_box import PageBox

if TYPE_CHECKING:
    import pymupdf


def fit_scale(width: float, height: float, max_pixels: int) -> float:
    """The factor that brings a `width` x `height` point page within `max_pixels` at 72 dpi (1.0 when it fits)."""
    pixels = max(width, 0.0) * max(height, 0.0)
    return 1.0 if pixels <= max_pixels else math.sqrt(max_pixels / pixels)


CONTENT_MARGIN = 36.0  # points kept around the content, so that margins still look like margins


def content_rect(page: "pymupdf.Page") -> "pymupdf.Rect":
    """The part of the page that anything is drawn on (text, vectors, images), with CONTENT_MARGIN around it."""
    import pymupdf

    area = pymupdf.Rect()
    for _, bbox in page.get_bboxlog():
        area |= pymupdf.Rect(bbox)
    if area.is_empty:
        return page.rect
    return (area + (-CONTENT_MARGIN, -CONTENT_MARGIN, CONTENT_MARGIN, CONTENT_MARGIN)) & page.rect


def scaled_copy(doc: "pymupdf.Document", pno: int, clip: "pymupdf.Rect", scale: float) -> "pymupdf.Document":
    """A one-page document showing the `clip` part of page `pno` of `doc`, shrunk by `scale` (text stays text,
    vectors stay vectors)."""
    import pymupdf

    copy = pymupdf.open()
    page = copy.new_page(width=clip.width * scale, height=clip.height * scale)
    page.show_pdf_page(page.rect, doc, pno, clip=clip)
    return copy


def _mapped(value: Any, scale: float, x0: float, y0: float) -> Any:
    """Boxes (4 numbers), and nested lists of them, from the copy's points to the page's; anything else as it is."""
    if isinstance(value, (list, tuple)):
        if len(value) == 4 and all(isinstance(v, (int, float)) for v in value):
            return (value[0] / scale + x0, value[1] / scale + y0, value[2] / scale + x0, value[3] / scale + y0)
        return type(value)(_mapped(v, scale, x0, y0) for v in value)
    return value


def map_back(box: PageBox, scale: float, x0: float, y0: float) -> PageBox:
    """`box`, found on a copy of the page's part from (`x0`, `y0`) scaled by `scale`, in the page's points."""
    table = box.table
    if table is not None:
        table = {**table, **{key: _mapped(table[key], scale, x0, y0) for key in ("bbox", "cells") if table.get(key)}}
    return replace(box, bbox=_mapped(box.bbox, scale, x0, y0), size=box.size / scale, table=table,
                   caption_box=_mapped(box.caption_box, scale, x0, y0) if box.caption_box else None)


def boxes_within_budget(analyse: Callable[["pymupdf.Document", int], list[PageBox]], doc: "pymupdf.Document",
                        pno: int, max_pixels: int) -> list[PageBox]:
    """`analyse(doc, pno)`, run on a copy of the page's content, scaled to the budget, when the page is larger
    than the budget."""
    rect = doc[pno].rect
    if fit_scale(rect.width, rect.height, max_pixels) >= 1.0:
        return analyse(doc, pno)
    clip = content_rect(doc[pno])
    scale = fit_scale(clip.width, clip.height, max_pixels)
    with scaled_copy(doc, pno, clip, scale) as copy:
        return [map_back(box, scale, clip.x0, clip.y0) for box in analyse(copy, 0)]
