"""Parser registry: file extension -> parser, chosen by name from a dict; parser modules are imported lazily."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from docparse.base import DocumentInfo, DocumentParser, ParseOptions
from docparse.empty_parse import require_elements
from docparse.element import Element
from docparse.errors import UnsupportedFormatError

# name -> ("module:Class", extensions handled). Classes are imported on first use so `docrag --help` and
# listing the supported types stay instant; the extensions live here for the same reason.
PARSERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pymupdf": ("docparse.pdf_parser:PyMuPDFParser", (".pdf",)),
    "plaintext": ("docparse.text_parser:PlainTextParser", (".txt", ".md", ".markdown")),
    "image": ("docparse.image_parser:ImageParser", (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")),
    "hwp": ("docparse.hwp_parser:HwpParser", (".hwp", ".hwpx")),
    "unstructured": ("docparse.unstructured_parser:UnstructuredParser",
                     (".docx", ".pptx", ".xlsx", ".html", ".htm", ".eml")),
}

_instances: dict[str, DocumentParser] = {}


def get_parser(name: str) -> DocumentParser:
    """The parser registered under `name`; the error lists the valid names."""
    if name not in PARSERS:
        raise KeyError(f"unknown parser {name!r}; choose one of {sorted(PARSERS)}")
    if name not in _instances:
        module_name, class_name = PARSERS[name][0].split(":")
        _instances[name] = getattr(importlib.import_module(module_name), class_name)()
    return _instances[name]


def _extension_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for name, (_, extensions) in PARSERS.items():
        for ext in extensions:
            mapping.setdefault(ext, name)
    return mapping


def supported_extensions() -> tuple[str, ...]:
    """Lower-case extensions (with the dot) that some parser handles."""
    return tuple(sorted(_extension_map()))


def parser_name_for(path: Path) -> str:
    """The registered name of the parser for a file, by extension; `UnsupportedFormatError` names the file and
    the supported types."""
    ext = path.suffix.lower()
    mapping = _extension_map()
    if ext not in mapping:
        raise UnsupportedFormatError(
            f"{path.name}: unsupported file type {ext or '(none)'!r}; supported: {', '.join(sorted(mapping))}")
    return mapping[ext]


def parser_for(path: Path) -> DocumentParser:
    """The parser for a file, by extension; `UnsupportedFormatError` names the file and the supported types."""
    return get_parser(parser_name_for(path))


@dataclass(frozen=True)
class ParsedDocument:
    """A fully materialised parse (for `docrag parse` and tests; ingestion streams instead)."""

    info: DocumentInfo
    elements: tuple[Element, ...]

    def to_contract(self) -> dict:
        """The JSON object of `docrag parse --json`."""
        return {"source": self.info.source, "doc_id": self.info.doc_id, "pages": self.info.pages,
                "elements": [e.to_contract() for e in self.elements]}


def open_document(path: str | Path, options: ParseOptions | None = None) -> tuple[DocumentInfo, Iterator[Element]]:
    """Validate a file and return its info plus a lazy stream of its elements; a stream that ends empty raises
    `NoContentError` (docparse.empty_parse)."""
    options = options or ParseOptions()
    path = Path(path)
    parser = parser_for(path)
    info = parser.open(path, options)
    return info, require_elements(info, options, parser.elements(info, options))


def parse_document(path: str | Path, options: ParseOptions | None = None) -> ParsedDocument:
    """Parse a whole file into memory (an empty result is returned as it is: the caller sees it)."""
    options = options or ParseOptions()
    parser = parser_for(Path(path))
    info = parser.open(Path(path), options)
    return ParsedDocument(info=info, elements=tuple(parser.elements(info, options)))
