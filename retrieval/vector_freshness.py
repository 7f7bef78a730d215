"""Whether the open vector stores reflect the catalog: an open embedded Chroma does not see another process's
writes, so a reader or writer reopens it when the catalog's stamp moved since it was opened."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Sequence

from retrieval.catalog import Catalog
from retrieval.chroma_store import ChromaStore

log = logging.getLogger(__name__)


class VectorFreshness:
    """Tracks the catalog stamp the open stores (`stores()`, the text store first) are known to reflect."""

    def __init__(self, root: Path, catalog: Catalog, stores: Callable[[], Sequence[ChromaStore]]) -> None:
        self.root = root
        self.catalog = catalog
        self.stores = stores
        self.stamp: str | None = None

    def follow(self) -> None:
        """Reopen the embedded vector stores when another process changed the library since they were opened
        (a Chroma server is always current: only our cached counts are forgotten)."""
        stamp = self.catalog.stamp()
        if stamp != self.stamp:
            stores = list(self.stores())
            if self.stamp is not None and stores and stores[0].url is None:
                log.info("the library changed since its vectors were opened; reopening %s", self.root / "chroma")
            for store in stores:
                if store.url is None:
                    store.close()  # a no-op for a store not opened yet
                else:
                    store.forget_count()
        self.stamp = stamp

    def own_write(self, only_if_open: bool = False) -> None:
        """After our own write: the open stores already hold it (only_if_open: unless they were never opened)."""
        if not only_if_open or self.stamp is not None:
            self.stamp = self.catalog.stamp()

    def forget(self) -> None:
        """The stores were closed: the next use reopens them."""
        self.stamp = None
