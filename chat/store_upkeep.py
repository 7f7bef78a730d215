"""`Library.rebuild` (`docrag ingest --rebuild`): re-make a store's derived parts from its catalog, then ingest the
paths given. Kept apart from the Library facade so that it stays one screen of delegation."""
from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from retrieval.ingest_report import IngestReport

if TYPE_CHECKING:
    from chat.library import Library

log = logging.getLogger(__name__)


def rebuild_library(library: "Library", paths: Iterable[str | Path] = (), **add_options) -> IngestReport:
    """See `Library.rebuild`. Raises ValueError, touching nothing, when the catalog is unreadable and no paths
    were given (there would be nothing to rebuild from)."""
    from retrieval.store_guard import rebuild_command
    from retrieval.store_repair import catalog_damage, rebuild_store, set_aside_catalog

    paths = list(paths)
    root = library.config.root
    damage = catalog_damage(root)
    if damage is not None:
        if not paths:
            raise ValueError(f"{damage}; the catalog cannot be rebuilt from itself: give the documents to "
                             f"ingest, as in `{rebuild_command(root, with_documents=True)}`")
        set_aside_catalog(root)
    if library._index is not None:  # opened without `rebuilding`: it would refuse vectors of another model
        library._index.close()
        library._index = None
    index = library._open_index(rebuilding=True)
    library._start_loading_images(index)
    with index.write_lock():
        index.open_image_changes()
        rebuilt = rebuild_store(index)
    index.settle_images()
    index.close_image_changes(False)  # every document's images go back into the (new) CLIP collection
    log.info("rebuilt %d documents of %s from the catalog", len(rebuilt), root)
    report = library.add(paths, **add_options)
    return replace(report, rebuilt=tuple(record.source for record in rebuilt))
