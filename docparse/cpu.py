"""How many cores this process may use: shared by the parse workers, the ONNX text embedder and the ingest run,
which split the cores between them."""
from __future__ import annotations

import os


def usable_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1
