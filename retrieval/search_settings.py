"""How a search combines its routes: which routes run, their weights in rank fusion, how deep each route looks,
and the slots kept for tables and figures. One frozen value, so a search is reproducible from its settings.

A library sets the routes, rrf_k, visual_every, per_page and script_check from its search_* settings
(chat.settings: TOML keys or DOCRAG_SEARCH_* variables, which is how benchmarks and ablations vary them through the
real CLI).
"""
from __future__ import annotations

from dataclasses import dataclass

# The routes LibraryIndex can run, in the order Hit.routes lists them. "page" and "label" find nothing on their own:
# they list the other routes' candidates on pages the question names ("the table on page 5"; retrieval.page_refs)
# or captioned with the label it names ("Figure 3"; retrieval.label_refs). "statement" lists the candidates that are
# financial statements holding the line items a question's ratio or metric needs (retrieval.financial_statements).
ROUTES = ("dense", "lexical", "image", "page", "label", "statement")


@dataclass(frozen=True)
class SearchSettings:
    """routes: (route name, weight) pairs; a route's contribution to an element's fused score is
    weight / (rrf_k + rank in that route). rrf_k: 60, the usual reciprocal-rank-fusion constant: it damps the
    difference between rank 1 and rank 5 so neither route dominates on its own top hit.
    depth: candidates taken from each route (at least 2k are always taken).
    visual_every / visual_kinds: at every visual_every-th position (5, 10, ...) the list must by then hold at
    least position // visual_every elements of visual_kinds, if such elements ranked within the top 2k of any
    route; otherwise the best of them takes that position. Text chunks outnumber tables and figures by far, and
    both routes favour long prose, so without this a table that one route ranks 8th rarely makes the top 5.
    max_query_chars: characters of the query read (the dense model reads ~256 word pieces anyway; a pasted
    100 KB query is truncated, not rejected). rerank_depth: with a re-ranker (retrieval.rerank), how many fused
    hits it scores; the best k of them are returned."""

    # "image" (CLIP) runs only when a CLIP model is loaded; otherwise it contributes nothing.
    routes: tuple[tuple[str, float], ...] = (("dense", 1.0), ("lexical", 1.0), ("image", 1.0), ("page", 1.0),
                                             ("label", 1.0), ("statement", 1.0))
    rrf_k: float = 60.0
    depth: int = 50
    visual_every: int = 0  # off: on MMLongBench-15 it changed no recall@5 (bench/results/ablation-mmlb15.md)
    visual_kinds: tuple[str, ...] = ("table", "figure")
    max_query_chars: int = 4000
    rerank_depth: int = 30  # fused hits a cross-encoder re-orders when one is configured (at least k)
    # Hits of one page allowed ahead of the best hit of every other page found (0 = no crowding). On MMLongBench-15
    # it moved within-document recall@5 0.510 -> 0.539 and recall@10 0.598 -> 0.667 (bench/results/ablation-*.md).
    per_page: int = 1
    # An embedding route votes only on queries in a script its model reads (retrieval.query_language): the English
    # MiniLM route's near-random pages for Korean questions otherwise outvote the lexical route's right page.
    script_check: bool = True

    def __post_init__(self) -> None:
        names = [name for name, _ in self.routes]
        unknown = [name for name in names if name not in ROUTES]
        if unknown or not names or len(set(names)) != len(names):
            raise ValueError(f"search routes {names!r} must be distinct names from {ROUTES}, at least one")
        if any(weight <= 0 for _, weight in self.routes):
            raise ValueError(f"route weights must be positive, got {self.routes!r}")
        if self.per_page < 0:
            raise ValueError(f"per_page must be 0 (off) or more, got {self.per_page}")
        if self.rerank_depth < 1:
            raise ValueError(f"rerank_depth must be at least 1, got {self.rerank_depth}")
        if self.rrf_k < 0 or self.depth < 1 or self.visual_every < 0 or self.max_query_chars < 1:
            raise ValueError(f"rrf_k >= 0, depth >= 1, visual_every >= 0 and max_query_chars >= 1 are required; "
                             f"got rrf_k={self.rrf_k}, depth={self.depth}, visual_every={self.visual_every}, "
                             f"max_query_chars={self.max_query_chars}")

    @property
    def route_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.routes)

    def weight(self, route: str) -> float:
        return dict(self.routes).get(route, 0.0)

    def candidates(self, k: int) -> int:
        """How many elements each route contributes for a top-k search."""
        return max(self.depth, 2 * k)


def parse_routes(spec: str) -> tuple[tuple[str, float], ...]:
    """"dense:1,lexical:0.5" -> (("dense", 1.0), ("lexical", 0.5)); a route without a weight weighs 1. ValueError
    when a weight is not a number (SearchSettings checks the names)."""
    routes = []
    for part in spec.split(","):
        name, _, weight = part.strip().partition(":")
        try:
            routes.append((name.strip(), float(weight) if weight else 1.0))
        except ValueError:
            raise ValueError(f"search routes {spec!r}: weight {weight!r} is not a number; write e.g. "
                             "'dense:1,lexical:0.5'") from None
    return tuple(routes)
