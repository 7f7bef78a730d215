"""Values docrag computes from the evidence for an answer model, placed above the evidence items they came from.

Language models get arithmetic wrong, while docrag's extractive answerer computes the change, share, average or
total a question asks for from the operands it names (chat.answer_arithmetic) and standard financial ratios from
the statements (chat.financial_ratios). `derived_facts` hands the model the computed line the extractive answer
would lead with, operands included, with the items it was read from, and only when the extractive answer would
answer at all (its best candidate holds the support an answer needs and the evidence holds every name and number
the question does). The cell a question names is not restated: the table is in the evidence, and on the dev split
that line added no gold answer to any context while naming another value than the gold in two cases of three
(bench/results/answer-in-context-derived.md). `select_with_facts` packs the evidence and the facts within one
token budget.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Sequence

from chat.abstention import SUPPORT_THRESHOLD, supported
from chat.answer_terms import exact_words
from chat.context import DerivedFact, EvidenceItem, derived_block, select_evidence
from chat.extractive import Piece, candidates, missing_from, ratio_piece
from chat.query_rewrite import rule_rewrite
from chat.token_budget import approx_tokens
from chat.untrusted_text import Fence
from retrieval.hit import Hit


def derived_facts(question: str, items: Sequence[EvidenceItem], threshold: float = SUPPORT_THRESHOLD
                  ) -> list[DerivedFact]:
    """The computed value the extractive answer would lead with for `question` over `items` (a financial ratio,
    else a change, share, average or total), as a fact citing its items; [] when it would lead with no computed
    value or not answer (support under `threshold`, a name or number of the question missing from the evidence)."""
    if not items or missing_from(question, items):
        return []
    ratio = ratio_piece(question, items)
    if ratio is not None:  # a ratio answers exactly what is asked (candidates() puts it first too)
        return [DerivedFact(ratio.line, _keys(ratio))]
    pieces = candidates(question, items, threshold)
    if not pieces or pieces[0].computed is None:
        return []
    with exact_words():  # the support an answer needs is held on exact terms, as the extractive answer checks it
        exact = candidates(question, items, threshold)
    if not exact or not supported(exact[0].support, threshold):
        return []
    return [DerivedFact(pieces[0].computed.line, _keys(pieces[0]))]


def _keys(piece: Piece) -> tuple[str, ...]:
    return tuple(dict.fromkeys([piece.key, *(key for key, _ in piece.cited)]))


def select_with_facts(question: str, hits: Iterable[Hit], *, history: Sequence[tuple[str, str]] = (),
                      max_items: int = 8, token_budget: int = 3000, count_tokens=None, fence: Fence | None = None,
                      **options) -> tuple[list[EvidenceItem], list[DerivedFact]]:
    """The evidence `select_evidence` packs for `hits` (same limits and `options`) and the derived facts for
    `question` (a follow-up read with the subject of the earlier questions in `history`, as the extractive answer
    reads it: chat.query_rewrite.rule_rewrite), within one token budget: the facts' blocks are paid for by leaving
    out the lowest-ranked items they do not cite (the rest renumbered S1..Sn in rank order); when the items they
    cite leave no room for them, the items are sent without facts."""
    count = count_tokens or approx_tokens
    fence = fence or Fence.new()
    items = select_evidence(hits, max_items=max_items, token_budget=token_budget, count_tokens=count, fence=fence,
                            **options)
    facts = derived_facts(rule_rewrite(question, history) if history else question, items)
    if not facts:
        return items, []
    cost = sum(count(derived_block(fact, fence)) for fact in facts)
    return _make_room(items, facts, token_budget - cost)


def _make_room(items: list[EvidenceItem], facts: list[DerivedFact], budget: int
               ) -> tuple[list[EvidenceItem], list[DerivedFact]]:
    """`items` without their lowest-ranked uncited ones until they cost at most `budget`, keys renumbered in
    `items` and `facts` alike; `items` and no facts when the cited items alone cost more."""
    cited = {key for fact in facts for key in fact.keys}
    kept = list(items)
    used = sum(item.text_tokens + item.image_tokens for item in kept)
    for item in reversed(items[1:]):
        if used <= budget:
            break
        if item.key not in cited:
            kept.remove(item)
            used -= item.text_tokens + item.image_tokens
    if used > budget:
        return items, []
    keys = {item.key: f"S{n}" for n, item in enumerate(kept, start=1)}
    return ([replace(item, key=keys[item.key]) for item in kept],
            [replace(fact, keys=tuple(keys[key] for key in fact.keys)) for fact in facts])
