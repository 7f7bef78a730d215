"""The parser interface: a small Protocol, options as a frozen dataclass, and what a parser reports up front."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable

from docparse.element import Element


@dataclass(frozen=True)
class ParseOptions:
    """How to parse.

    assets_dir: where table/figure crops are written (`<assets_dir>/<doc_id>/...png`); None = no crops.
    chunk_tokens / chunk_overlap: target size of text chunks, counted by `token_counter` when the caller
    supplies one (the embedder's own tokenizer), else by a word-piece estimate.
    layout_features: which bundled layout model runs on pages routed to layout analysis (docparse.layout_model).
    tokenizer: folder of a Hugging Face tokenizer (holding tokenizer.json) used to count chunk tokens; None =
    the estimate in `docparse.chunking.estimate_tokens`.
    crop_dpi: resolution of table/figure crops. max_pages: refuse documents with more pages than this.
    ocr / ocr_languages / max_image_pixels: see the fields.
    page_images_dir: where a low-resolution JPEG of every PDF page is written while the page is parsed
    (`<page_images_dir>/<doc_id>/p<page>.jpg`, docparse.page_image); None = none (`docrag ingest` sets it to the
    store's page-image folder).
    """

    assets_dir: Path | None = None
    chunk_tokens: int = 220
    chunk_overlap: int = 30
    crop_dpi: int = 144
    max_pages: int = 20_000
    min_figure_area: float = 2_500.0  # PDF points^2 (50x50): smaller images are icons, bullets, rules
    password: str | None = None
    tokenizer: str | None = None
    layout_features: str = "imf+rf"  # docparse.layout_model.FEATURE_SETS[0]
    # OCR of image-only/scanned pages and of figures without a text layer (docparse.scanned_page): "auto" (the
    # measured default engine, only where a page needs it), "off", or an engine name (docparse.ocr.OCR_ENGINES).
    ocr: str = "auto"
    ocr_languages: str = "eng+kor"  # Tesseract language codes; rapidocr's models read Chinese/English only
    max_image_pixels: int = 10_000_000  # pixel budget: bigger renders and images are downscaled before OCR/models
    page_images_dir: Path | None = None

    def __post_init__(self) -> None:
        from docparse.ocr import validate_choice
        validate_choice(self.ocr)


@dataclass(frozen=True)
class DocumentInfo:
    """What is known about a document before its elements are produced."""

    doc_id: str
    source: str
    path: str
    pages: int
    format: str
    # PDF image xrefs drawn on many pages (logos, banners): their figures are dropped (docparse.decorative)
    decorative_images: frozenset[int] = frozenset()
    # Keys of lines repeated in the top/bottom band of many pages: running heads and footers (docparse.running_lines)
    running_lines: frozenset[str] = frozenset()
    # Keys of lines found in the top/bottom band of at least two sampled pages: the only margin lines that may
    # leave the body as page furniture (docparse.running_lines.FurnitureCheck)
    margin_lines: frozenset[str] = frozenset()


def stored_path(path: str | Path) -> str:
    """The absolute path a document is known by: its folder with links resolved, and its own file name. A link
    to a file keeps its own name (resolving it whole would store the document under the target's name)."""
    absolute = os.path.abspath(os.path.expanduser(os.fspath(path)))
    return os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))


def file_doc_id(path: Path) -> str:
    """The document id: SHA-1 of the file bytes, so identical files share an id and a change makes a new one."""
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@runtime_checkable
class DocumentParser(Protocol):
    """A parser for one family of formats.

    `open` validates the file and reports its page count (raising a `ParseError` subclass with a one-line
    reason naming the file); `elements` then yields elements page by page so that large documents never sit in
    memory at once. A page that fails inside the parser is skipped with a warning, not raised.
    """

    name: str
    extensions: tuple[str, ...]

    def open(self, path: Path, options: ParseOptions) -> DocumentInfo: ...

    def elements(self, info: DocumentInfo, options: ParseOptions) -> Iterator[Element]: ...
