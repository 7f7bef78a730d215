"""Decorative raster images: logos, banners and rules that a document draws on many pages.

A picture drawn on most pages carries no content of its own (a letterhead logo, a section-title banner) and,
kept as a figure, it would crowd real figures out of image search. Page resources cannot tell on their own:
some producers list every image of the document in every page's resources (one real deck here draws each of its
16 images once but lists all 16 on all 15 pages). So the resource lists only nominate candidates, cheaply, and a
sample of pages confirms which candidates are really drawn again and again.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import pymupdf

MIN_PAGES = 3  # a picture is decorative when drawn on at least this many sampled pages ...
MIN_SHARE = 0.5  # ... and on at least this share of them
SAMPLE_PAGES = 8  # pages whose drawing is interpreted to confirm the candidates
COVERED = 0.7  # share of a figure's area that decorative pictures must cover for the figure to be dropped


def decorative_image_xrefs(doc: "pymupdf.Document") -> frozenset[int]:
    """Image xrefs that the document draws on many of its pages."""
    referenced: Counter[int] = Counter()
    pages_with: dict[int, list[int]] = {}
    for pno in range(doc.page_count):
        for xref in {img[0] for img in doc.get_page_images(pno)}:
            referenced[xref] += 1
            pages_with.setdefault(xref, []).append(pno)
    candidates = {x for x, n in referenced.items() if n >= MIN_PAGES}
    if not candidates:
        return frozenset()
    pages = sorted({p for x in candidates for p in pages_with[x]})
    step = max(1, len(pages) // SAMPLE_PAGES)
    sample = pages[::step][:SAMPLE_PAGES]
    drawn: Counter[int] = Counter()
    for pno in sample:
        drawn.update({info["xref"] for info in doc[pno].get_image_info(xrefs=True)} & candidates)
    return frozenset(x for x, n in drawn.items() if n >= MIN_PAGES and n >= MIN_SHARE * len(sample))


def decorative_rects(page: "pymupdf.Page", xrefs: frozenset[int]) -> list[tuple[float, float, float, float]]:
    """Where the page draws the decorative images."""
    if not xrefs:
        return []
    return [tuple(info["bbox"]) for info in page.get_image_info(xrefs=True) if info["xref"] in xrefs]


def is_decorative(bbox: Sequence[float], rects: Sequence[Sequence[float]]) -> bool:
    """True when decorative pictures cover most of the figure box `bbox`."""
    area = max((bbox[2] - bbox[0]) * (bbox[3] - bbox[1]), 1e-6)
    covered = 0.0
    for r in rects:
        w = min(bbox[2], r[2]) - max(bbox[0], r[0])
        h = min(bbox[3], r[3]) - max(bbox[1], r[1])
        if w > 0 and h > 0:
            covered += w * h
    return covered >= COVERED * area
