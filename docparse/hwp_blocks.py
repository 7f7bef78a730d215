"""HWP/HWPX document model -> blocks in reading order: paragraphs, headings, tables (cell grids with spans) and
pictures, each with the position a citation can name.

Positions. HWP and HWPX files carry no page numbers: pages exist only once a word processor lays the text out.
Hancom Office saves its line layout with the text, though (a paragraph's `linesegarray` in HWPX, PARA_LINE_SEG in
HWP 5.x), giving every line its vertical position on its page. Where every top-level paragraph carries that cache
(files saved by Hancom Office), a page starts wherever the vertical position runs backwards, and each section starts
a new page; that page is what Hancom showed when the file was saved. Known limit: the saved positions are relative
to the column, so in a multi-column section each column counts as a page. Where more than a tenth of the paragraphs
lack the cache (files written by libraries), there is no page: the block's `page` is then its SECTION number (1-based) and
`page_source` says "section". Every block also carries `section` and `paragraph` (1-based index of the top-level
paragraph within its section), so a citation can always name "section S, paragraph P".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from docparse.headings import is_heading_text

LAYOUT_SHARE = 0.9  # pages are counted when at least this share of top-level paragraphs has a saved layout
HEADING_SIZE_RATIO = 1.2  # a short paragraph set this much larger than the body text is a heading
MAX_HEADING_CHARS = 80
_SENTENCE_END = re.compile(r"(?:[.!?。]|다)$")  # a paragraph ending like a sentence is no heading
_OUTLINE_STYLE = re.compile(r"^(?:개요|Outline)\s*(\d+)$")
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class HwpBlock:
    """One unit of an HWP/HWPX document in reading order.

    kind: "text", "heading", "table" or "figure". level: heading depth (1 = outermost) or font size rank for
    headings found by size (`size` in points). cells: tables only, a dense grid (a merged cell's text in its
    first slot, the other slots it covers empty). picture: figures only, the package path of the image.
    page / page_source: see the module docstring. section, paragraph: 1-based position.
    """

    kind: str
    text: str
    section: int
    paragraph: int
    page: int
    page_source: str
    level: int = 0
    size: float = 0.0
    cells: tuple[tuple[str, ...], ...] | None = None
    caption: str | None = None
    picture: str | None = None

    @property
    def position(self) -> str:
        """"section S, paragraph P" — the citation position that holds whatever the page source."""
        return f"section {self.section}, paragraph {self.paragraph}"


def clean(text: str) -> str:
    """Runs of spaces and tabs as one space, line ends kept, ends stripped."""
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines()).strip()


def _run_text(content: dict[str, Any]) -> str:
    if "Text" in content:
        return str(content["Text"] or "")
    if "InlineText" in content:
        parts = []
        for segment in content["InlineText"].get("segments") or ():
            parts.append(segment["Plain"] if isinstance(segment, dict) and "Plain" in segment else " ")
        return "".join(parts)
    link = (content.get("Control") or {}).get("Hyperlink") if isinstance(content.get("Control"), dict) else None
    if isinstance(link, dict):  # a hyperlink's visible text lives in the control, not in a text run
        return str(link.get("text") or "")
    return ""


def _nested_paragraphs(value: Any) -> Iterator[dict]:
    """Paragraph lists inside controls (text boxes, notes): any 'paragraphs' list below `value`, outermost first."""
    if isinstance(value, dict):
        if isinstance(value.get("paragraphs"), list):
            yield from value["paragraphs"]
            return
        for item in value.values():
            yield from _nested_paragraphs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nested_paragraphs(item)


def paragraph_text(paragraph: dict) -> str:
    """The text of a paragraph's own runs (tables, pictures and text boxes inside it excluded)."""
    return "".join(_run_text(run.get("content") or {}) for run in paragraph.get("runs") or ())


def flat_text(paragraphs: Sequence[dict]) -> str:
    """All text of paragraphs, tables and boxes inside them included, one line per paragraph (table cells by row,
    separated by " | ")."""
    lines = []
    for paragraph in paragraphs:
        own = paragraph_text(paragraph)
        if own.strip():
            lines.append(own)
        for run in paragraph.get("runs") or ():
            content = run.get("content") or {}
            if "Table" in content:
                caption = _caption(content["Table"])
                if caption:
                    lines.append(caption)
                for row in table_grid(content["Table"]):
                    line = " | ".join(c.replace("\n", " ") for c in row if c)
                    if line:
                        lines.append(line)
            elif "Control" in content:
                inner = flat_text(list(_nested_paragraphs(content["Control"])))
                if inner:
                    lines.append(inner)
    return clean("\n".join(lines))


def table_grid(table: dict) -> list[list[str]]:
    """A dense grid from a table's cells, placed by their address and spans (the text of a merged cell in its
    top-left slot, the other slots it covers empty strings)."""
    placed: list[tuple[int, int, int, int, str]] = []
    for r, row in enumerate(table.get("rows") or ()):
        for c, cell in enumerate(row.get("cells") or ()):
            addr = cell.get("addr") or {}
            placed.append((int(addr.get("row", r)), int(addr.get("col", c)), max(1, int(cell.get("row_span") or 1)),
                           max(1, int(cell.get("col_span") or 1)),
                           flat_text(cell.get("paragraphs") or ()).replace("\n", " ")))
    if not placed:
        return []
    rows = max(r + rs for r, _, rs, _, _ in placed)
    cols = max(c + cs for _, c, _, cs, _ in placed)
    grid = [["" for _ in range(cols)] for _ in range(rows)]
    for r, c, _, _, text in placed:
        grid[r][c] = text
    return grid


def _caption(obj: dict) -> str | None:
    caption = obj.get("caption")
    if not isinstance(caption, dict):
        return None
    return flat_text(caption.get("paragraphs") or ()).replace("\n", " ") or None


class _Styles:
    """What the document's styles say about a paragraph: an outline level, the size of its text, its bold."""

    def __init__(self, styles: dict[str, Any]) -> None:
        self.char_heights = [float(c.get("height") or 1000) / 100.0 for c in styles.get("char_shapes") or ()]
        self.char_bold = [bool(c.get("bold")) for c in styles.get("char_shapes") or ()]
        self.para_shapes = styles.get("para_shapes") or []
        self.style_levels: dict[int, int] = {}
        for index, style in enumerate(styles.get("styles") or ()):
            match = _OUTLINE_STYLE.match(str(style.get("name") or "").strip()) or \
                _OUTLINE_STYLE.match(str(style.get("eng_name") or "").strip())
            if match:
                self.style_levels[int(style.get("id", index))] = int(match.group(1))

    def outline_level(self, paragraph: dict) -> int:
        """1-based outline (개요) level of a paragraph, 0 for body text."""
        shape_id = paragraph.get("para_shape_id")
        if isinstance(shape_id, int) and 0 <= shape_id < len(self.para_shapes):
            shape = self.para_shapes[shape_id]
            if str(shape.get("heading_type", "")).lower() == "outline":
                return int(shape.get("heading_level") or 0) + 1
        style_id = paragraph.get("style_id")
        return self.style_levels.get(style_id, 0) if isinstance(style_id, int) else 0

    def size(self, paragraph: dict) -> float:
        """The font size (points) carrying most of the paragraph's characters."""
        weights: dict[float, int] = {}
        for run in paragraph.get("runs") or ():
            chars = len(_run_text(run.get("content") or {}).strip())
            shape = run.get("char_shape_id")
            if chars and isinstance(shape, int) and 0 <= shape < len(self.char_heights):
                size = self.char_heights[shape]
                weights[size] = weights.get(size, 0) + chars
        return max(weights, key=weights.__getitem__) if weights else 0.0

    def bold_chars(self, paragraph: dict) -> tuple[int, int]:
        """(characters set in bold, all non-blank characters) of the paragraph's own runs."""
        bold = total = 0
        for run in paragraph.get("runs") or ():
            chars = len(_run_text(run.get("content") or {}).strip())
            shape = run.get("char_shape_id")
            total += chars
            if chars and isinstance(shape, int) and 0 <= shape < len(self.char_bold) and self.char_bold[shape]:
                bold += chars
        return bold, total


@dataclass(frozen=True)
class _HeadingRule:
    """Which paragraphs open a section: outline (개요) paragraphs where the document has any; else short
    paragraphs set HEADING_SIZE_RATIO larger than the body text, or set wholly in bold at body size or larger
    where the body is not bold and the text does not end like a sentence (numbered heads such as "1. 개정이유")."""

    outline: bool
    body_size: float
    body_bold: bool

    def __call__(self, text: str, level: int, size: float, bold: bool) -> bool:
        if not is_heading_text(text) or len(text) > MAX_HEADING_CHARS:
            return False
        if self.outline:
            return level > 0
        if self.body_size <= 0:
            return False
        if size >= self.body_size * HEADING_SIZE_RATIO:
            return True
        return bold and not self.body_bold and size >= self.body_size - 0.5 and not _SENTENCE_END.search(text)


def _heading_rule(sections: Sequence[dict], style: _Styles) -> _HeadingRule:
    weights: dict[float, int] = {}
    bold = total = 0
    outline = False
    for section in sections:
        for paragraph in section.get("paragraphs") or ():
            outline = outline or bool(style.outline_level(paragraph))
            size = style.size(paragraph)
            if size:
                weights[size] = weights.get(size, 0) + len(paragraph_text(paragraph))
            b, t = style.bold_chars(paragraph)
            bold, total = bold + b, total + t
    body = max(weights, key=weights.__getitem__) if weights else 0.0
    return _HeadingRule(outline=outline, body_size=body, body_bold=total > 0 and bold > total / 2)


def _lines(paragraph: dict) -> list[dict]:
    cache = paragraph.get("layout_cache")
    return list(cache.get("lines") or ()) if isinstance(cache, dict) else []


def has_layout(sections: Sequence[dict]) -> bool:
    """True when (nearly) every top-level paragraph carries Hancom's saved line layout, so pages can be counted;
    a paragraph whose cache a conversion dropped stays on the page of the one before it."""
    paragraphs = [p for s in sections for p in s.get("paragraphs") or ()]
    return bool(paragraphs) and sum(1 for p in paragraphs if _lines(p)) >= LAYOUT_SHARE * len(paragraphs)


def iter_blocks(document: dict[str, Any], styles: dict[str, Any]) -> Iterator[HwpBlock]:
    """The blocks of a document (hwpforge's JSON model) in reading order."""
    sections = document.get("sections") or []
    style = _Styles(styles)
    layout = has_layout(sections)
    page_source = "layout" if layout else "section"
    rule = _heading_rule(sections, style)
    page = 0
    for s_index, section in enumerate(sections, start=1):
        page = page + 1 if layout else s_index
        last_pos: float | None = None
        for p_index, paragraph in enumerate(section.get("paragraphs") or (), start=1):
            first_page = None
            if layout:
                for line in _lines(paragraph):
                    pos = float(line.get("vertpos") or 0)
                    if last_pos is not None and pos < last_pos:
                        page += 1
                    last_pos = pos
                    first_page = first_page or page
            where = dict(section=s_index, paragraph=p_index, page=first_page or page, page_source=page_source)
            yield from _paragraph_blocks(paragraph, style, rule, where)


def _paragraph_blocks(paragraph: dict, style: _Styles, rule: _HeadingRule,
                      where: dict[str, Any]) -> Iterator[HwpBlock]:
    text = clean(paragraph_text(paragraph))
    if text:
        level = style.outline_level(paragraph)
        size = style.size(paragraph)
        bold, total = style.bold_chars(paragraph)
        heading = rule(text, level, size, bold == total > 0)
        yield HwpBlock("heading" if heading else "text", text, level=level, size=size, **where)
    for run in paragraph.get("runs") or ():
        content = run.get("content") or {}
        if "Table" in content:
            yield from _table_blocks(content["Table"], where)
        elif "Image" in content:
            image = content["Image"]
            yield HwpBlock("figure", _caption(image) or "", caption=_caption(image), picture=image.get("path"),
                           **where)
        elif "Control" in content:
            inner = flat_text(list(_nested_paragraphs(content["Control"])))
            if inner:
                yield HwpBlock("text", inner, **where)


def _table_blocks(table: dict, where: dict[str, Any]) -> Iterator[HwpBlock]:
    grid = table_grid(table)
    caption = _caption(table)
    if any(any(cell for cell in row) for row in grid):
        yield HwpBlock("table", "", cells=tuple(tuple(row) for row in grid), caption=caption, **where)
    elif caption:
        yield HwpBlock("text", caption, **where)
    for row in table.get("rows") or ():  # pictures inside cells are figures of their own
        for cell in row.get("cells") or ():
            for inner in cell.get("paragraphs") or ():
                for run in inner.get("runs") or ():
                    content = run.get("content") or {}
                    if "Image" in content:
                        image = content["Image"]
                        yield HwpBlock("figure", _caption(image) or "", caption=_caption(image),
                                       picture=image.get("path"), **where)


MAX_CAPTION_CHARS = 200


def attach_captions(blocks: Sequence[HwpBlock]) -> list[HwpBlock]:
    """Tables and figures without a caption of their own take the caption paragraph right before or after them
    ("[표 1] ...", "<그림 2> ...", "Table 3 ..."), as Korean documents often set captions as plain paragraphs;
    the paragraph is then no longer body text."""
    from dataclasses import replace

    from docparse.captions import caption_kind

    def fits(block: HwpBlock | None, kind: str) -> bool:
        if block is None or block.kind != "text" or len(block.text) > MAX_CAPTION_CHARS:
            return False
        found = caption_kind(block.text)
        return found is not None and found in ("any", "table" if kind == "table" else "figure")

    out = list(blocks)
    used: set[int] = set()
    for i, block in enumerate(out):
        if block.kind not in ("table", "figure") or block.caption:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(out) and j not in used and fits(out[j], block.kind) \
                    and out[j].section == block.section:
                caption = out[j].text.replace("\n", " ")
                text = caption if block.kind == "figure" and not block.text else block.text
                out[i] = replace(block, caption=caption, text=text)
                used.add(j)
                break
    return [b for k, b in enumerate(out) if k not in used]
