"""How many CPU threads the text embedder uses: one for a few short queries, fewer while parse workers run."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

FEW_QUERIES = 8  # up to this many queries are embedded on one torch thread (see one_torch_thread)


@contextmanager
def one_torch_thread(active: bool) -> Iterator[None]:
    """Run a few short queries through torch on one thread. Splitting a 10-token MiniLM pass over threads gains
    little, and on a busy machine the threads' spin-waiting costs far more (bench/results/search-latency.md).
    Batches (ingest, --queries files) keep every thread."""
    torch = sys.modules.get("torch") if active else None  # only when the embedder already imported it
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    if before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            torch.set_num_threads(before)


def limit_embedder_threads(embedder: Any, threads: int | None) -> None:
    """Cap the embedder's compute threads (None: lift the cap). Embedders without `limit_threads` keep theirs."""
    limit = getattr(embedder, "limit_threads", None)
    if limit is not None:
        limit(threads)
