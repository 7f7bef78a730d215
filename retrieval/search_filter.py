"""Which elements a search may return: by file name, element kind and page range. Every route applies the same
filter inside its own search (never afterwards), so a filtered search still returns k hits when k exist."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from docparse.element import ElementKind

_KINDS = tuple(kind.value for kind in ElementKind)
_NO_DOCUMENT = "-"  # a doc_id no content has (SHA-1 hex never is "-"): Chroma's $in needs a non-empty list


@dataclass(frozen=True)
class SearchFilter:
    """sources: file names (sorted, unique); kinds: ElementKind values; pages: (first, last), 1-based, inclusive,
    applied to each document. An empty field does not filter. doc_ids: the contents the file names stand for, set
    by `resolved` (a content held under two names matches either); None until then."""

    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    pages: tuple[int, int] | None = None
    doc_ids: tuple[str, ...] | None = None

    @classmethod
    def build(cls, sources: Sequence[str] | str | None = None,
              kinds: Sequence[str | ElementKind] | str | ElementKind | None = None,
              pages: tuple[int, int] | int | None = None) -> "SearchFilter":
        """Validate and normalise user input: full paths count by their base name; a single page number means
        that page; unknown kinds or a reversed page range raise ValueError naming the valid choices."""
        if isinstance(sources, str):
            sources = [sources]
        names = tuple(sorted({Path(s).name for s in sources or () if s and s.strip()}))
        if isinstance(kinds, (str, ElementKind)):
            kinds = [kinds]
        values = []
        for kind in kinds or ():
            value = kind.value if isinstance(kind, ElementKind) else str(kind).strip().lower()
            if value not in _KINDS:
                raise ValueError(f"unknown element kind {kind!r}; choose from {', '.join(_KINDS)}")
            values.append(value)
        page_range = None
        if pages is not None:
            first, last = (pages, pages) if isinstance(pages, int) else pages
            if int(first) < 1 or int(last) < int(first):
                raise ValueError(f"page range {pages!r} must be (first, last) with 1 <= first <= last")
            page_range = (int(first), int(last))
        return cls(sources=names, kinds=tuple(sorted(set(values))), pages=page_range)

    def resolved(self, doc_ids_named: Callable[[Sequence[str]], Iterable[str]]) -> "SearchFilter":
        """This filter with `doc_ids` set from its file names by `doc_ids_named` (the catalog's lookup); a name
        nothing is stored under matches nothing."""
        if not self.sources or self.doc_ids is not None:
            return self
        return replace(self, doc_ids=tuple(sorted(doc_ids_named(self.sources))) or (_NO_DOCUMENT,))

    @property
    def is_empty(self) -> bool:
        return not (self.sources or self.kinds or self.pages)

    def chroma_where(self) -> dict[str, Any] | None:
        """The same filter as a Chroma metadata `where` (None when it filters nothing)."""
        clauses: list[dict[str, Any]] = []
        if self.doc_ids is not None:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        elif self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.kinds:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.pages:
            clauses += [{"page": {"$gte": self.pages[0]}}, {"page": {"$lte": self.pages[1]}}]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}
