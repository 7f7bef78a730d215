"""Images as documents (PNG, JPEG, TIFF, BMP, WebP): each image (each frame of a multi-page TIFF) is one page
holding a FIGURE element - the image itself as the crop, its OCR text as its text - plus heading/text elements
from the OCR lines when the image carries substantial text (a photographed or scanned page).

Geometry: one point per pixel of the original image (images have no physical page size worth trusting), origin
top-left, so boxes line up with the file as people see it.

Bad input is refused in `open` with a one-line reason naming the file: not an image, a truncated image, or a
decompression bomb (a header declaring more than MAX_DECLARED_PIXELS pixels, checked before any pixel is
decoded). Images over `ParseOptions.max_image_pixels` are downscaled while decoding (JPEG decodes at a reduced
scale directly) before OCR or any model sees them.
"""
from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from docparse.base import DocumentInfo, ParseOptions, file_doc_id, stored_path
from docparse.chunking import TextBlock, chunk_blocks, token_counter
from docparse.element import Element, ElementKind, Provenance, element_id, round_bbox
from docparse.errors import CorruptDocumentError, DocumentTooLargeError
from docparse.ocr import engine_for

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

# Per frame: past this a header is a bomb (or a scan no OCR needs whole). PIL's own guard (twice
# Image.MAX_IMAGE_PIXELS, about 179 MP by default) also stays on, so the lower of the two applies.
MAX_DECLARED_PIXELS = 150_000_000
MAX_FRAMES = 1_000  # a TIFF declaring more pages than this is refused
MAX_CROP_SIDE = 2000  # longest side of the stored figure crop
SUBSTANTIAL_TEXT_CHARS = 200  # OCR text longer than this also becomes text elements (a photographed page)
MAX_FIGURE_TEXT_CHARS = 2000  # the figure's own text when the page text is in text elements as well


def _open_image(path: Path) -> "Image.Image":
    """The PIL image with only its header read; bombs and non-images raise the parse errors."""
    from PIL import Image, UnidentifiedImageError

    name = path.name
    if not path.is_file():
        raise CorruptDocumentError(f"{name}: file not found")
    if path.stat().st_size == 0:
        raise CorruptDocumentError(f"{name}: empty file")
    try:
        with warnings.catch_warnings():
            # PIL warns (and past twice its own limit, raises) on huge headers; the limit below is ours.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as err:
        raise DocumentTooLargeError(f"{name}: refused as a possible decompression bomb ({err})") from None
    except UnidentifiedImageError:
        raise CorruptDocumentError(f"{name}: not a readable image (unrecognised image data)") from None
    except OSError as err:
        raise CorruptDocumentError(f"{name}: not a readable image ({err})") from None
    width, height = image.size
    if width * height > MAX_DECLARED_PIXELS:
        image.close()
        raise DocumentTooLargeError(f"{name}: image declares {width} x {height} pixels, over the limit of "
                                    f"{MAX_DECLARED_PIXELS:,} (refused before decoding: possible decompression bomb)")
    if width == 0 or height == 0:
        image.close()
        raise CorruptDocumentError(f"{name}: image has no pixels ({width} x {height})")
    return image


def _decode(image: "Image.Image", max_pixels: int, name: str) -> "Image.Image":
    """The current frame decoded as RGB and scaled to fit `max_pixels` (JPEG decodes at a reduced scale)."""
    from PIL import Image

    width, height = image.size
    scale = min(1.0, math.sqrt(max_pixels / (width * height)))
    target = (max(1, int(width * scale)), max(1, int(height * scale)))
    try:
        if scale < 1.0 and image.format == "JPEG":
            image.draft("RGB", target)  # DCT-domain downscale: a 100 MP photo never sits in memory whole
        frame = image.convert("RGB")
    except (OSError, SyntaxError, ValueError) as err:  # PIL reports truncated and damaged data as these
        raise CorruptDocumentError(f"{name}: truncated or damaged image ({err})") from None
    if frame.width * frame.height > max_pixels:
        frame.thumbnail(target, Image.Resampling.LANCZOS)
    return frame


class ImageParser:
    """Images as one-page documents (one page per TIFF frame): a figure plus its OCR text."""

    name = "image"
    extensions = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")

    def open(self, path: Path, options: ParseOptions) -> DocumentInfo:
        """Validate the file: an image, within the pixel and frame limits, decodable to the end."""
        path = Path(path)
        with _open_image(path) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > min(MAX_FRAMES, options.max_pages):
                raise DocumentTooLargeError(f"{path.name}: {frames} frames exceeds the limit "
                                            f"{min(MAX_FRAMES, options.max_pages)}")
            _decode(image, options.max_image_pixels, path.name)  # truncated data fails here, not mid-ingest
            fmt = (image.format or path.suffix.lstrip(".")).lower()
        return DocumentInfo(doc_id=file_doc_id(path), source=path.name, path=stored_path(path), pages=frames,
                            format=fmt)

    def elements(self, info: DocumentInfo, options: ParseOptions) -> Iterator[Element]:
        """Per frame: the figure (crop + OCR text), then titles and text chunks when there is much text."""
        path = Path(info.path)
        count = token_counter(options.tokenizer)
        with _open_image(path) as image:
            for index in range(info.pages):
                try:
                    image.seek(index)
                    original = image.size
                    frame = _decode(image, options.max_image_pixels, info.source)
                except Exception as err:  # one bad TIFF frame costs that page only
                    logger.warning("%s page %d: skipped (%s: %s)", info.source, index + 1, type(err).__name__, err)
                    continue
                yield from self._frame_elements(frame, original, index + 1, info, options, count)

    def _frame_elements(self, frame: "Image.Image", original: tuple[int, int], pageno: int, info: DocumentInfo,
                        options: ParseOptions, count) -> Iterator[Element]:
        import numpy as np

        from docparse.ocr.page_regions import text_regions
        from docparse.heading_path import HeadingPath
        from docparse.scanned_page import lines_to_boxes

        scale = original[0] / frame.width  # decoded pixels -> original pixels (= points)
        boxes = []
        engine = engine_for(options.ocr, options.ocr_languages)
        if engine is not None:
            try:
                gray = frame.convert("L")
                lines = engine.recognize(gray, options.ocr_languages)
                boxes = lines_to_boxes(lines, scale, (0.0, 0.0), float(original[0]),
                                       regions=text_regions(np.asarray(gray)))
            except Exception as err:  # the figure is still worth keeping without its text
                logger.warning("%s page %d: OCR by %s failed (%s: %s)", info.source, pageno, engine.name,
                               type(err).__name__, err)
        text = "\n".join(b.text for b in boxes if b.text)
        substantial = len(text) >= SUBSTANTIAL_TEXT_CHARS
        whole = (0.0, 0.0, float(original[0]), float(original[1]))
        ordinal = 0

        def make(kind: ElementKind, body: str, bbox, section=(), **extra) -> Element:
            nonlocal ordinal
            ordinal += 1
            return Element(id=element_id(info.doc_id, kind.value, pageno, ordinal, body), kind=kind, text=body,
                           provenance=Provenance(info.doc_id, info.source, pageno, round_bbox(bbox)),
                           section=tuple(section), **extra)

        yield make(ElementKind.FIGURE, text[:MAX_FIGURE_TEXT_CHARS] if substantial else text, whole,
                   image=self._crop(frame, info, pageno, options), metadata=(("source", "image"),))
        if not substantial:
            return
        sections = HeadingPath()
        pending: list[TextBlock] = []

        def flush() -> Iterator[Element]:
            for chunk in chunk_blocks(pending, options.chunk_tokens, options.chunk_overlap, count):
                yield make(ElementKind.TEXT, chunk.text, chunk.bbox, sections.body_path())
            pending.clear()

        for box in boxes:
            if box.kind == "heading":
                yield from flush()
                sections.push(box.text, box.size)
                yield make(ElementKind.TITLE, box.text, box.bbox, sections.path()[:-1])
            elif box.text:
                pending.append(TextBlock(box.text, box.bbox))
        yield from flush()

    @staticmethod
    def _crop(frame: "Image.Image", info: DocumentInfo, pageno: int, options: ParseOptions) -> str | None:
        if options.assets_dir is None:
            return None
        target = Path(options.assets_dir) / info.doc_id / f"p{pageno}-figure-1.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        crop = frame.copy()
        crop.thumbnail((MAX_CROP_SIDE, MAX_CROP_SIDE))
        crop.save(target, format="PNG")
        return str(target)
