"""A stored document as the catalog reports it: one record per path, naming the content (doc_id) that path holds,
and the SQL that reads such records."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class DocumentRecord:
    """One stored document at one path: doc_id names its content (SHA-1 of the bytes), path is absolute, source is
    the file name, added_at the Unix time its content was stored. Identical bytes at two paths are two records of
    one doc_id (sharing elements and vectors)."""

    doc_id: str
    source: str
    path: str
    pages: int
    format: str
    n_elements: int
    added_at: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentRecord":
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})


# One row per path: the path's own name and place, the content's pages, format, element count and time stored.
DOC_SELECT = ("SELECT s.doc_id, s.source, s.path, d.pages, d.format, d.n_elements, d.added_at "
               "FROM document_sources s JOIN documents d ON d.doc_id = s.doc_id")
PRIMARY_ORDER = "s.added_at, s.path"  # a content's primary path: the one holding it longest


@dataclass(frozen=True)
class SourceChange:
    """`path` (file name `source`) now holds the stored content `doc_id`; moved_from: the path it was renamed from."""

    path: str
    source: str
    doc_id: str
    moved_from: str | None = None


def record_of(row: Sequence) -> DocumentRecord:
    """The record of one DOC_SELECT row."""
    return DocumentRecord(doc_id=row[0], source=row[1], path=row[2], pages=int(row[3]), format=row[4],
                          n_elements=int(row[5]), added_at=float(row[6]))
