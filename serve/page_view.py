"""Page images for a viewer: the page PNG (serve.page_png), its size in PDF points and the image's scale, with
cited boxes drawn on it; and table/figure crops. Only files inside the store or the stored documents are read:
ids are looked up in the catalog, never used as paths."""
from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from chat.library import Library
from retrieval.document_record import DocumentRecord
from serve.page_png import page_png

# doc_ids are SHA-1 hex; element ids "<doc_id[:16]>-<20 hex>". Anything else is refused before any lookup.
DOC_ID = re.compile(r"^[0-9a-f]{40}$")
ELEMENT_ID = re.compile(r"^[0-9a-f]{16}-[0-9a-f]{20}$")
MAX_BOXES = 50
_CACHED_PAGES = 32
# The store's own page images are 72 dpi: one pixel per PDF point.
_STORED_IMAGE_DPI = 72


class NotFound(LookupError):
    """What was asked for is not in the library (unknown or malformed id, page out of range, no crop)."""


@dataclass(frozen=True)
class PageImage:
    """A page as PNG with its size in PDF points; scale = image pixels per PDF point."""

    record: DocumentRecord
    page: int
    png: bytes
    width: float
    height: float
    image_width: int
    image_height: int

    @property
    def scale(self) -> float:
        return self.image_width / self.width if self.width else 1.0

    def info(self) -> dict:
        return {"doc_id": self.record.doc_id, "source": self.record.source, "page": self.page,
                "pages": self.record.pages, "width": round(self.width, 3), "height": round(self.height, 3),
                "image_width": self.image_width, "image_height": self.image_height, "scale": round(self.scale, 6)}

    def headers(self) -> dict[str, str]:
        return {"X-Page-Width": f"{self.width:.3f}", "X-Page-Height": f"{self.height:.3f}",
                "X-Image-Scale": f"{self.scale:.6f}", "X-Page-Count": str(self.record.pages),
                "Cache-Control": "private, max-age=300"}


class PageImages:
    """Page images of one library, the last few kept in memory (a viewer asks for the same page repeatedly)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, int], PageImage] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, library: Library, doc_id: str, page: int) -> PageImage:
        record = document(library, doc_id)
        if not 1 <= page <= record.pages:
            raise NotFound(f"{record.source} has {record.pages} page{'s' if record.pages != 1 else ''}; "
                           f"there is no page {page}")
        key = (record.doc_id, page)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        try:
            png = page_png(Path(library.config.root), record, page)
        except ValueError as err:
            raise NotFound(str(err)) from None
        from PIL import Image
        with Image.open(io.BytesIO(png)) as image:
            size = image.size
        width, height = _page_points(record, page, size)
        shown = PageImage(record, page, png, width, height, *size)
        with self._lock:
            self._cache[key] = shown
            while len(self._cache) > _CACHED_PAGES:
                self._cache.popitem(last=False)
        return shown


def document(library: Library, doc_id: str) -> DocumentRecord:
    """The stored record of `doc_id`; NotFound for a malformed or unknown id."""
    if not DOC_ID.match(doc_id or ""):
        raise NotFound(f"no document {doc_id!r}: a doc_id is 40 hex digits (GET /api/documents lists them)")
    for record in library.documents():
        if record.doc_id == doc_id:
            return record
    raise NotFound(f"no document {doc_id} in the library (GET /api/documents lists them)")


def _page_points(record: DocumentRecord, page: int, size: tuple[int, int]) -> tuple[float, float]:
    """The page's displayed size in PDF points: from the PDF when it is there, else from the 72-dpi image."""
    path = Path(record.path)
    if path.suffix.lower() == ".pdf" and path.is_file():
        import pymupdf
        try:
            with pymupdf.open(str(path)) as doc:
                rect = doc.load_page(page - 1).rect  # the page as displayed (rotation applied), like bboxes
                return float(rect.width), float(rect.height)
        except Exception:  # damaged or changed: fall back to the image
            pass
    return size[0] * 72.0 / _STORED_IMAGE_DPI, size[1] * 72.0 / _STORED_IMAGE_DPI


def parse_boxes(text: str | None) -> list[tuple[float, float, float, float]]:
    """"x0,y0,x1,y1;..." -> boxes; ValueError says what is wrong."""
    if not text:
        return []
    boxes = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            values = [float(v) for v in part.split(",")]
        except ValueError:
            values = []
        if len(values) != 4 or any(v != v or abs(v) > 1e6 for v in values):
            raise ValueError(f"boxes: {part!r} is not x0,y0,x1,y1 (four numbers, PDF points)")
        x0, y0, x1, y1 = values
        boxes.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    if len(boxes) > MAX_BOXES:
        raise ValueError(f"boxes: {len(boxes)} given, at most {MAX_BOXES}")
    return boxes


def draw_boxes(shown: PageImage, boxes: list[tuple[float, float, float, float]]) -> bytes:
    """The page PNG with `boxes` (PDF points) outlined and lightly filled, scaled to the image."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(shown.png)) as image:
        base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    scale = shown.scale
    line = max(2, round(scale * 1.5))
    for x0, y0, x1, y1 in boxes:
        draw.rectangle([x0 * scale, y0 * scale, x1 * scale, y1 * scale], outline=(230, 57, 70, 255),
                       fill=(255, 214, 10, 70), width=line)
    out = io.BytesIO()
    Image.alpha_composite(base, layer).convert("RGB").save(out, format="PNG")
    return out.getvalue()


def crop_path(library: Library, key: str) -> Path:
    """The crop file of table or figure `key`, which must lie inside the store; NotFound otherwise."""
    if not ELEMENT_ID.match(key or ""):
        raise NotFound(f"no element {key!r}: an element id looks like 0123456789abcdef-0123456789abcdef0123")
    element = library.index.catalog.get_elements([key]).get(key)
    if element is None:
        raise NotFound(f"no element {key} in the library")
    if not element.image:
        raise NotFound(f"element {key} ({element.kind.value}) has no crop: tables and figures have them")
    root = Path(library.config.root).resolve()
    path = Path(element.image)
    path = (path if path.is_absolute() else root / path).resolve()
    if not path.is_relative_to(root):
        # A store that was moved or copied records its old crop paths: the crop sits at the same place in this one.
        path = (root / "assets" / path.parent.name / path.name).resolve()
    if not path.is_relative_to(root / "assets") or not path.is_file():
        raise NotFound(f"the crop of element {key} is not in the store")
    return path
