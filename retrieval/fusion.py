"""Reciprocal-rank fusion of route results into one element list, with slots kept for tables and figures.

Routes score in incomparable units (cosine similarity, BM25), so only ranks are fused: an element's score is
the sum over the routes that found it of weight / (rrf_k + rank). Routes already return one entry per element
(views collapsed), so an element found by two routes is one fused entry that names both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Collection, Hashable, Mapping, Sequence

from retrieval.page_crowding import crowd_within_documents
from retrieval.search_settings import SearchSettings


@dataclass(frozen=True)
class Fused:
    """One element of a fused list: its fused score and the routes that found it (in SearchSettings order)."""

    element_id: str
    score: float
    routes: tuple[str, ...]


def fuse(ranked: Mapping[str, Sequence[str]], kinds: Mapping[str, str], k: int,
         settings: SearchSettings, pages: Mapping[str, Hashable] | None = None,
         named_kinds: Collection[str] = ()) -> list[Fused]:
    """The top k of the fused ranking. ranked: route name -> element ids, best first (unique within a route);
    kinds: element id -> kind value (used for the table/figure slots; see SearchSettings.visual_every);
    pages: element id -> its page (any hashable, e.g. (doc_id, page)), for SearchSettings.per_page;
    named_kinds: kinds the question names ("the table ..."): on each page they lead (see lead_with_kinds)."""
    if k < 1:
        return []
    scores: dict[str, float] = {}
    found_by: dict[str, list[str]] = {}
    best_rank: dict[str, int] = {}
    for route in settings.route_names:
        weight = settings.weight(route)
        for rank, element_id in enumerate(ranked.get(route, ()), start=1):
            scores[element_id] = scores.get(element_id, 0.0) + weight / (settings.rrf_k + rank)
            found_by.setdefault(element_id, []).append(route)
            best_rank[element_id] = min(best_rank.get(element_id, rank), rank)
    # Ties (same fused score) go to the element the best single route ranked higher, then to the id: stable.
    order = sorted(scores, key=lambda e: (-scores[e], best_rank[e], e))
    if settings.per_page and pages:
        if named_kinds:
            order = lead_with_kinds(order, pages, kinds, named_kinds)
        order = crowd_within_documents(order, pages, settings.per_page)
    chosen = _with_visual_slots(order, kinds, best_rank, k, settings)
    return [Fused(element_id=e, score=scores[e], routes=tuple(found_by[e])) for e in chosen]


def _with_visual_slots(order: list[str], kinds: Mapping[str, str], best_rank: Mapping[str, int], k: int,
                       settings: SearchSettings) -> list[str]:
    """Take `order` greedily, except that position p (a multiple of visual_every) goes to the best remaining
    eligible visual element when fewer than p // visual_every visual elements are in the list by then.
    Eligible: a visual kind ranked within the top 2k of some route."""
    every = settings.visual_every
    if every < 1:
        return order[:k]
    visual = set(settings.visual_kinds)
    eligible = [e for e in order if kinds.get(e) in visual and best_rank[e] <= 2 * k]
    chosen: list[str] = []
    taken: set[str] = set()
    rest = iter(order)
    while len(chosen) < k:
        position = len(chosen) + 1
        have = sum(1 for e in chosen if kinds.get(e) in visual)
        if position % every == 0 and have < position // every:
            pick = next((e for e in eligible if e not in taken), None)
            if pick is not None:
                chosen.append(pick)
                taken.add(pick)
                continue
        pick = next((e for e in rest if e not in taken), None)
        if pick is None:
            break
        chosen.append(pick)
        taken.add(pick)
    return chosen


def lead_with_kinds(order: Sequence[str], pages: Mapping[str, Hashable], kinds: Mapping[str, str],
                    named_kinds: Collection[str]) -> list[str]:
    """`order` with each page's elements of the named kinds moved to that page's earliest places, the others
    keeping their relative order: every page keeps the places it held, so page order is unchanged."""
    slots: dict[Hashable, list[int]] = {}
    for position, element_id in enumerate(order):
        slots.setdefault(pages.get(element_id, element_id), []).append(position)
    out = list(order)
    for positions in slots.values():
        members = [order[p] for p in positions]
        members.sort(key=lambda e: kinds.get(e) not in named_kinds)  # stable: ties keep the fused order
        for position, element_id in zip(positions, members):
            out[position] = element_id
    return out


def named_candidates(ranked: Mapping[str, Sequence[str]], is_named: Callable[[str], bool]) -> list[str]:
    """The "page" and "label" routes: candidates of the other routes for which `is_named` holds (they lie on a page
    the question names, or carry the figure/table label it names), best single-route rank first."""
    best: dict[str, int] = {}
    for ids in ranked.values():
        for rank, element_id in enumerate(ids):
            if is_named(element_id):
                best[element_id] = min(best.get(element_id, rank), rank)
    return sorted(best, key=lambda e: (best[e], e))
