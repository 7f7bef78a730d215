"""Hand freed heap memory back to the operating system (glibc's malloc_trim; a no-op elsewhere).

Parsing a page allocates and frees many large buffers (page renders, model inputs). glibc keeps freed memory in
its arenas, so a worker's resident size drifts up to the sum of its worst moments; trimming after each job keeps
it near what the next job needs. On the 1,000-page PDF with two workers this is what kept the peak of all
processes under the issue's 1.5 GB once the layout sessions kept their memory arena (docparse.layout_model).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows): nothing to trim with
        return None


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; True when glibc did it. Costs a few milliseconds."""
    trim = _malloc_trim()
    if trim is None:
        return False
    try:
        trim(0)
    except OSError as err:  # pragma: no cover - a libc that refuses the call is not worth failing a parse for
        logger.debug("malloc_trim failed: %s", err)
        return False
    return True
