"""The store-format marker (`<root>/docrag-store.json`): the store's format, text model and vector dimension,
checked on open (format, model) and on first real use (dimension: that loads the model)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from retrieval.errors import StoreDamagedError, StoreError
from retrieval.store_guard import STORE_MARKER, classify, rebuild_command, rebuild_hint

STORE_FORMAT = 1


class StoreMarker:
    """The marker of the store at `root` for a text embedder (its `name` and `dimension`). rebuilding: the
    vectors are being replaced (retrieval.store_repair.rebuild_store), so the recorded model is not checked."""

    def __init__(self, root: Path, embedder: Any, rebuilding: bool = False) -> None:
        self.root = root
        self.embedder = embedder
        self.path = root / STORE_MARKER
        self._hint = rebuild_hint(root)
        self.recorded = None if rebuilding else self._read()
        self._dimension_checked = False

    @property
    def dimension(self) -> int:
        """The vector dimension the store holds (after ensure())."""
        return int(self.recorded["dimension"])  # type: ignore[index]

    def _read(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        try:
            marker = json.loads(self.path.read_text(encoding="utf-8"))
            fmt, model, dim = marker["format"], str(marker["text_model"]), int(marker["dimension"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise classify(err, self.root, self.path, damage=f"store marker {self.path}") from err
        if fmt != STORE_FORMAT:
            raise StoreDamagedError(f"store {self.root} has format {fmt!r}, this docrag reads format "
                                    f"{STORE_FORMAT}; {self._hint}")
        if model != self.embedder.name:
            raise StoreError(f"store {self.root} was built with text model {model!r}, but the text model now is "
                             f"{self.embedder.name!r}; use --text-model {model!r}, or re-embed the store with the "
                             f"new model: {rebuild_command(self.root)} --text-model {self.embedder.name!r}")
        return {"format": fmt, "text_model": model, "dimension": dim}

    def check_dimension(self) -> None:
        """Compare the embedder's dimension with the store's (loads the model, so done on first real use)."""
        if self._dimension_checked or self.recorded is None:
            return
        dimension = int(self.embedder.dimension)
        if dimension != self.recorded["dimension"]:
            raise StoreDamagedError(f"store {self.root} holds {self.recorded['dimension']}-dimensional vectors "
                                    f"from {self.recorded['text_model']!r}, but {self.embedder.name!r} makes "
                                    f"{dimension}-dimensional ones; {self._hint}")
        self._dimension_checked = True

    def ensure(self) -> None:
        """Write the marker if there is none; check the dimension if there is."""
        if self.recorded is not None:
            self.check_dimension()
            return
        marker = {"format": STORE_FORMAT, "text_model": self.embedder.name, "dimension": int(self.embedder.dimension)}
        tmp = self.path.with_suffix(".json.tmp")
        try:
            tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)  # atomic: a crash leaves the old marker or the new one
        except OSError as err:
            raise classify(err, self.root, self.path) or err from err
        self.recorded = marker
        self._dimension_checked = True
