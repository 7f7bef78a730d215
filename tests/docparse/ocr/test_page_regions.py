"""Recursive XY-cut of scanned pages (docparse.ocr.page_regions), on page images drawn here: black bars stand for
lines of text, so every expected region is known to the pixel."""
from __future__ import annotations

import numpy as np
from PIL import Image

from docparse.ocr import page_regions

WIDTH, HEIGHT = 1200, 1600
LINE, PITCH = 20, 30  # bar height and line pitch: a 10-pixel gap between lines of a paragraph


def _page() -> np.ndarray:
    return np.full((HEIGHT, WIDTH), 255, dtype=np.uint8)


def _paragraph(page: np.ndarray, x0: int, x1: int, top: int, lines: int) -> int:
    """Draw `lines` text-line bars from `top`; returns the bottom of the last one."""
    for i in range(lines):
        y = top + i * PITCH
        # Word spaces: short white breaks at different places on each line, as in real text.
        page[y:y + LINE, x0:x1] = 0
        for k in range(x0 + 40 + (i * 37) % 60, x1 - 20, 90):
            page[y:y + LINE, k:k + 8] = 255
    return top + (lines - 1) * PITCH + LINE


def _two_column_page() -> np.ndarray:
    page = _page()
    _paragraph(page, 100, 1100, 60, 2)  # a title across the page
    _paragraph(page, 100, 560, 200, 20)  # left column
    _paragraph(page, 640, 1100, 200, 20)  # right column, 80 px gutter
    return page


def test_columns_come_after_the_title_left_column_first():
    regions = page_regions.text_regions(_two_column_page())
    assert len(regions) == 3, regions
    title, left, right = regions
    assert title == (100, 60, 1100, 110)
    assert left[0] == 100 and left[2] <= 560 and right[0] >= 640 and right[2] == 1100
    assert left[1] == right[1] == 200


def test_paragraph_breaks_cut_a_column_but_line_spacing_does_not():
    page = _page()
    bottom = _paragraph(page, 100, 1100, 100, 5)
    _paragraph(page, 100, 1100, bottom + 60, 5)
    regions = page_regions.text_regions(page)
    assert [r[1] for r in regions] == [100, bottom + 60]


def test_table_columns_narrower_than_a_fifth_stay_together():
    page = _page()
    for x0 in (100, 300, 500, 700, 900):  # five 150-px columns with 50-px white between them
        _paragraph(page, x0, x0 + 150, 100, 10)
    assert len(page_regions.text_regions(page)) == 1


def test_scanner_specks_do_not_close_a_gutter():
    page = _two_column_page()
    page[300, 600] = page[900, 590] = 0  # two dark specks inside the gutter
    assert len(page_regions.text_regions(page)) == 3


def test_blank_page_has_no_regions():
    assert page_regions.text_regions(_page()) == []


def test_stacked_regions_map_back_to_the_page():
    gray = _two_column_page()
    regions = page_regions.text_regions(gray)
    stacked, placements = page_regions.stack(Image.fromarray(gray), regions, margin=50)
    assert stacked.width == max(r[2] - r[0] for r in regions) + 100
    canvas = np.asarray(stacked)
    for index, placed in enumerate(placements):
        x0, y0, x1, y1 = placed.region
        pasted = canvas[placed.top:placed.top + y1 - y0, placed.left:placed.left + x1 - x0]
        assert np.array_equal(pasted, gray[y0:y1, x0:x1])
        middle = placed.top + (y1 - y0) / 2
        assert page_regions.leaf_of(placements, middle, 50) == index
    assert page_regions.leaf_of(placements, stacked.height + 100, 50) is None
