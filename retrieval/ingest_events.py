"""Progress of an ingest, as events a caller can show or send on (a progress bar, a web job's status)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

EVENT_KINDS = ("started", "file", "cancelled", "finished")


@dataclass(frozen=True)
class IngestEvent:
    """One step of an ingest. kind: "started" (files_total known), "file" (one file ended: source, its status
    "added" / "updated" / "unchanged" / "renamed" / "failed", its pages, and error for a failed one),
    "cancelled" (the ingest stops before the next document) or "finished" (the report is ready)."""

    kind: str
    files_done: int = 0
    files_total: int = 0
    source: str = ""
    status: str = ""
    pages: int = 0
    error: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"ingest event kind {self.kind!r} is not one of {', '.join(EVENT_KINDS)}")


Progress = Callable[[IngestEvent], None]
