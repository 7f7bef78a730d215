"""The answer backend with no generator: the fact first, read from the evidence itself, with citations.

Each evidence item offers its best candidate answer: a table offers the cell(s) at the row and column the question
names (chat.table_answer), text its best one or two whole sentences (chat.sentence_answer), a figure its caption
and the labels inside it. Candidates are ranked by the share of the question's term weight they hold with their
context (chat.answer_terms.coverage); the best one is stated first, followed by at most two lines of support
(the table row it came from, an equally good candidate from another item, a matching figure). When the best
candidate holds too little of the question, the answer is "Not found in the documents" with what was searched and
the nearest evidence (chat.abstention).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from chat.abstention import (NOT_FOUND, clip_nearest, missing_dates, missing_identifiers, missing_names,
                             missing_numbers, missing_phrases, not_found_text, searched_line, supported)
from chat.answer import Answer, ContextSize, Span, Usage
from chat.answer_arithmetic import ArithmeticAsk, Computed, computed_first, read_ask
from chat.answer_terms import coverage, exact_words, focus, overlap, terms
from chat.arithmetic_ask import AskedScale, asked_scale
from chat.arithmetic_operands import sentence_computation, table_computation
from chat.citations import clean_answer
from chat.context import EvidenceItem, select_evidence
from chat.financial_ratios import compute_ratio, read_ratio
from chat.question_instructions import asked_part, names_a_year, question_terms
from chat.sentence_answer import sentence_candidates, split_sentences
from chat.table_answer import MAX_TIED_VALUES, best_row, cell_line, match_cells, read_table, support_line, tied
from chat.untrusted_text import escape_labels
from docparse.element import Element, ElementKind
from retrieval.hit import Hit

__all__ = ["NOT_FOUND", "NOTE", "ExtractiveBackend", "terms", "split_sentences"]

NOTE = "extractive answer: no language model configured"
_MAX_LINES = 3
_MIN_NEAREST_WORDS = 4
_RUNNER_UP = 0.8  # share of the best piece's support (and own-word weight) another item's piece must reach
# A question asking for a quantity or a date wants a piece stating a number it does not name itself ("when" only
# opening the question: "what happens when you press ..." asks for no date).
_QUANTITY_QUESTION = re.compile(r"\bhow\s+(?:many|much|long|old|far|often|big|large)\b|\bwhat\s+(?:is\s+|was\s+|are\s+|"
                                r"were\s+)?(?:the\s+)?(?:percentage|percent|share|proportion|number|amount|total|"
                                r"year|ratio|rate|value|price|cost)\b|^\s*when\b|\bwhich\s+year\b|얼마|몇", re.I)
# A question whose answer is worked out from several values: the values are shown side by side, labelled.
_COMPARISON_QUESTION = re.compile(r"\b(?:which|what)\s+(?:year|quarter|month|period|one)\b|\b(?:higher|lower|more|"
                                  r"less|larger|smaller|greater|fewer|highest|lowest|compared?|difference|"
                                  r"increased?|decreased?|between)\b|"
                                  r"비교|차이|증가|감소|평균|합계", re.I)
# Lines that state nothing: a contents entry with dot leaders, a row of axis labels or years ("2012 #2013 2014"), a
# label without its value ("Produced by:"), a lone capitalised heading ("GOVERNOR").
_FRAGMENT = re.compile(r"^(?:.*\.{5,}.*|[\d\s#,.%()\-]+|[^\n]*:|[A-Z][A-Z]+)\s*$")
_NUMBER_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                          r"fifty|hundred|thousand|million|billion|dozen|half|twice|once)\b", re.I)
# An amount, not a date or a count in passing: money, a percentage, a comma-grouped or decimal number, a scaled one
# (a question naming a year wants one, not an auditor's "as of January 28, 2023 and January 29, 2022").
_AMOUNT = re.compile(r"[$€£¥₩]\s?\(?\d|\d\s?%|\d{1,3}(?:,\d{3})+|\d\.\d|\d\)?\s+(?:thousand|million|billion|"
                     r"trillion)s?\b", re.I)
# A row label that is only a year (see _is_header_row).
_YEAR_LABEL = re.compile(r"^\s*(?:fy\s*)?(?:19|20)\d{2}\s*:?\s*$", re.I)
_NUMBER_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?")
# Amounts, not years or footnote numbers: comma-grouped, decimal, or five digits and more.
_BIG_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d{5,}")


@dataclass(frozen=True)
class Piece:
    """One candidate answer from one evidence item.

    support: share of the question's term weight it holds with its context (caption, headers, section);
    specific: weight held by its own words (row label and column, or the sentence); focus: share of its row
    label's (or sentence's) terms the question asks for; states_number: it states a number the question does
    not name; line: the fact as shown; extra: a support line ("" for none); span: the part of the element used;
    computed: the value the question asks to be computed from this piece's operands (chat.answer_arithmetic);
    cited: other items the line also cites, each with the part of it used (a ratio's operands from two
    statements).
    """

    support: float
    specific: float
    focus: float
    states_number: bool
    item_index: int
    order: int
    line: str
    extra: str
    key: str
    span: Span | None
    computed: Computed | None = None
    cited: tuple[tuple[str, Span], ...] = ()


def fact_key(text: str) -> str:
    """What makes two pieces the same fact: the same large numbers (a row repeated in several tables of a filing),
    else the same words."""
    numbers = sorted(set(_BIG_NUMBER.findall(text)))
    if len(numbers) >= 2 or (len(numbers) == 1 and len(text) < 120):
        return "#" + "|".join(numbers)
    return " ".join(re.findall(r"\w+", text.lower()))


def _states_new_number(question: dict[str, float], text: str) -> bool:
    """Whether `text` states a number (in digits, or a count in words: "five modules") the question does not."""
    return any(n.replace(",", "") not in question for n in _NUMBER_TOKEN.findall(text)) or \
        bool(_NUMBER_WORD.search(text))


def _readable_text(element: Element) -> str:
    """Everything of an element an extractive answer can quote: its text, cells, caption and section headings."""
    cells = " ".join(c for row in element.cells or () for c in row)
    return f"{element.text} {cells} {element.caption or ''} {' '.join(element.section)}"


def _is_cell(piece: Piece) -> bool:
    return piece.span is not None and piece.span.kind in ("cell", "row")


def _is_header_row(row) -> bool:
    """A table's header row read as data ("2015: 2014; 2013"): labelled by a year, it shows another year as a value
    (a table with periods in its rows shows amounts there)."""
    return bool(_YEAR_LABEL.match(row.label)) and any(_YEAR_LABEL.match(value) for _, value in row.values)


def _figure_summary(element: Element, max_chars: int = 200) -> str:
    """The caption plus the words found inside the figure (labels, legends), which often are the answer to
    "what are the parts of ..." questions."""
    caption = " ".join((element.caption or (element.text.strip().splitlines() or [""])[0]).split())
    inner = " ".join(element.text.replace(element.caption or "", "", 1).split()) if element.text else ""
    if element.caption is None and inner.startswith(caption):
        inner = inner[len(caption):].strip()
    if not inner:
        return caption
    if len(inner) > max_chars:
        inner = inner[:max_chars].rsplit(" ", 1)[0] + " \u2026"
    return f"{caption} (labels in the figure: {inner})" if caption else f"labels in the figure: {inner}"


def _table_pieces(q: dict[str, float], item: EvidenceItem, index: int, quantity: bool,
                  comparison: bool, ask: ArithmeticAsk | None = None,
                  asked: AskedScale | None = None) -> list[Piece] | None:
    """The table's answer piece: the cell(s) its best-named row and column hold (for a comparison, the row's
    values side by side, and the next best row as a second piece); None when it is no table."""
    view = read_table(item.element)
    if view is None:
        return None
    matches = [m for m in match_cells(q, view) if not _is_header_row(m.row)]
    if not matches:
        return []
    pieces = [_cells_piece(q, view, item, index, quantity, comparison, matches, asked)]
    if comparison:  # "the difference between Kefir and Cheese": the other row asked for
        others = [m for m in matches if m.row.index != pieces[0].order and m.row_hit > 0]
        if others:
            pieces.append(_cells_piece(q, view, item, index, quantity, comparison, others, asked))
    return [replace(p, computed=table_computation(ask, view, p.order)) for p in pieces] if ask else pieces


def _cells_piece(q: dict[str, float], view, item: EvidenceItem, index: int, quantity: bool, comparison: bool,
                 matches: list, asked: AskedScale | None = None) -> Piece:
    best = matches[0]
    chosen = tied(best, matches)
    held, specific = best.score, best.row_hit + best.col_hit
    row_held, row_specific, row_cells = best_row(q, view, matches)
    if row_held > held:  # the question names several columns of one row ("in 2018 and 2019")
        held, specific, chosen, best = row_held, row_specific, row_cells, row_cells[0]
    elif comparison and len(chosen) == 1 and len(best.row.values) > 1:
        # "Which year was higher?": the row's values side by side, each labelled with its column
        same_row = [m for m in matches if m.row.index == best.row.index]
        chosen = [best] + [m for m in same_row if m is not best][:MAX_TIED_VALUES - 1]
    line = cell_line(view, chosen, asked)
    extra = support_line(item.element, best.row) if len(best.row.values) > len(chosen) else ""
    if len(chosen) == 1:
        span = Span("cell", (best.row.label, best.value))
    else:
        span = Span("row", (best.row.label, *(m.value for m in chosen if m.row.index == best.row.index)))
    total = sum(q.values()) or 1.0
    return Piece(held / total, specific, best.focus, quantity and _states_new_number(q, line), index,
                 best.row.index, line, extra, item.key, span)


def _text_pieces(q: dict[str, float], item: EvidenceItem, index: int, quantity: bool,
                 ask: ArithmeticAsk | None = None) -> list[Piece]:
    total = sum(q.values()) or 1.0
    out = []
    for pick in sentence_candidates(q, item.element.text, item.element.section):
        out.append(Piece(pick.context_score / total, pick.score, focus(q, pick.terms),
                         quantity and _states_new_number(q, pick.text), index, pick.index, pick.text, "", item.key,
                         Span("sentence", (pick.text,)), sentence_computation(ask, pick.text)))
    return out


def _figure_piece(q: dict[str, float], item: EvidenceItem, index: int) -> list[Piece]:
    e = item.element
    own = terms(f"{e.caption or ''} {e.text}")
    held = overlap(q, own)
    if held <= 0:
        return []
    support = coverage(q, {**terms(" ".join(e.section)), **own})
    return [Piece(support, held, focus(q, terms(e.caption or "")), False, index, 0,
                  f"Figure: {_figure_summary(e)}", "", item.key, None)]


def candidates(question: str, items: Sequence[EvidenceItem], floor: float = 0.0) -> list[Piece]:
    """Every item's candidate pieces, best first (ties go to the higher-ranked evidence: the retriever's order is
    the best prior there is); a piece computing the arithmetic asked may lead when it holds `floor` support."""
    q = question_terms(question)
    dated = names_a_year(question)
    quantity = bool(_QUANTITY_QUESTION.search(question))
    comparison = bool(_COMPARISON_QUESTION.search(question))
    ask = read_ask(question)
    asked = asked_scale(question)
    out: list[Piece] = []
    for index, item in enumerate(items):
        kind = item.element.kind
        if kind is ElementKind.PAGE:
            continue  # page images carry no sentences of their own
        if kind is ElementKind.FIGURE:
            out += _figure_piece(q, item, index)
            continue
        if kind is ElementKind.TABLE:
            with exact_words():  # "declared" would name a "Date of declaration" column beside "Total dividend"
                pieces = _table_pieces(q, item, index, quantity, comparison, ask, asked)
            if pieces is not None:
                out += pieces
                continue
        out += _text_pieces(q, item, index, quantity, ask)
    out = [p for p in out if not _FRAGMENT.match(p.line)]
    if quantity:  # "how many ...", "what percentage ...": a line stating a number it was not given answers first
        out = [p for p in out if p.states_number or p.computed is not None] or out
    # Between equally supported pieces, one that supplies the operands of the arithmetic asked answers it; for a
    # year named, one stating an amount. Then the one whose own words hold more of the question; for an amount of
    # a period, of the item asked only: a sentence restating the question's dates would outweigh the table cell
    # whose dates sit in its column and caption.
    item_words = {t: w for t, w in q.items() if not t[:1].isdigit()} if dated and quantity else None
    ranked = sorted(out, key=lambda p: (-round(p.support, 6), p.computed is None, -p.states_number,
                                        -(dated and bool(_AMOUNT.search(p.line))),
                                        -(p.specific if item_words is None else overlap(item_words, terms(p.line))),
                                        -p.focus, p.item_index, p.order))
    # the value asked for, when a piece nearly as good computes it (never under the support an answer needs)
    ranked = computed_first(ranked, _RUNNER_UP, floor) if ask else ranked
    ratio = ratio_piece(question, items)
    return [ratio, *ranked] if ratio else ranked


def ratio_piece(question: str, items: Sequence[EvidenceItem]) -> Piece | None:
    """A standard financial ratio the question names, computed from the statements among the evidence
    (chat.financial_ratios): it answers exactly what is asked, so it comes first, citing every operand's item."""
    ask = read_ratio(question)
    if ask is None:
        return None
    result = compute_ratio(ask, [(i, item.element) for i, item in enumerate(items)
                                 if item.element.kind is ElementKind.TABLE])
    if result is None:
        return None
    (first, *others), (cell, *other_cells) = result.cited, result.cells
    return Piece(1.0, float("inf"), 1.0, True, first, 0, result.line, "", items[first].key, Span("cell", cell),
                 cited=tuple((items[i].key, Span("cell", c)) for i, c in zip(others, other_cells)))


def missing_from(question: str, items: Sequence[EvidenceItem]) -> list[str]:
    """The names, numbers, identifiers, dates and "<Name> of <Name>" names `question` names that no item's text,
    cells, caption or headings hold (chat.abstention): an answer read from these items could not be grounded ([]
    when there are no items)."""
    if not items:
        return []
    evidence_text = " ".join(_readable_text(item.element) for item in items)
    missing = (missing_names(question, terms(evidence_text), evidence_text) + missing_numbers(question, evidence_text)
               + missing_identifiers(question, evidence_text) + missing_dates(question, evidence_text)
               + missing_phrases(question, evidence_text))
    ratio = read_ratio(question)
    if ratio is not None:  # "Return on Capital Employed": filings print a ratio's operands, not its name
        missing = [name for name in missing if name.lower() not in ratio.name.split()]
    return missing


class ExtractiveBackend:
    """Answers with the evidence itself: the fact first, cited, then at most two lines of support; "Not found in
    the documents" when no candidate holds at least `threshold` of the question's term weight."""

    name = "extractive"
    mode = "extractive"
    supports_images = False

    def __init__(self, max_pieces: int = _MAX_LINES, max_items: int = 20, tokenizer: str | None = None,
                 threshold: float | None = None) -> None:
        from chat.abstention import SUPPORT_THRESHOLD

        self.max_pieces = max_pieces
        self.max_items = max_items
        self.tokenizer = tokenizer
        self.threshold = SUPPORT_THRESHOLD if threshold is None else threshold
        self._counter = None

    def generator_context(self, question: str, hits: Sequence[Hit],
                          history: Sequence[tuple[str, str]] = ()) -> ContextSize:
        """The context an LLM backend with default limits would have been sent (see
        chat.messages.default_generator_context); counted by `tokenizer`, else the estimate."""
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

    def _compose(self, pieces: list[Piece], items: Sequence[EvidenceItem], question: str,
                 missing: Sequence[str], held: float) -> tuple[str, bool]:
        """(answer text with [S#] markers, answerable); `held`: the support the threshold is checked on."""
        if not pieces or missing or not supported(held, self.threshold):
            return self._not_found(pieces, items, question, missing), False
        best = pieces[0]
        keys = [best.key, *(key for key, _ in best.cited)]
        for other in pieces[1:]:  # corroborating items that state the same fact are cited together
            if other.key not in keys and fact_key(other.line) == fact_key(best.line):
                keys.append(other.key)
        lines = [f"{best.line} {''.join(f'[{k}]' for k in keys)}"]
        seen = {fact_key(best.line)}
        room = self.max_pieces - 1 - (1 if best.extra else 0)
        # Words, not numbers: a date the question names ("June 25, 2022") weighs 6 and would let any line
        # mentioning it through.
        q_words = {t: w for t, w in terms(asked_part(question)).items() if not t[:1].isdigit()}
        best_words = overlap(q_words, terms(best.line))
        for other in pieces[1:]:
            if room <= 0 or len(lines) >= self.max_pieces:
                break
            if (other.key in keys and other.order == best.order) or fact_key(other.line) in seen:
                continue
            # Another item's candidate, labelled, only when it holds nearly as much of the question on its own
            # words: weaker ones would be unrelated rows.
            if other.support < best.support * _RUNNER_UP or other.specific < best.specific * _RUNNER_UP:
                break
            if _is_cell(other) and _is_cell(best) and other.focus < best.focus * _RUNNER_UP:
                continue  # "Percentage of total net sales" beside the "Total net sales" asked for
            # (the other row of a comparison in the same table names its own item, not the best row's words)
            if other.key != best.key and overlap(q_words, terms(other.line)) < best_words * _RUNNER_UP:
                continue
            seen.add(fact_key(other.line))
            lines.append(f"{other.line} [{other.key}]")
            room -= 1
        if best.extra:
            lines.append(f"{best.extra} [{best.key}]")
        lines = lines[:self.max_pieces]
        if best.computed is not None:  # the value asked for first; the cells it came from stay as support
            lines.insert(0, f"{escape_labels(best.computed.line)} [{best.key}]")
        return "\n".join(lines), True

    def _not_found(self, pieces: list[Piece], items: Sequence[EvidenceItem], question: str,
                   missing: Sequence[str]) -> str:
        sources = list(dict.fromkeys(escape_labels(item.element.source) for item in items))
        searched = searched_line(question, sources, len(items), missing)
        nearest = None
        # A fragment ("5.", a lone heading) tells the reader nothing: the nearest piece that reads as a statement.
        readable = [p for p in pieces if len(p.line.split()) >= _MIN_NEAREST_WORDS]
        if readable:
            nearest = f"{clip_nearest(readable[0].line)} [{readable[0].key}]"
        elif items:
            first = next((s for s in split_sentences(items[0].element.text)
                          if len(s.split()) >= _MIN_NEAREST_WORDS), "")
            nearest = f"{clip_nearest(escape_labels(first))} [{items[0].key}]" if first else None
        return not_found_text(searched, nearest) if items else NOT_FOUND

    def answer(self, question: str, hits: Sequence[Hit], history: Sequence[tuple[str, str]] = (),
               images: Sequence[str] = (), on_token: Callable[[str], None] | None = None) -> Answer:
        """The fact `question` asks for among `hits`, cited; "Not found in the documents." when no evidence
        supports an answer. A follow-up ("and the year before?") is read with the subject of the earlier
        questions in `history` (chat.query_rewrite.rule_rewrite); images are ignored (no model to see them)."""
        from chat.query_rewrite import rule_rewrite

        asked = rule_rewrite(question, history) if history else question
        items = select_evidence(hits, max_items=self.max_items, token_budget=10 ** 9)
        # Quoted document text keeps its words, but a "[S2]" written by the document is not a citation.
        pieces = [replace(p, line=escape_labels(p.line), extra=escape_labels(p.extra))
                  for p in candidates(asked, items, self.threshold)]
        with exact_words():  # the threshold was calibrated on exact terms; inflections only order the candidates
            exact = candidates(asked, items, self.threshold)
        held = exact[0].support if exact else 0.0
        missing = missing_from(asked, items)
        text, answerable = self._compose(pieces, items, asked, missing, held)
        clean, citations = clean_answer(text, items)
        spans: dict[str, Span] = {}
        for piece in pieces:
            if piece.span is not None and piece.line[:60] in text:
                spans.setdefault(piece.key, piece.span)
                for key, span in piece.cited:
                    spans.setdefault(key, span)
        citations = tuple(replace(c, span=spans.get(c.key)) for c in citations)
        if on_token is not None:
            on_token(clean)
        return Answer(question=question, text=clean, citations=citations,
                      hits=tuple(item.hit for item in items), model=self.name, mode=self.mode,
                      usage=Usage(), note=NOTE, context=self.generator_context(question, hits, history),
                      answerable=answerable,
                      support=round(held, 4) if pieces and not missing else 0.0)
