"""The search pipeline's pure steps, between the routes and the hits: reading the queries, the named routes
("page 14", "Figure 1"), fusion by rank, reranking and naming the hits. No store is touched here: the index
gathers each route's ranked ids and the catalog's elements, and these functions decide."""
from __future__ import annotations

import logging
from typing import Callable, Mapping, Sequence

from docparse.element import Element
from retrieval.financial_statements import (StatementNeed, expanded_query, heading_of, statement_match,
                                            statement_need)
from retrieval.fusion import fuse, named_candidates
from retrieval.hit import Hit
from retrieval.kind_refs import kind_references
from retrieval.label_refs import caption_label, label_references
from retrieval.page_refs import LAST_PAGE, page_references, printed_page_number
from retrieval.query_language import voting_routes
from retrieval.rerank import Reranker, rerank_hits
from retrieval.search_filter import SearchFilter
from retrieval.search_settings import SearchSettings
from retrieval.tokenize import has_searchable_text

log = logging.getLogger(__name__)


def check_queries(queries: Sequence[tuple[str, object]]) -> None:
    """ValueError naming the first query with no letter or digit (blank, punctuation only) by its position."""
    for position, (query, _) in enumerate(queries):
        if not query or not has_searchable_text(query):
            raise ValueError(f"empty query at position {position}: {query[:40]!r} has no letter or digit "
                             "to search for")


def truncate(query: str, settings: SearchSettings) -> str:
    """The query up to settings.max_query_chars characters."""
    if len(query) <= settings.max_query_chars:
        return query
    log.info("query of %d characters truncated to its first %d (SearchSettings.max_query_chars)",
             len(query), settings.max_query_chars)
    return query[:settings.max_query_chars]


def on_named_page(found: Mapping[str, Element], named: Sequence[int],
                  last_pages: Callable[[], Mapping[str, int]]) -> Callable[[str], bool]:
    """Whether a found element lies on a page the question names: by its place in the file, by the number
    printed in its page's footer or running head (reports whose page 9 is the file's 12th page), or, for
    LAST_PAGE, as its document's last page (`last_pages()`: page count by doc_id, read only then)."""
    pages = set(named)
    last_page = last_pages() if LAST_PAGE in pages else {}

    def named_page(element_id: str) -> bool:
        element = found[element_id]
        if element.page in pages or last_page.get(element.provenance.doc_id) == element.page:
            return True
        furniture = dict(element.metadata)
        printed = printed_page_number(furniture.get("page_footer", "")) or \
            printed_page_number(furniture.get("page_header", ""))
        return printed in pages

    return named_page


def fuse_query(text: str, ranked: Mapping[str, list[str]], found: Mapping[str, Element], settings: SearchSettings,
               route_scripts: Mapping[str, object], fused_k: int,
               last_pages: Callable[[], Mapping[str, int]]) -> list[Hit]:
    """One query's hits: its routes' ranked ids (those the catalog `found`), the voting routes for its script,
    the named routes it asks for, fused by rank into at most `fused_k` hits."""
    per_route = voting_routes({route: [e for e in ids if e in found] for route, ids in ranked.items()},
                              text, route_scripts)
    candidates = dict(per_route)  # the named routes choose among the real routes' candidates
    if "page" in settings.route_names:
        named = page_references(text)
        if named:  # "the chart on page 14": that page's candidates get a route of their own
            per_route["page"] = named_candidates(candidates, on_named_page(found, named, last_pages))
    if "label" in settings.route_names:
        labels = label_references(text)
        if labels:  # "the green bars in Figure 1": the element captioned "Figure 1" gets a route
            per_route["label"] = named_candidates(candidates, lambda e: caption_label(found[e].caption) in labels)
    if "statement" in settings.route_names:
        need = statement_need(text)
        if need:  # "the current ratio": the balance sheet listing total current assets and liabilities gets a route
            per_route["statement"] = statement_candidates(candidates, found, need)
    kinds_of = {e: found[e].kind.value for row in per_route.values() for e in row}
    pages_of = {e: (found[e].provenance.doc_id, found[e].page) for row in per_route.values() for e in row}
    fused = fuse(per_route, kinds_of, fused_k, settings, pages_of, kind_references(text))
    return [Hit(element=found[f.element_id], score=f.score, rank=rank, routes=f.routes)
            for rank, f in enumerate(fused, start=1)]


def lexical_queries(texts: Sequence[str], filters: Sequence[SearchFilter], settings: SearchSettings) -> list[str]:
    """The lexical route's query per text: with the "statement" route on and the search inside one document, a
    ratio's line items join the question's words so that word matching reaches the statement rows. Across
    documents it is the question as asked: every filing lists those line items, and they would outweigh the words
    that name the company (Docugami dev collection doc_hit@1 0.516 with them, 0.544 without)."""
    expand = "statement" in settings.route_names
    return [expanded_query(text) if expand and len(where.sources) == 1 else text
            for text, where in zip(texts, filters)]


# A document is favoured when one of its elements is among the first FAVOURED_RANK of some route.
FAVOURED_RANK = 3


def statement_candidates(candidates: Mapping[str, list[str]], found: Mapping[str, Element],
                         need: StatementNeed) -> list[str]:
    """The "statement" route: candidates that are financial statements holding what `need` asks for
    (retrieval.financial_statements): the best match first (wanted line items, the statement named, a primary
    statement's own title) and only those that match best, the most complete statement first, then the best
    single-route rank."""
    best: dict[str, int] = {}
    for ids in candidates.values():
        for rank, element_id in enumerate(ids):
            best[element_id] = min(best.get(element_id, rank), rank)
    element = found.__getitem__
    # Across a collection of filings every one has a balance sheet: the route votes only within the documents
    # the other routes already favour (one of their first few hits), so it picks the statement, not the company.
    favoured = {element(e).provenance.doc_id for e, rank in best.items() if rank < FAVOURED_RANK}
    best = {e: rank for e, rank in best.items() if element(e).provenance.doc_id in favoured}
    score = {e: statement_match(need, element(e).text, heading_of(element(e).section, element(e).caption))
             for e in best}
    top = max((s[0] for s in score.values()), default=0)
    # Only the best-matching tier: a vote for every table naming one line item would lift MD&A summaries and notes
    # as much as the statement itself (rank fusion scores a route's 1st and 4th place almost alike).
    return sorted((e for e in best if top > 0 and score[e][0] == top), key=lambda e: (-score[e][1], best[e], e))


def finish_hits(text: str, hits: list[Hit], reranker: Reranker | None, k: int) -> list[Hit]:
    """The k best: reranked by the cross-encoder when one is available, else the fused order (already k)."""
    if reranker is not None and reranker.available:
        return rerank_hits(text, hits, reranker, k)
    return hits


def image_hits(ids: Sequence[str], found: Mapping[str, Element], k: int, settings: SearchSettings) -> list[Hit]:
    """Hits of an image search: the first k ids the catalog (or a page image) answers, scored by rank."""
    kept = [i for i in ids if i in found][:k]
    return [Hit(element=found[i], score=1.0 / (settings.rrf_k + rank), rank=rank, routes=("image",))
            for rank, i in enumerate(kept, start=1)]
