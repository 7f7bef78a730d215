"""Deterministic crash points for the kill -9 tests: with DOCRAG_TEST_KILL_AT=NAME[:N] set, the process sends
itself SIGKILL the N-th time (default 1st) it reaches the point NAME, exactly as `kill -9` from outside would.

Points: "vectors" (a batch of vectors upserted, the catalog not yet committed), "commit" (a document committed to
the catalog, its previous version's vectors not yet deleted), "lexical" (a lexical build written, CURRENT not yet
switched to it), "paths" (renames, copies or removals of paths written inside the catalog transaction, not yet
committed), "rename" (renames or copies committed, vectors of contents no path holds any more not yet deleted),
"remove" (paths removed from the catalog, their contents' vectors not yet deleted). Unset (always, outside
tests), a point costs one dictionary lookup.
"""
from __future__ import annotations

import os
import signal

KILL_ENV = "DOCRAG_TEST_KILL_AT"
_reached: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process here if DOCRAG_TEST_KILL_AT names this point and this is its N-th visit."""
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
