"""Checking the file names a search is restricted to (`--source`): a name that no stored document has would
otherwise match nothing and read as "no results"."""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable, Sequence

from retrieval.errors import UnknownSourceError

_CLOSE = 5  # close names listed per unknown name


def check_source_names(wanted: Sequence[str] | str | None, stored: Iterable[str]) -> None:
    """Raise UnknownSourceError naming each of `wanted` (file names or paths; only the file name counts, as in
    `SearchFilter`) that is not among the `stored` file names, with the closest stored names."""
    if not wanted:
        return
    names = sorted(set(stored))
    missing = [name for name in ([wanted] if isinstance(wanted, str) else wanted)
               if name and name.strip() and Path(name).name not in names]
    if not missing:
        return
    parts = []
    for name in missing:
        close = difflib.get_close_matches(Path(name).name, names, n=_CLOSE, cutoff=0.5)
        hint = f"; close names: {', '.join(close)}" if close else ""
        parts.append(f"no stored document is named {Path(name).name!r}{hint}")
    raise UnknownSourceError("; ".join(parts) + " (see `docrag docs`)")
