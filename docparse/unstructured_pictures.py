"""Picture extraction for unstructured's DOCX and PPTX partitioners, and PNG crops of the extracted bytes.

unstructured's default picture sub-partitioners for DOCX and PPTX yield nothing; it offers a pluggable hook
(`register_picture_partitioner`, process-wide) for one that does. The partitioners here yield an `Image` element
carrying the picture's own bytes (base64, as unstructured's HTML partitioner does for inline images) and its alt
text, so the mapping stage can write a PNG crop and make a FIGURE element.
"""
from __future__ import annotations

import base64
import binascii
import io
import logging
from pathlib import Path
from typing import Any, Iterator

logger = logging.getLogger(__name__)

MAX_CROP_PIXELS = 2000  # longest side of a written crop, as for PDF crops
MAX_SOURCE_PIXELS = 50_000_000  # a picture decoding to more pixels than this is refused (decompression bombs)


def _image_element(blob: bytes, mime_type: str, alt_text: str, metadata_kwargs: dict[str, Any]):
    from unstructured.documents.elements import ElementMetadata, Image

    metadata = ElementMetadata(image_base64=base64.b64encode(blob).decode("ascii"), image_mime_type=mime_type,
                               **metadata_kwargs)
    return Image(text=alt_text, metadata=metadata)


class DocxPicturePartitioner:
    """Yields an `Image` element for each picture (inline or floating) in a python-docx `Paragraph`."""

    @classmethod
    def iter_elements(cls, paragraph: Any, opts: Any) -> Iterator[Any]:
        from docx.oxml.ns import qn

        for drawing in paragraph._p.xpath(".//w:drawing"):
            described = drawing.xpath(".//wp:docPr")
            alt_text = (described[0].get("descr") or "").strip() if described else ""
            for blip in drawing.xpath(".//a:blip"):
                part = paragraph.part.related_parts.get(blip.get(qn("r:embed")))
                if part is None or not getattr(part, "blob", None):
                    continue  # a linked (external) picture has no bytes in the file
                yield _image_element(part.blob, part.content_type, alt_text,
                                     {"page_number": opts.metadata_page_number})


class PptxPicturePartitioner:
    """Yields an `Image` element for a python-pptx `Picture` shape (with its slide number)."""

    @classmethod
    def iter_elements(cls, picture: Any, opts: Any) -> Iterator[Any]:
        try:
            image = picture.image
        except (ValueError, KeyError) as err:  # a linked picture or a shape without embedded bytes
            logger.debug("picture %r has no embedded image: %s", getattr(picture, "name", "?"), err)
            return
        alt_text = (picture._element._nvXxPr.cNvPr.get("descr") or "").strip()
        metadata = opts.text_metadata()
        yield _image_element(image.blob, image.content_type, alt_text, {"page_number": metadata.page_number})


def register_picture_partitioners() -> None:
    """Install the partitioners above in unstructured (idempotent; call after `prepare_unstructured`)."""
    from unstructured.partition import docx as docx_partition
    from unstructured.partition import pptx as pptx_partition

    docx_partition.register_picture_partitioner(DocxPicturePartitioner)
    pptx_partition.register_picture_partitioner(PptxPicturePartitioner)


def write_png(image_base64: str, target: Path, source: str) -> tuple[str | None, tuple[int, int] | None]:
    """Decode a picture and save it as PNG at `target` (longest side at most MAX_CROP_PIXELS).

    Returns (path, (width, height) of the original), or (None, None) when the bytes are no decodable raster image
    (vector EMF/WMF pictures, for instance) or decode to more than MAX_SOURCE_PIXELS; the reason is logged."""
    from PIL import Image, UnidentifiedImageError

    try:
        data = base64.b64decode(image_base64, validate=False)
        with Image.open(io.BytesIO(data)) as picture:
            size = picture.size
            if size[0] * size[1] > MAX_SOURCE_PIXELS:
                logger.warning("%s: picture of %dx%d pixels exceeds the budget of %d pixels; no crop written",
                               source, size[0], size[1], MAX_SOURCE_PIXELS)
                return None, size
            picture.thumbnail((MAX_CROP_PIXELS, MAX_CROP_PIXELS))
            converted = picture.convert("RGBA" if "A" in picture.getbands() or picture.mode == "P" else "RGB")
            target.parent.mkdir(parents=True, exist_ok=True)
            converted.save(target, format="PNG")
            return str(target), size
    except (UnidentifiedImageError, OSError, ValueError, binascii.Error, Image.DecompressionBombError) as err:
        logger.warning("%s: picture not decodable as a raster image (%s); no crop written", source, err)
        return None, None


def picture_size(image_base64: str) -> tuple[int, int] | None:
    """(width, height) of a base64 picture from its header alone, or None if it is no raster image PIL reads."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(base64.b64decode(image_base64, validate=False))) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError, ValueError, binascii.Error):
        return None
