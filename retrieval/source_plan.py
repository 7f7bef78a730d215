"""What an ingest does with each file, decided from the bytes' hashes and the catalog's paths before any parsing:
a document is its content (doc_id, the hash of its bytes) plus the paths holding it.

- a path that holds the content stored for it: unchanged;
- a new path whose content is stored at a path whose file is gone: a rename, which moves that path row (elements
  and vectors stay);
- a new path whose content is stored at paths whose files still exist: an identical copy, one more source of it
  (also when such a file now holds other bytes: that file is then updated in the same run, and the content stays
  with the copy, so nothing is embedded again; two files that swapped names are two such updates);
- a path whose content is not stored: parsed (added, or updated when the path held other bytes); further paths
  with the same new content become copies of it once it is stored.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from retrieval.catalog import DocumentRecord


@dataclass(frozen=True)
class Rename:
    """A stored path that moved: `old` (a DocumentRecord) now lives at `path`."""

    old: DocumentRecord
    path: Path


@dataclass(frozen=True)
class SourcePlan:
    """One ingest's decisions, in the order they run: renames and copies of stored contents (catalog only), then
    parses, then copies of contents this ingest parses (`copies_of_new`: path, doc_id, the path parsed for it).
    status: "added" or "updated" for every path copied or parsed."""

    unchanged: tuple[Path, ...] = ()
    renames: tuple[Rename, ...] = ()
    copies: tuple[tuple[Path, str], ...] = ()
    parses: tuple[Path, ...] = ()
    copies_of_new: tuple[tuple[Path, str, Path], ...] = ()
    status: Mapping[Path, str] | None = None


def plan_sources(files: Mapping[Path, str], stored: Sequence[DocumentRecord],
                 exists: Callable[[str], bool] = os.path.exists) -> SourcePlan:
    """Plan an ingest of `files` (absolute path -> doc_id, in ingest order) into a catalog holding `stored` (one
    record per path). `exists` tells whether a stored path outside `files` still exists (run under the ingest
    lock, so only files changed meanwhile by the user can make it stale: the next ingest sees them again)."""
    at_path = {record.path: record for record in stored}
    paths_of: dict[str, list[DocumentRecord]] = {}
    for record in sorted(stored, key=lambda r: (r.added_at, r.path)):
        paths_of.setdefault(record.doc_id, []).append(record)

    def gone(record: DocumentRecord) -> bool:
        return Path(record.path) not in files and not exists(record.path)

    unchanged: list[Path] = []
    renames: list[Rename] = []
    copies: list[tuple[Path, str]] = []
    parses: list[Path] = []
    copies_of_new: list[tuple[Path, str, Path]] = []
    status: dict[Path, str] = {}
    parsed_for: dict[str, Path] = {}
    renamed_from: set[str] = set()
    for path, doc_id in files.items():
        held = at_path.get(str(path))
        if held is not None and held.doc_id == doc_id:
            unchanged.append(path)
            continue
        status[path] = "updated" if held is not None else "added"
        if doc_id in paths_of:
            free = [r for r in paths_of[doc_id] if r.path not in renamed_from and gone(r)]
            if free:
                renames.append(Rename(free[0], path))
                renamed_from.add(free[0].path)
                del status[path]
            else:
                copies.append((path, doc_id))
        elif doc_id in parsed_for:
            copies_of_new.append((path, doc_id, parsed_for[doc_id]))
        else:
            parses.append(path)
            parsed_for[doc_id] = path
    return SourcePlan(tuple(unchanged), tuple(renames), tuple(copies), tuple(parses), tuple(copies_of_new), status)
