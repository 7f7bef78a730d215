"""HWP 5.x and HWPX documents (Hancom Office, 한글) -> Elements.

Read through hwpforge (docparse.hwp_package) into blocks (docparse.hwp_blocks): headings (outline levels, or short
text set clearly larger than the body or wholly in bold where a document has no outline), text chunked per section path and page,
tables as cell grids (merged cells: text in the first slot they cover), and pictures as figures whose crop is the
picture itself (PNG), with their captions.

Position contract: elements have no box (`bbox` None: the file holds no page geometry). `page` is the page
Hancom Office laid the text on when it saved the file, read from the saved line layout; where the file has no
saved layout, `page` is the SECTION number instead. Every element's metadata says which (`page_source`:
"layout" or "section") and holds `position` = "section S, paragraph P", which names the place in either case.
Tables have no crop image (nothing renders the page); figures have the picture as their crop.
"""
from __future__ import annotations

import base64
import logging
import threading
from pathlib import Path
from typing import Iterator

from docparse.base import DocumentInfo, ParseOptions, file_doc_id
from docparse.chunking import TextBlock, chunk_blocks, token_counter
from docparse.element import Element, ElementKind, Provenance, element_id
from docparse.errors import DocumentTooLargeError
from docparse.hwp_blocks import HwpBlock, attach_captions, iter_blocks
from docparse.hwp_package import HwpPackage, load_package
from docparse.table_continuation import header_row_count
from docparse.table_grid import grid_to_markdown

logger = logging.getLogger(__name__)

OUTLINE_SIZE = 100.0  # outline level L is pushed as a heading of size OUTLINE_SIZE - L (level 1 outermost)


class HwpParser:
    """Parser for .hwp (HWP 5.x) and .hwpx (OWPML) files."""

    name = "hwp"
    extensions = (".hwp", ".hwpx")

    def __init__(self) -> None:
        # open() has to read the whole document to count its pages; elements() right after reuses that read
        self._last: tuple[str, list[HwpBlock], HwpPackage] | None = None
        self._lock = threading.Lock()

    def open(self, path: Path, options: ParseOptions) -> DocumentInfo:
        """Read and validate the file (bad files raise a ParseError naming the file) and count its pages."""
        path = Path(path)
        doc_id = file_doc_id(path)
        package, blocks = self._read(path, doc_id)
        pages = max((b.page for b in blocks), default=1)
        if pages > options.max_pages:
            raise DocumentTooLargeError(f"{path.name}: {pages} pages exceeds the limit {options.max_pages}")
        return DocumentInfo(doc_id=doc_id, source=path.name, path=str(path.resolve()), pages=pages,
                            format=package.format)

    def _read(self, path: Path, doc_id: str) -> tuple[HwpPackage, list[HwpBlock]]:
        with self._lock:
            if self._last is not None and self._last[0] == doc_id:
                return self._last[2], self._last[1]
        package = load_package(path)
        blocks = attach_captions(list(iter_blocks(package.document, package.styles)))
        with self._lock:
            self._last = (doc_id, blocks, package)
        return package, blocks

    def elements(self, info: DocumentInfo, options: ParseOptions) -> Iterator[Element]:
        """Headings, chunked text, tables and figures in reading order."""
        from docparse.heading_path import HeadingPath

        package, blocks = self._read(Path(info.path), info.doc_id)
        with self._lock:
            self._last = None
        count = token_counter(options.tokenizer)
        sections = HeadingPath()
        pending: list[TextBlock] = []
        state = {"ordinal": 0, "figures": 0, "where": None}

        def make(kind: ElementKind, text: str, block: HwpBlock, section, **extra) -> Element:
            state["ordinal"] += 1
            meta = {"position": block.position, "page_source": block.page_source, **extra.pop("meta", {})}
            return Element(id=element_id(info.doc_id, kind.value, block.page, state["ordinal"], text), kind=kind,
                           text=text, provenance=Provenance(info.doc_id, info.source, block.page, None),
                           section=tuple(section), metadata=tuple(sorted(meta.items())), **extra)

        def flush() -> Iterator[Element]:
            where = state["where"]
            if pending and where is not None:
                for chunk in chunk_blocks(pending, options.chunk_tokens, options.chunk_overlap, count):
                    yield make(ElementKind.TEXT, chunk.text, where, sections.body_path())
            pending.clear()
            state["where"] = None

        for block in blocks:
            if pending and state["where"] is not None and state["where"].page != block.page:
                yield from flush()
            if block.kind == "heading":
                yield from flush()
                sections.push(block.text, OUTLINE_SIZE - block.level if block.level else block.size)
                yield make(ElementKind.TITLE, block.text, block, sections.path()[:-1])
            elif block.kind == "text":
                if state["where"] is None:
                    state["where"] = block
                pending.append(TextBlock(block.text))
            elif block.kind == "table":
                yield from flush()
                grid = [list(row) for row in block.cells or ()]
                body = grid_to_markdown(grid)
                text = f"{block.caption}\n\n{body}" if block.caption else body
                yield make(ElementKind.TABLE, text, block, sections.body_path(), cells=block.cells,
                           caption=block.caption, meta={"header_rows": str(header_row_count(grid))})
            elif block.kind == "figure":
                figure = self._figure(block, package, info, options, state)
                if figure is not None:
                    yield from flush()
                    yield make(ElementKind.FIGURE, block.text, block, sections.body_path(), image=figure[0],
                               caption=block.caption, meta=figure[1])
        yield from flush()

    @staticmethod
    def _figure(block: HwpBlock, package: HwpPackage, info: DocumentInfo, options: ParseOptions,
                state: dict) -> tuple[str | None, dict[str, str]] | None:
        """(crop path or None, metadata) for a picture worth a figure, None for icons and unreadable pictures
        without a caption."""
        from docparse.unstructured_pictures import picture_size, write_png

        data = package.picture(block.picture) if block.picture else None
        if data is None:
            logger.warning("%s %s: picture %s not in the package", info.source, block.position, block.picture)
            return (None, {}) if block.caption else None
        encoded = base64.b64encode(data).decode("ascii")
        size = picture_size(encoded)
        if size is not None and size[0] * size[1] < options.min_figure_area:
            return None
        if size is None and not block.caption:
            return None  # a vector picture (EMF/WMF) PIL cannot read, and nothing said about it
        image = None
        if options.assets_dir is not None and size is not None:
            state["figures"] += 1
            target = Path(options.assets_dir) / info.doc_id / f"p{block.page}-figure-{state['figures']}.png"
            image, _ = write_png(encoded, target, f"{info.source} {block.position}")
        return image, {"picture": str(block.picture)}
