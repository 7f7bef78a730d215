"""unstructured's elements -> docrag Elements: titles and section paths, token-aware text chunks, table grids,
figures with PNG crops, captions.

Mapping (by unstructured's `category`):
- Title -> TITLE and the running section path, nested by `category_depth`, but only where the title is structural
  (a heading style in DOCX, <h1>-<h6> in HTML, a slide's title placeholder in PPTX). Titles unstructured guessed
  from short text (PPTX body text, XLSX sub-table headers, plain-text e-mail bodies) become body text: TITLEs are
  not indexed as hits, so a guessed title would hide real content from search.
- NarrativeText, Text, ListItem and the other text categories -> TEXT chunks (docparse.chunking, counted with
  options.tokenizer); chunks never cross a title, table, figure or page.
- Table -> TABLE with a dense grid from `text_as_html` (spans resolved), Markdown text, and a caption taken from
  <caption> or from an adjacent "Table 3 ..." paragraph.
- Image with embedded bytes -> FIGURE with a PNG crop under options.assets_dir; alt text and caption as its text.
  Pictures repeated on many pages (logos) and tiny ones (icons) are dropped.
- PageBreak, Header, Footer, PageNumber -> dropped (running heads repeat on every page and are not content).
Page: `page_number` where unstructured has it (slide number for PPTX, sheet index for XLSX), else 1. bbox: None,
since these formats have no page geometry.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from docparse.base import DocumentInfo, ParseOptions
from docparse.captions import caption_kind
from docparse.chunking import TextBlock, chunk_blocks, token_counter
from docparse.element import Element, ElementKind, Provenance, element_id
from docparse.table_grid import grid_to_markdown
from docparse.unstructured_pictures import picture_size, write_png
from docparse.unstructured_tables import HtmlTable, SourceTables, table_from_html

logger = logging.getLogger(__name__)

_DROPPED = {"PageBreak", "Header", "Footer", "PageNumber"}
MAX_CAPTION_CHARS = 300
# Office writes the picture's file name as its alt text when the author gave none ("image.png", "Picture 3")
_PLACEHOLDER_ALT = re.compile(r"^(?:[\w\-. ]+\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|webp)|Picture \d+|image\d*)$",
                              re.IGNORECASE)
DECORATIVE_REPEATS = 3  # the same picture on this many pages or more is a logo or background, not content


@dataclass(frozen=True)
class FormatRules:
    """What differs between formats in the mapping.

    structural_title: whether a Title from unstructured is a real heading (given the element), else body text.
    section_per_page: the section path restarts on every page (slides, sheets), seeded by `page_sections`.
    page_sections: page number -> section path at the start of that page (sheet names for XLSX).
    """

    structural_title: Callable[[Any], bool]
    section_per_page: bool = False
    page_sections: dict[int, tuple[str, ...]] = field(default_factory=dict)


def _always(_: Any) -> bool:
    return True


def _never(_: Any) -> bool:
    return False


def _slide_title(element: Any) -> bool:
    # unstructured gives the title placeholder depth 0 and guessed titles in body text depth level + 1
    return (element.metadata.category_depth or 0) == 0


RULES: dict[str, Callable[[], FormatRules]] = {
    "docx": lambda: FormatRules(structural_title=_always),
    "html": lambda: FormatRules(structural_title=_always),
    "pptx": lambda: FormatRules(structural_title=_slide_title, section_per_page=True),
    "xlsx": lambda: FormatRules(structural_title=_never, section_per_page=True),
    "eml": lambda: FormatRules(structural_title=_never),
}


def _page(element: Any) -> int:
    page = getattr(element.metadata, "page_number", None)
    return page if isinstance(page, int) and page >= 1 else 1


def _text(element: Any) -> str:
    return (element.text or "").strip()


def _picture_key(element: Any) -> str | None:
    data = getattr(element.metadata, "image_base64", None)
    return hashlib.sha1(data.encode("ascii", "ignore")).hexdigest() if data else None


def _decorative_pictures(elements: Sequence[Any]) -> set[str]:
    pages: dict[str, set[int]] = {}
    for element in elements:
        if element.category == "Image":
            key = _picture_key(element)
            if key:
                pages.setdefault(key, set()).add(_page(element))
    return {key for key, seen in pages.items() if len(seen) >= DECORATIVE_REPEATS}


def _is_caption_for(element: Any, kind: str) -> bool:
    """True if `element` is a short text naming a `kind` ("table"/"figure"): a "Table 2"-style label, or a
    paragraph in Word's Caption style."""
    if element.category in _DROPPED or element.category in ("Table", "Image", "Title"):
        return False
    text = _text(element)
    if not text or len(text) > MAX_CAPTION_CHARS:
        return False
    if getattr(element.metadata, "style_name", None) == "Caption":
        return True
    return caption_kind(text) in (kind, "any")


class ElementMapper:
    """Turns one document's unstructured elements into Elements (one instance per document)."""

    def __init__(self, info: DocumentInfo, options: ParseOptions, rules: FormatRules,
                 source_tables: SourceTables | None = None) -> None:
        self.info, self.options, self.rules = info, options, rules
        self.source_tables = source_tables
        self.count = token_counter(options.tokenizer)
        self.sections: list[tuple[int, str]] = []  # (depth, title), outermost first
        self.pending: list[TextBlock] = []
        self.page = 1
        self.ordinal = 0
        self.figures = 0

    # -- element construction -----------------------------------------------------------------------------
    def _section(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.sections)

    def _make(self, kind: ElementKind, text: str, section: tuple[str, ...] | None = None, **extra) -> Element:
        self.ordinal += 1
        return Element(id=element_id(self.info.doc_id, kind.value, self.page, self.ordinal, text), kind=kind,
                       text=text, provenance=Provenance(self.info.doc_id, self.info.source, self.page, None),
                       section=self._section() if section is None else section, **extra)

    def _flush(self) -> Iterator[Element]:
        chunks = chunk_blocks(self.pending, self.options.chunk_tokens, self.options.chunk_overlap, self.count)
        self.pending.clear()
        for chunk in chunks:
            yield self._make(ElementKind.TEXT, chunk.text)

    def _enter_page(self, page: int) -> Iterator[Element]:
        if page == self.page:
            return
        yield from self._flush()
        self.page = page
        if self.rules.section_per_page:
            seed = self.rules.page_sections.get(page, ())
            self.sections = [(-1, title) for title in seed]

    def _push_title(self, depth: int, title: str) -> Element:
        while self.sections and self.sections[-1][0] >= depth:
            self.sections.pop()
        outer = self._section()
        self.sections.append((depth, title))
        return self._make(ElementKind.TITLE, title, section=outer)

    # -- the walk -----------------------------------------------------------------------------------------
    def map(self, elements: Sequence[Any]) -> Iterator[Element]:
        """Elements in document order (tables and figures in place, text chunked between them)."""
        elements = [e for e in elements if e.category not in _DROPPED]
        decorative = _decorative_pictures(elements)
        if self.rules.section_per_page:
            self.sections = [(-1, t) for t in self.rules.page_sections.get(1, ())]
        used: set[int] = set()
        for i, element in enumerate(elements):
            if i in used:
                continue
            yield from self._enter_page(_page(element))
            category, text = element.category, _text(element)
            if category == "Title" and text and self.rules.structural_title(element):
                yield from self._flush()
                yield self._push_title(element.metadata.category_depth or 0, text)
            elif category == "Table":
                caption = self._adjacent_caption(elements, i, "table", used)
                yield from self._flush()
                table = self._table(element, caption)
                if table is not None:
                    yield table
            elif category == "Image":
                if _picture_key(element) in decorative:
                    continue
                caption = self._adjacent_caption(elements, i, "figure", used)
                yield from self._flush()
                figure = self._figure(element, caption)
                if figure is not None:
                    yield figure
            elif text:
                self.pending.append(TextBlock(text))
        yield from self._flush()

    def _adjacent_caption(self, elements: Sequence[Any], i: int, kind: str, used: set[int]) -> str | None:
        """A caption right before the table/figure (still pending as text) or right after it (then skipped)."""
        if i > 0 and self.pending and _is_caption_for(elements[i - 1], kind) \
                and self.pending[-1].text == _text(elements[i - 1]) and _page(elements[i - 1]) == self.page:
            return self.pending.pop().text
        target = "Table" if kind == "table" else "Image"
        if i + 1 < len(elements) and _is_caption_for(elements[i + 1], kind) and _page(elements[i + 1]) == self.page \
                and not (i + 2 < len(elements) and elements[i + 2].category == target):  # else it heads the next one
            used.add(i + 1)
            return _text(elements[i + 1])
        return None

    def _table(self, element: Any, caption: str | None) -> Element | None:
        parsed: HtmlTable | None = None
        if self.source_tables is not None:
            parsed = self.source_tables.take(_text(element))
        if parsed is None:
            parsed = table_from_html(getattr(element.metadata, "text_as_html", None) or "")
        grid = parsed.grid if parsed is not None else ([[_text(element)]] if _text(element) else [])
        if not any(any(cell for cell in row) for row in grid):
            return None
        caption = caption or (parsed.caption if parsed is not None else None)
        body = grid_to_markdown(grid)
        text = f"{caption}\n\n{body}" if caption else body
        return self._make(ElementKind.TABLE, text, cells=tuple(tuple(row) for row in grid), caption=caption)

    def _figure(self, element: Any, caption: str | None) -> Element | None:
        data = getattr(element.metadata, "image_base64", None)
        alt_text = _text(element)
        if _PLACEHOLDER_ALT.match(alt_text):
            alt_text = ""
        text = "\n".join(t for t in (caption, alt_text) if t)
        if not data:
            # no bytes in the file (an HTML <img src=...> or a linked picture): only its alt text is content
            if text:
                self.pending.append(TextBlock(text))
            return None
        self.figures += 1
        image, size = None, None
        if self.options.assets_dir is not None:
            target = Path(self.options.assets_dir) / self.info.doc_id / f"p{self.page}-figure-{self.figures}.png"
            image, size = write_png(data, target, f"{self.info.source} page {self.page}")
        else:
            size = picture_size(data)
        if size is None and not text:
            return None  # not a raster picture we can read (EMF/WMF, corrupt) and nothing to say about it
        if size is not None and size[0] * size[1] < self.options.min_figure_area:
            if image:
                Path(image).unlink(missing_ok=True)
            logger.debug("%s page %d: %dx%d picture dropped as an icon", self.info.source, self.page, *size)
            return None
        metadata = (("mime", str(getattr(element.metadata, "image_mime_type", "") or "")),)
        return self._make(ElementKind.FIGURE, text, image=image, caption=caption, metadata=metadata)
