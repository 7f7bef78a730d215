"""Plain text and Markdown: one "page"; Markdown headings give TITLE elements and the section path, pipe tables
give TABLE elements, and the body between headings is chunked."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from docparse.base import DocumentInfo, ParseOptions, file_doc_id, stored_path
from docparse.chunking import TextBlock, chunk_blocks, token_counter
from docparse.element import Element, ElementKind, Provenance, element_id
from docparse.errors import CorruptDocumentError
from docparse.table_grid import grid_to_markdown, parse_markdown_table

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$|^[^|]+\|[^|]*")


class PlainTextParser:
    """Parser for .txt / .md / .markdown files (UTF-8, with or without BOM)."""

    name = "plaintext"
    extensions = (".txt", ".md", ".markdown")

    def open(self, path: Path, options: ParseOptions) -> DocumentInfo:
        """Check the file is non-empty UTF-8 text; it counts as one page."""
        path = Path(path)
        self._read(path)
        return DocumentInfo(doc_id=file_doc_id(path), source=path.name, path=stored_path(path), pages=1,
                            format="markdown" if path.suffix.lower() in (".md", ".markdown") else "text")

    @staticmethod
    def _read(path: Path) -> str:
        data = path.read_bytes()
        if not data.strip():
            raise CorruptDocumentError(f"{path.name}: empty file")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise CorruptDocumentError(
                f"{path.name}: not UTF-8 text (undecodable byte at offset {err.start})") from None

    def elements(self, info: DocumentInfo, options: ParseOptions) -> Iterator[Element]:
        """Headings, chunked body text and tables, in document order."""
        text = self._read(Path(info.path))
        markdown = info.format == "markdown"
        count = token_counter(options.tokenizer)
        provenance = Provenance(doc_id=info.doc_id, source=info.source, page=1, bbox=None)
        state = {"ordinal": 0}
        levels: list[tuple[int, str]] = []
        paragraphs: list[TextBlock] = []

        def make(kind: ElementKind, body: str, **extra) -> Element:
            state["ordinal"] += 1
            return Element(id=element_id(info.doc_id, kind.value, 1, state["ordinal"], body), kind=kind,
                           text=body, provenance=provenance, section=tuple(t for _, t in levels), **extra)

        def flush() -> Iterator[Element]:
            for chunk in chunk_blocks(paragraphs, options.chunk_tokens, options.chunk_overlap, count):
                yield make(ElementKind.TEXT, chunk.text)
            paragraphs.clear()

        lines = text.splitlines()
        i, buffer = 0, []
        while i < len(lines):
            line = lines[i]
            heading = _HEADING.match(line) if markdown else None
            table_lines: list[str] = []
            if markdown and _TABLE_LINE.match(line) and i + 1 < len(lines):
                j = i
                while j < len(lines) and "|" in lines[j] and lines[j].strip():
                    j += 1
                table_lines = lines[i:j]
            grid = parse_markdown_table(table_lines) if table_lines else None
            if heading or grid is not None or not line.strip():
                if buffer:
                    paragraphs.append(TextBlock(" ".join(s.strip() for s in buffer)))
                    buffer = []
            if heading:
                yield from flush()
                level, title = len(heading.group(1)), heading.group(2).strip()
                while levels and levels[-1][0] >= level:
                    levels.pop()
                yield make(ElementKind.TITLE, title)
                levels.append((level, title))
            elif grid is not None:
                yield from flush()
                yield make(ElementKind.TABLE, grid_to_markdown(grid), cells=tuple(tuple(r) for r in grid))
                i += len(table_lines)
                continue
            elif line.strip():
                buffer.append(line)
            i += 1
        if buffer:
            paragraphs.append(TextBlock(" ".join(s.strip() for s in buffer)))
        yield from flush()
