"""The fast path: page boxes from PyMuPDF's text dict alone, for pages the router found free of tables.

Text blocks (one-line blocks first put back into paragraphs: docparse.line_blocks) are split into heading and body
runs (a heading is a short run set clearly larger than the page's body text, or wholly bold and short); short runs
in the top and bottom margins are set apart as page furniture, as the layout models set apart page headers and
footers (the parser returns them to the body unless they repeat on other pages:
docparse.running_lines.FurnitureCheck); raster images become figures; reading order follows one or two columns.
Vector figures are added later by the parser on every path.
"""
from __future__ import annotations

import re
from typing import Sequence

from docparse.captions import is_caption
from docparse.headings import dominant_size, is_heading_text
from docparse.page_box import PageBox
from docparse.korean_wrap import join_line_dicts
from docparse.line_blocks import merge_line_blocks
from docparse.span_text import line_text

HEADING_RATIO = 1.2  # a run this much larger than the body size is a heading
MARGIN_BAND = 0.06  # top/bottom fraction of the page where short runs are running heads/footers
_BOLD = 16  # span flag bit for bold
_SENTENCE_END = re.compile(r"[.;,:]\s*$")


def body_size(blocks: Sequence[dict]) -> float:
    """The font size carrying most characters on the page (the body text size); 10 for a page without text."""
    return dominant_size(span for block in blocks for line in block["lines"] for span in line["spans"]) or 10.0




def _is_bold(span: dict) -> bool:
    return bool(span["flags"] & _BOLD) or "bold" in span["font"].lower()


def _runs(block: dict, body: float) -> list[PageBox]:
    """Split one text block into consecutive heading and body runs."""
    runs: list[tuple[bool, list[dict]]] = []
    # The previous line opened a list item (a bullet, or bold body text): the bold lines after it continue it.
    bold_body = False
    for line in block["lines"]:
        spans = [s for s in line["spans"] if s["text"].strip()]
        if not spans:
            continue
        size = dominant_size(spans)
        text = line_text(spans)
        bold = all(_is_bold(s) for s in spans)
        may_head = is_heading_text(text)
        heading = len(text) < 120 and not is_caption(text) and may_head and (
            size >= HEADING_RATIO * body
            or (bold and not bold_body and size >= body - 0.5 and not _SENTENCE_END.search(text)))
        bold_body = not heading and (bold or not may_head)
        if runs and runs[-1][0] == heading:
            runs[-1][1].append(line)
        else:
            runs.append((heading, [line]))
    out = []
    for heading, lines in runs:
        text = join_line_dicts(lines)
        bbox = (min(l["bbox"][0] for l in lines), min(l["bbox"][1] for l in lines),
                max(l["bbox"][2] for l in lines), max(l["bbox"][3] for l in lines))
        if heading and len(text) < 200:
            size = dominant_size(s for l in lines for s in l["spans"])
            out.append(PageBox("heading", bbox, text, size=size))
        elif text:
            out.append(PageBox("text", bbox, text, meta={"class": "caption"} if is_caption(text) else {}))
    return out


def _in_margin(box: PageBox, height: float) -> bool:
    """A short run inside the top or bottom band: a running head, a page number, a footer line."""
    short = len(box.text.split()) <= 12
    return short and (box.bbox[3] <= MARGIN_BAND * height or box.bbox[1] >= (1 - MARGIN_BAND) * height)


def reading_order(boxes: list[PageBox], width: float) -> list[PageBox]:
    """Top to bottom; on two-column pages, full-width boxes cut the page into bands and each band reads its left
    column before its right one."""
    mid = width / 2
    side = {id(b): "L" if b.bbox[2] <= mid + 10 else "R" if b.bbox[0] >= mid - 10 else "F" for b in boxes}
    lefts = sum(1 for b in boxes if side[id(b)] == "L" and len(b.text) > 80)
    rights = sum(1 for b in boxes if side[id(b)] == "R" and len(b.text) > 80)
    ordered = sorted(boxes, key=lambda b: (b.bbox[1], b.bbox[0]))
    if lefts < 2 or rights < 2:
        return ordered
    out: list[PageBox] = []
    band: list[PageBox] = []
    for box in ordered + [None]:
        if box is None or side[id(box)] == "F":
            out += [b for b in band if side[id(b)] == "L"] + [b for b in band if side[id(b)] == "R"]
            band = []
            if box is not None:
                out.append(box)
        else:
            band.append(box)
    return out


def fast_boxes(blocks: Sequence[dict], image_rects: Sequence[Sequence[float]], width: float,
               height: float) -> list[PageBox]:
    """Page boxes in reading order from text-dict blocks (type 0) and the page's raster image rectangles.

    Running headers and footers come last, as "furniture" boxes: left in the body they would look like a column
    of their own and upset the column order (a centred page number splits nothing but reads as one).
    """
    body = body_size([b for b in blocks if b.get("type", 0) == 0])
    boxes: list[PageBox] = [PageBox("figure", tuple(r)) for r in image_rects]
    furniture: list[PageBox] = []
    figures = [b.bbox for b in boxes]
    for block in merge_line_blocks(blocks):  # lines drawn as blocks of their own back into paragraphs
        if block.get("type", 0) != 0:
            continue
        for run in _runs(block, body):
            if _in_margin(run, height):  # kept apart: the parser stores it as page metadata, not body text
                place = "header" if run.bbox[3] <= MARGIN_BAND * height else "footer"
                furniture.append(PageBox("furniture", run.bbox, run.text, meta={"place": place}))
                continue
            cx, cy = (run.bbox[0] + run.bbox[2]) / 2, (run.bbox[1] + run.bbox[3]) / 2
            if run.meta.get("class") != "caption" and any(f[0] <= cx <= f[2] and f[1] <= cy <= f[3] for f in figures):
                continue  # words printed on a picture are read into the figure's text, not the body
            boxes.append(run)
    return reading_order(boxes, width) + furniture
