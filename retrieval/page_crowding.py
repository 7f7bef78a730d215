"""Page crowding: one page's many matching elements must not fill the top of a result list.

The chunks, table and caption of one page often all match a question; without crowding they take the first
places while the page that holds the answer waits below (host crowding in web search). Crowding holds a page's
extra hits back behind the best hit of the document's other pages, never behind other documents: across a
collection, a long document has a page for every place in the list, and a one-page document's second-best hit
(the FAA handbook's figure behind its own paragraph) would otherwise wait behind 27 weak Apple pages.
"""
from __future__ import annotations

import heapq
from typing import Hashable, Mapping, Sequence


def crowd_by_page(order: Sequence[str], pages: Mapping[str, Hashable], per_page: int) -> list[str]:
    """`order` with at most `per_page` elements of any one page ahead of the first element of every other page
    found; the elements held back follow in their own order. An element missing from `pages` is its own page."""
    first: list[str] = []
    later: list[str] = []
    taken: dict[Hashable, int] = {}
    for element_id in order:
        page = pages.get(element_id, element_id)
        if taken.get(page, 0) < per_page:
            taken[page] = taken.get(page, 0) + 1
            first.append(element_id)
        else:
            later.append(element_id)
    return first + later


def document_of(page: Hashable) -> Hashable:
    """The document of a page key: the first member of a (document, page) pair; any other key is a document
    of its own (so crowding has nothing to hold back behind it)."""
    return page[0] if isinstance(page, tuple) and page else page


def crowd_within_documents(order: Sequence[str], pages: Mapping[str, Hashable], per_page: int) -> list[str]:
    """`order` (best first) crowded by page inside each document (crowd_by_page), then the documents' lists
    merged by fused rank: the next place goes to whichever document's next element ranked higher in `order`.
    Within one document this is crowd_by_page exactly; across documents a page's extra hits wait only behind
    better-ranked hits of other documents, not behind every page of a long one."""
    rank = {element_id: position for position, element_id in enumerate(order)}
    by_document: dict[Hashable, list[str]] = {}
    for element_id in order:
        by_document.setdefault(document_of(pages.get(element_id, element_id)), []).append(element_id)
    lists = [crowd_by_page(members, pages, per_page) for members in by_document.values()]
    heads = [(rank[members[0]], n, 0) for n, members in enumerate(lists)]
    heapq.heapify(heads)
    out: list[str] = []
    while heads:
        _, n, i = heapq.heappop(heads)
        out.append(lists[n][i])
        if i + 1 < len(lists[n]):
            heapq.heappush(heads, (rank[lists[n][i + 1]], n, i + 1))
    return out
