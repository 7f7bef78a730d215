"""How a search combines its routes: which routes run, their weights in rank fusion, how deep each route looks,
and the slots kept for tables and figures. One frozen value, so a search is reproducible from its settings.

The environment can override the defaults for a whole process (benchmarks and ablations run the real CLI):
  DOCRAG_SEARCH_ROUTES="dense:1,lexical:1"   routes and weights ("dense" alone = dense only)
  DOCRAG_SEARCH_VISUAL_EVERY=5               one table/figure slot per this many positions; 0 (default) = off
  DOCRAG_SEARCH_RRF_K=60                     the rank-fusion constant
  DOCRAG_SEARCH_PER_PAGE=1                   hits of one page ahead of every other page's best (0 = off)
  DOCRAG_SEARCH_SCRIPT_CHECK=1               embedding routes vote only on queries their model reads (0 = off)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping

# The routes LibraryIndex can run, in the order Hit.routes lists them. "page" and "label" find nothing on their own:
# they list the other routes' candidates on pages the question names ("the table on page 5"; retrieval.page_refs)
# or captioned with the label it names ("Figure 3"; retrieval.label_refs).
ROUTES = ("dense", "lexical", "image", "page", "label")


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
                                             ("label", 1.0))
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SearchSettings":
        """The defaults, overridden by DOCRAG_SEARCH_ROUTES, DOCRAG_SEARCH_VISUAL_EVERY, DOCRAG_SEARCH_RRF_K and
        DOCRAG_SEARCH_PER_PAGE and DOCRAG_SEARCH_SCRIPT_CHECK where set."""
        env = os.environ if environ is None else environ
        settings = cls()
        spec = env.get("DOCRAG_SEARCH_ROUTES", "").strip()
        if spec:
            routes = []
            for part in spec.split(","):
                name, _, weight = part.strip().partition(":")
                try:
                    routes.append((name.strip(), float(weight) if weight else 1.0))
                except ValueError:
                    raise ValueError(f"DOCRAG_SEARCH_ROUTES={spec!r}: weight {weight!r} is not a number; "
                                     f"write e.g. 'dense:1,lexical:0.5'") from None
            settings = replace(settings, routes=tuple(routes))
        every = env.get("DOCRAG_SEARCH_VISUAL_EVERY", "").strip()
        if every:
            if not every.isdigit():
                raise ValueError(f"DOCRAG_SEARCH_VISUAL_EVERY={every!r} must be a whole number >= 0 (0 = off)")
            settings = replace(settings, visual_every=int(every))
        rrf_k = env.get("DOCRAG_SEARCH_RRF_K", "").strip()
        if rrf_k:
            try:
                settings = replace(settings, rrf_k=float(rrf_k))
            except ValueError:
                raise ValueError(f"DOCRAG_SEARCH_RRF_K={rrf_k!r} must be a number >= 0 (default 60)") from None
        per_page = env.get("DOCRAG_SEARCH_PER_PAGE", "").strip()
        if per_page:
            if not per_page.isdigit():
                raise ValueError(f"DOCRAG_SEARCH_PER_PAGE={per_page!r} must be a whole number >= 0 (0 = off)")
            settings = replace(settings, per_page=int(per_page))
        check = env.get("DOCRAG_SEARCH_SCRIPT_CHECK", "").strip()
        if check:
            if check not in ("0", "1"):
                raise ValueError(f"DOCRAG_SEARCH_SCRIPT_CHECK={check!r} must be 1 (on, default) or 0 (off)")
            settings = replace(settings, script_check=check == "1")
        return settings
