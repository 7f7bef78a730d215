"""What one ingest run did, per file: the `docrag ingest --json` object."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileFailure:
    """A file that could not be ingested, with a one-line reason that names it."""

    source: str
    error: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "error": self.error}


@dataclass(frozen=True)
class IngestReport:
    """Outcome of `Library.add`: file names per outcome, and the number of elements stored by this run.
    renamed: (old file name, new file name) per stored document that moved (its elements and vectors kept);
    repaired: stored documents whose missing vectors this run re-embedded from the catalog; rebuilt: documents
    whose vectors and indexes `Library.rebuild` re-made; cancelled: the ingest was stopped between documents (the
files not reached are in no list)."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    failed: tuple[FileFailure, ...] = ()
    skipped: tuple[FileFailure, ...] = ()
    elements: int = 0
    pages: int = 0
    seconds: float = 0.0
    renamed: tuple[tuple[str, str], ...] = ()
    repaired: tuple[str, ...] = ()
    rebuilt: tuple[str, ...] = ()
    cancelled: bool = False

    def to_contract(self) -> dict[str, Any]:
        return {"added": list(self.added), "updated": list(self.updated), "unchanged": list(self.unchanged),
                "removed": list(self.removed), "renamed": [{"from": old, "to": new} for old, new in self.renamed],
                "failed": [f.to_dict() for f in self.failed],
                "skipped": [s.to_dict() for s in self.skipped], "elements": self.elements,
                "pages": self.pages, "seconds": round(self.seconds, 3), "repaired": list(self.repaired),
                "rebuilt": list(self.rebuilt), "cancelled": self.cancelled}


@dataclass
class IngestTally:
    """Mutable accumulator used while an ingest runs; frozen into an `IngestReport` at the end."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[FileFailure] = field(default_factory=list)
    skipped: list[FileFailure] = field(default_factory=list)
    elements: int = 0
    pages: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    cancelled: bool = False

    def freeze(self, seconds: float) -> IngestReport:
        unchanged = tuple(name for name in self.unchanged if name not in self.repaired)  # repaired, not unchanged
        return IngestReport(tuple(self.added), tuple(self.updated), unchanged, tuple(self.removed),
                            tuple(self.failed), tuple(self.skipped), self.elements, self.pages, seconds,
                            renamed=tuple(self.renamed), repaired=tuple(self.repaired),
                            cancelled=self.cancelled)

