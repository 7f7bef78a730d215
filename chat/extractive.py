"""The answer backend with no generator: the best evidence sentences, table rows and figures, with citations.

Candidates are scored by overlap with the question's content words. English words are lower-cased, stop-words
dropped and plural `s` stripped; Korean (and other CJK) text is compared by character bigrams because Korean
words inflect (`매출은`, `매출이`, `매출을` share the bigram `매출`); numbers count extra because a question that
names a number or year usually wants the row or sentence holding it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from chat.answer import Answer, ContextSize, Usage
from chat.citations import clean_answer
from chat.context import EvidenceItem, select_evidence
from chat.untrusted_text import escape_labels
from docparse.element import Element, ElementKind
from docparse.table_continuation import header_row_count
from retrieval.hit import Hit

NOT_FOUND = "Not found in the documents."
NOTE = "extractive answer: no language model configured"

_STOP_WORDS = frozenset("""
a an the and or but if of to in on at by for from with without into onto over under about as is are was were be
been being am do does did done has have had having it its this that these those there here what which who whom whose
when where why how much many than then so such not no nor can could would should will shall may might must i you he
she we they me him her us them my your his our their tell show give find please list describe explain according
document documents report page pages table figure also any all each some per vs via
""".split())
# Question-word bigrams that carry no content (얼마인가 "how much is", 무엇 "what", 입니까 "is it?").
_CJK_STOP = frozenset({"무엇", "얼마", "인가", "입니", "니까", "습니", "나요", "어떻", "떻게", "엇인", "었나", "는가"})
_CJK_CHAR = r"\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
_CJK_RUN = re.compile(f"[{_CJK_CHAR}]+")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(rf"[^\W\d_{_CJK_CHAR}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002])\s+|\n+")
_FILLER_CELL = re.compile(r"^[\s$€£¥₩%()\-–—]*$")  # "$", "%", "—": layout columns, not values

_NUMBER_WEIGHT = 3.0
_MAX_PIECES = 3
_RELATIVE_FLOOR = 0.5  # a further piece must score at least half the best piece's overlap
_MAX_SENTENCE_CHARS = 400


def _stem(word: str) -> str:
    # Crude plural folding so "sales" matches "sale"; enough for overlap scoring, not linguistics.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> dict[str, float]:
    """Content terms of `text` with their weights: words 1, CJK bigrams 1, numbers (commas removed) 3."""
    lowered = text.lower()
    out: dict[str, float] = {}
    for number in _NUMBER.findall(lowered):
        out[number.replace(",", "")] = _NUMBER_WEIGHT
    for word in _WORD.findall(lowered):
        if word not in _STOP_WORDS and len(word) > 1:
            out.setdefault(_stem(word), 1.0)
    for run in _CJK_RUN.findall(lowered):
        grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        for gram in grams:
            if gram not in _CJK_STOP:
                out.setdefault(gram, 1.0)
    return out


def overlap(question: dict[str, float], candidate: dict[str, float]) -> float:
    """Sum of the weights of question terms present in the candidate."""
    return sum(weight for term, weight in question.items() if term in candidate)


def focus(question: dict[str, float], candidate: dict[str, float]) -> float:
    """Share of the candidate's terms that the question names: between two rows that match "total net sales"
    equally, "Total net sales" (1.0) is the one asked for, not "Percentage of total net sales" (0.75)."""
    if not candidate:
        return 0.0
    return sum(1 for term in candidate if term in question) / len(candidate)


@dataclass(frozen=True)
class _Candidate:
    score: float
    specific: float  # overlap with the row/sentence alone, without shared table headers and caption
    focus: float  # share of the row label's (or sentence's) own terms the question asks for
    item_index: int
    order: int
    text: str
    key: str


# Amounts, not years or footnote numbers: comma-grouped, decimal, or five digits and more.
_BIG_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d{5,}")


def fact_key(text: str) -> str:
    """What makes two pieces the same fact: the same large numbers (a row repeated in several tables of a filing,
    with or without extra change-% columns), else the same words."""
    numbers = sorted(set(_BIG_NUMBER.findall(text)))
    if len(numbers) >= 2:
        return "#" + "|".join(numbers)
    return " ".join(re.findall(r"\w+", text.lower()))


def merge_same_facts(chosen: Sequence[_Candidate]) -> list[tuple[str, list[str]]]:
    """Pieces in order, each stated once with the keys of every evidence item that states it: corroborating
    sources are cited together instead of repeating the same row."""
    merged: dict[str, tuple[str, list[str]]] = {}
    for candidate in chosen:
        text, keys = merged.setdefault(fact_key(candidate.text), (candidate.text, []))
        if candidate.key not in keys:
            keys.append(candidate.key)
    return list(merged.values())


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of `text`, whitespace-normalised, long ones clipped."""
    out = []
    for part in _SENTENCE_END.split(text):
        sentence = " ".join(part.split())
        if len(sentence) > _MAX_SENTENCE_CHARS:
            sentence = sentence[:_MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " \u2026"
        if sentence:
            out.append(sentence)
    return out


def markdown_grid(text: str) -> list[list[str]]:
    """Rows of a Markdown pipe table in `text` (separator lines dropped); [] when there is none."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        rows.append(cells)
    return rows


def _header_row_count(grid: Sequence[Sequence[str]]) -> int:
    """The parser's header rule (docparse.table_continuation.header_row_count), kept to at least 1 row and
    always leaving a data row: every row rendered here is "label: column name: value"."""
    return max(1, min(header_row_count(grid), len(grid) - 1))


def _column_headers(header_rows: Sequence[Sequence[str]], width: int) -> list[tuple[str, str]]:
    """(group, leaf) header per column; group headers span to the right over empty slots (dense-grid spans)."""
    filled: list[list[str]] = []
    for depth, row in enumerate(header_rows):
        cells = list(row) + [""] * (width - len(row))
        if depth < len(header_rows) - 1:
            last = ""
            for i, cell in enumerate(cells):
                last = cell.strip() or (last if i > 0 else "")
                cells[i] = last
        filled.append([c.strip() for c in cells])
    out = []
    for col in range(width):
        parts = [filled[d][col] for d in range(len(filled)) if filled[d][col]]
        leaf = parts[-1] if parts else ""
        group = " ".join(p for p in parts[:-1] if p != leaf)
        out.append((group, leaf))
    return out


def table_rows(element: Element) -> list[tuple[str, str, str, str]]:
    """(rendered row, row's own text, scoring text, row label) per data row.

    Rendered: "Label — Group Leaf: v1; Leaf2: v2; Group2 Leaf: v3"; own text: the row's cells only; scoring text:
    the rendered row plus caption, section path and column headers; label: the row's first non-filler cell.
    """
    grid = [list(r) for r in element.cells] if element.cells else markdown_grid(element.text)
    if len(grid) < 2:
        return []
    width = max(len(r) for r in grid)
    n_header = _header_row_count(grid)
    headers = _column_headers(grid[:n_header], width)
    header_text = " ".join(f"{g} {h}" for g, h in headers)
    context = " ".join(filter(None, [element.caption or "", " ".join(element.section), header_text]))
    out = []
    for row in grid[n_header:]:
        cells = [c.strip() for c in row] + [""] * (width - len(row))
        label = next((c for c in cells if c and not _FILLER_CELL.match(c)), "")
        parts, last_group = [], None
        start = cells.index(label) + 1 if label else 0
        for col in range(start, width):
            value = cells[col]
            if not value or _FILLER_CELL.match(value):
                continue
            group, leaf = headers[col]
            name = leaf if group == last_group or not group else f"{group} {leaf}".strip()
            last_group = group
            parts.append(f"{name}: {value}" if name else value)
        if not parts:
            continue
        rendered = f"{label} \u2014 {'; '.join(parts)}" if label else "; ".join(parts)
        own = " ".join(c for c in cells if c)
        out.append((rendered, own, f"{rendered} {context}", label))
    return out


def _figure_caption(element: Element) -> str:
    text = element.caption or (element.text.strip().splitlines() or [""])[0]
    return " ".join(text.split())


def _figure_summary(element: Element, max_chars: int = 200) -> str:
    """The caption plus the words found inside the figure (labels, legends), which often are the answer to
    "what are the parts of ..." questions."""
    caption = _figure_caption(element)
    inner = " ".join(element.text.replace(element.caption or "", "", 1).split()) if element.text else ""
    if not inner:
        return caption
    if len(inner) > max_chars:
        inner = inner[:max_chars].rsplit(" ", 1)[0] + " …"
    return f"{caption} (labels in the figure: {inner})"


class ExtractiveBackend:
    """Answers with the evidence itself: up to three best sentences or table rows, each followed by its [S#] key."""

    name = "extractive"
    mode = "extractive"
    supports_images = False

    def __init__(self, max_pieces: int = _MAX_PIECES, max_items: int = 20, tokenizer: str | None = None) -> None:
        self.max_pieces = max_pieces
        self.max_items = max_items
        self.tokenizer = tokenizer
        self._counter = None

    def generator_context(self, question: str, hits: Sequence[Hit],
                          history: Sequence[tuple[str, str]] = ()) -> ContextSize:
        """The context an LLM backend with default limits would have been sent (see
        chat.messages.default_generator_context); counted by `tokenizer`, $DOCRAG_TOKENIZER, or the estimate."""
        from chat.messages import default_generator_context
        from chat.token_budget import configured_counter

        if self._counter is None:
            self._counter = configured_counter(self.tokenizer)
        return default_generator_context(question, hits, history, self._counter)

    @classmethod
    def from_spec(cls, model: str, base_url: str | None = None, api_key: str | None = None,
                  **options: object) -> "ExtractiveBackend":
        """Registry constructor (see chat.backends.make_backend); the extractive backend takes no model."""
        if model:
            raise ValueError(f"the extractive backend takes no model name (got 'extractive:{model}')")
        return cls(**options)  # type: ignore[arg-type]

    def _candidates(self, question: dict[str, float], items: Sequence[EvidenceItem]) -> list[_Candidate]:
        out: list[_Candidate] = []
        # Ties go to the higher-ranked evidence (item_index): the retriever's order is the best prior we have.
        for index, item in enumerate(items):
            e = item.element
            if e.kind is ElementKind.TABLE:
                rows = table_rows(e)
                for rendered, own, scoring, label in rows:
                    out.append(_Candidate(overlap(question, terms(scoring)), overlap(question, terms(own)),
                                          focus(question, terms(label)), index, len(out), rendered, item.key))
                if rows:
                    continue
            if e.kind is ElementKind.FIGURE or e.kind is ElementKind.PAGE:
                continue  # figures are handled separately; page images carry no sentences of their own
            for sentence in split_sentences(e.text):
                sentence_terms = terms(sentence)
                score = overlap(question, sentence_terms)
                out.append(_Candidate(score, score, focus(question, sentence_terms), index, len(out), sentence,
                                      item.key))
        return out

    def answer(self, question: str, hits: Sequence[Hit], history: Sequence[tuple[str, str]] = (),
               images: Sequence[str] = (), on_token: Callable[[str], None] | None = None) -> Answer:
        """The best evidence for `question` among `hits`, cited; "Not found in the documents." with no hits.

        history and images are accepted for interface compatibility and ignored (there is no model to use them).
        """
        items = select_evidence(hits, max_items=self.max_items, token_budget=10 ** 9)
        text = NOT_FOUND
        if items:
            q = terms(question)
            candidates = self._candidates(q, items)
            ranked = sorted(candidates, key=lambda c: (-c.score, -c.specific, -c.focus, c.item_index, c.order))
            # Beyond the best piece, keep only pieces that match on their own words: rows that match only through
            # the shared table headers would repeat the whole table.
            # Pieces far weaker than the best (matching on one common word like "total") are noise.
            floor = ranked[0].specific * _RELATIVE_FLOOR if ranked else 0.0
            chosen = [c for i, c in enumerate(ranked)
                      if c.score > 0 and (i == 0 or (c.specific > 0 and c.specific >= floor))]
            if not chosen and candidates:
                # No lexical overlap (e.g. a paraphrase found by dense search): the top hit's first passage.
                chosen = [min(candidates, key=lambda c: c.order)]
            # Quoted document text keeps its words, but a "[S2]" written by the document is not a citation.
            pieces = [f"{escape_labels(text)} {''.join(f'[{key}]' for key in keys)}"
                      for text, keys in merge_same_facts(chosen)[:self.max_pieces]]
            for item in items[:3]:
                if item.element.kind is ElementKind.FIGURE:
                    caption = _figure_caption(item.element)
                    if caption and overlap(q, terms(caption)) > 0:
                        pieces.append(f"See Figure: {escape_labels(_figure_summary(item.element))} [{item.key}]")
            if pieces:
                text = "\n".join(pieces)
        clean, citations = clean_answer(text, items)
        if on_token is not None:
            on_token(clean)
        return Answer(question=question, text=clean, citations=citations,
                      hits=tuple(item.hit for item in items), model=self.name, mode=self.mode,
                      usage=Usage(), note=NOTE, context=self.generator_context(question, hits, history))
