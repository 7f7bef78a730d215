"""Which file name a hit shows when its content is stored under several (identical copies at two paths).

A hit shows its content's primary name (the path holding it longest), or, when the search was restricted to
file names, the first of its names the search asked for; `Hit.sources` lists every name, the shown one first.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from retrieval.hit import Hit


def name_hits(hits: Sequence[Hit], names_of: Mapping[str, Sequence[str]], wanted: Sequence[str] = ()) -> list[Hit]:
    """`hits` with element.source and sources set from `names_of` (doc_id -> file names, primary first; a doc_id
    missing keeps the element's own name). `wanted`: the file names the search was restricted to."""
    named: list[Hit] = []
    for hit in hits:
        element = hit.element
        names = list(dict.fromkeys(names_of.get(element.provenance.doc_id) or (element.source,)))
        shown = next((name for name in names if name in wanted), names[0])
        if element.source != shown:
            element = replace(element, provenance=replace(element.provenance, source=shown))
        named.append(replace(hit, element=element, sources=(shown, *[n for n in names if n != shown])))
    return named
