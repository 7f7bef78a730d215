"""Low-resolution JPEG of one PDF page: what a library keeps of every page, for page-level image search and for
showing pages to people (retrieval.page_images keeps them in the store).

Why JPEG: encoding was most of the cost of a page image. A 72-dpi letter page (612 x 792) took 7.7 ms to encode
as PNG (MuPDF; Pillow: 6.9 ms at compression level 1) against 1.0 ms as JPEG through Pillow's libjpeg-turbo, at
about the same size (~90-100 KB); rendering itself is 1.5 ms. Quality 90 keeps 72-dpi text legible; CLIP sees
224 px, and `docrag ask --show` renders cited pages afresh.

During `docrag ingest` the parser writes them (ParseOptions.page_images_dir) while it holds the page, in the
parse workers, instead of the storing process opening every document again.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_DPI = 72
DEFAULT_MAX_SIDE = 1024
JPEG_QUALITY = 90


def page_image_file(folder: Path, page: int) -> Path:
    """The image of 1-based `page` in a document's page-image folder."""
    return Path(folder) / f"p{page}.jpg"


def render_page_image(page: Any, target: Path, dpi: int = DEFAULT_DPI, max_side: int = DEFAULT_MAX_SIDE) -> Path:
    """Write `page` (a pymupdf.Page) as a JPEG at `dpi`, scaled down further so its longest side is at most
    `max_side` pixels. Written to a temporary name first so that a crash never leaves a half-written image."""
    import pymupdf
    from PIL import Image

    if dpi <= 0 or max_side <= 0:
        raise ValueError(f"dpi ({dpi}) and max_side ({max_side}) must be positive")
    rect = page.rect
    longest = max(rect.width, rect.height, 1.0)
    zoom = min(dpi / 72.0, max_side / longest)
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, colorspace=pymupdf.csRGB)
    image = Image.frombuffer("RGB", (pixmap.width, pixmap.height), pixmap.samples_mv, "raw", "RGB", 0, 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        image.save(partial, format="JPEG", quality=JPEG_QUALITY)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
