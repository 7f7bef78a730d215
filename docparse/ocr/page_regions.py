"""Text regions of a scanned page in reading order, by recursive XY-cut, and one stacked image to OCR them in.

Tesseract's own page layout analysis (page segmentation mode 3) misreads two-column scans: measured on image-only
renders of a two-column Korean report, it cut lines at the middle of a column and dropped their second halves,
and read a column's first paragraph after the next column's. A recursive XY-cut (Nagy & Seth, 1984) finds the
columns from white space alone: a region splits at a vertical gutter that runs through all of it, else at
horizontal gaps wider than the spacing between its lines; what cannot be split is a leaf. Leaves come out top to
bottom and, across a gutter, left column first.

The leaves are pasted one under another into one tall image and read in a single Tesseract call as one column
of text of varying sizes (mode 4): one process start and one model load per page, not one per leaf, and no line
can run across a gutter any more. `stack` records where each leaf went so word boxes map back to the page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from docparse.ocr import PixelBox

if TYPE_CHECKING:
    from PIL import Image

# A pixel darker than this (0-255 grey) is ink. Light-grey shading behind a heading stays background.
INK_LEVEL = 128
# A row or column holding at most one ink pixel per this many pixels of its length still counts as white, so
# specks of scanner noise do not close a gutter.
NOISE_SPAN = 400
# A vertical gutter must be at least this many text-line heights wide (and this share of the page width): wider
# than any word space, narrower than the 0.2-inch gutter of a two-column paper.
GUTTER_LINE_HEIGHTS = 0.5
GUTTER_PAGE_SHARE = 0.01
# Every column a region splits into must be at least this share of the page width: a table's columns are
# narrower, and a table is not split apart.
MIN_COLUMN_SHARE = 0.2
# Only regions at least this many line heights tall split at gutters (three aligned word spaces are no gutter).
MIN_COLUMN_LINES = 3
# A horizontal cut needs a white band at least this many times the page's usual gap between lines (and this
# share of a line height): paragraph and section breaks, not line spacing.
CUT_LINE_GAPS = 2.0
CUT_LINE_HEIGHT_SHARE = 0.4
# Beyond this depth a region is a leaf, whatever its white space (bounded work on pathological images).
MAX_DEPTH = 24


@dataclass(frozen=True)
class Placement:
    """Where one leaf region of the page (`region`, page pixels) sits in the stacked image: its top at `top`,
    its left edge at `left`."""

    region: PixelBox
    top: int
    left: int


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D boolean array (end exclusive)."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _line_metrics(ink: np.ndarray) -> tuple[float, float]:
    """(typical text-line height, typical white gap between lines) of the page, in pixels: medians of the runs
    of inked rows and of the white runs between them."""
    runs = _runs(ink.sum(axis=1) > ink.shape[1] // NOISE_SPAN)
    if not runs:
        return 0.0, 0.0
    height = float(np.median([end - start for start, end in runs]))
    gaps = [start - end for (_, end), (start, _) in zip(runs, runs[1:])]
    return height, float(np.median(gaps)) if gaps else 0.0


def text_regions(gray: np.ndarray) -> list[PixelBox]:
    """Leaf regions (x0, y0, x1, y1; page pixels, end exclusive) of a greyscale page in reading order; [] for a
    blank page. A page with no gutters and no wide gaps is one region."""
    ink = gray < INK_LEVEL
    line_height, line_gap = _line_metrics(ink)
    if line_height == 0:
        return []
    row_cut = max(CUT_LINE_GAPS * line_gap, CUT_LINE_HEIGHT_SHARE * line_height, 2.0)
    gutter = max(GUTTER_LINE_HEIGHTS * line_height, GUTTER_PAGE_SHARE * ink.shape[1], 2.0)
    leaves: list[PixelBox] = []

    def trim(x0: int, y0: int, x1: int, y1: int) -> PixelBox | None:
        sub = ink[y0:y1, x0:x1]
        rows = np.flatnonzero(sub.sum(axis=1) > (x1 - x0) // NOISE_SPAN)
        cols = np.flatnonzero(sub.sum(axis=0) > (y1 - y0) // NOISE_SPAN)
        if not len(rows) or not len(cols):
            return None
        return x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1

    def split(box: PixelBox, depth: int) -> None:
        trimmed = trim(*box)
        if trimmed is None:
            return
        x0, y0, x1, y1 = trimmed
        if depth >= MAX_DEPTH:
            leaves.append(trimmed)
            return
        sub = ink[y0:y1, x0:x1]
        width = x1 - x0
        if y1 - y0 >= MIN_COLUMN_LINES * line_height:
            white_cols = sub.sum(axis=0) <= (y1 - y0) // NOISE_SPAN
            gutters = [(s, e) for s, e in _runs(white_cols) if e - s >= gutter]
            edges = [0, *(edge for run in gutters for edge in run), width]
            pieces = [right - left for left, right in zip(edges[::2], edges[1::2])]
            # Columns of text, every one of them wide; a table's narrow columns are not split apart.
            if gutters and min(pieces) >= MIN_COLUMN_SHARE * ink.shape[1]:
                for left, right in zip(edges[::2], edges[1::2]):
                    split((x0 + left, y0, x0 + right, y1), depth + 1)
                return
        white_rows = sub.sum(axis=1) <= width // NOISE_SPAN
        cuts = [(s, e) for s, e in _runs(white_rows) if e - s >= row_cut]
        if not cuts:
            leaves.append(trimmed)
            return
        top = 0
        for start, end in cuts:
            split((x0, y0 + top, x1, y0 + start), depth + 1)
            top = end
        split((x0, y0 + top, x1, y1), depth + 1)

    split((0, 0, ink.shape[1], ink.shape[0]), 0)
    return leaves


def region_of(regions: Sequence[PixelBox], x: float, y: float) -> int:
    """Index of the region holding the point (x, y), else of the nearest one (a line box drawn from word medians
    can poke out of its region)."""
    def distance(region: PixelBox) -> float:
        dx = max(region[0] - x, 0.0, x - region[2])
        dy = max(region[1] - y, 0.0, y - region[3])
        return dx * dx + dy * dy

    return min(range(len(regions)), key=lambda index: distance(regions[index]))


def stack(image: "Image.Image", regions: list[PixelBox], margin: int) -> tuple["Image.Image", list[Placement]]:
    """The regions of `image` pasted one under another on white, `margin` pixels apart and from the edges."""
    from PIL import Image

    width = max(x1 - x0 for x0, _, x1, _ in regions) + 2 * margin
    height = sum(y1 - y0 for _, y0, _, y1 in regions) + margin * (len(regions) + 1)
    canvas = Image.new("L", (width, height), 255)
    placements, top = [], margin
    for region in regions:
        canvas.paste(image.crop(region), (margin, top))
        placements.append(Placement(region, top, margin))
        top += region[3] - region[1] + margin
    return canvas, placements


def leaf_of(placements: list[Placement], y_center: float, margin: int) -> int | None:
    """Index of the placement whose band (its rows plus half the margin either side) holds `y_center`."""
    for index, placed in enumerate(placements):
        height = placed.region[3] - placed.region[1]
        if placed.top - margin / 2 <= y_center < placed.top + height + margin / 2:
            return index
    return None
