"""Which of PyMuPDF's bundled layout models runs on the pages routed to layout analysis.

PyMuPDF activates its layout model at import time with the "imf+rf" feature set: box features plus image features
from an extra ONNX network run on a render of the page. The "rf" model of the same release reads box features
only and costs well under half the CPU per page (0.36 s against 0.82 s measured here on ICDAR pages), but finds
tables less reliably: on the ICDAR 2013 dev split, detection F1 0.966 and structure F1 0.969 against 1.000 and
0.986 for "imf+rf" (same code, `DOCRAG_LAYOUT_FEATURES=rf bench/run_dev.sh tables`). So "imf+rf" is the default
and "rf" an option for speed over table recall.
"""
from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)

FEATURE_SETS = ("imf+rf", "rf")  # first = default
DEFAULT_FEATURES = os.environ.get("DOCRAG_LAYOUT_FEATURES", FEATURE_SETS[0])
_PYMUPDF_DEFAULT = "imf+rf"
_active: str | None = None


def use_layout_features(name: str) -> None:
    """Make PyMuPDF's layout analysis use the model with feature set `name` (once per process)."""
    global _active
    if name == _active:
        return
    if name not in FEATURE_SETS:
        raise ValueError(f"unknown layout feature set {name!r}; choose one of {', '.join(FEATURE_SETS)}")
    import pymupdf

    if name == _PYMUPDF_DEFAULT and _active is None:
        _active = name  # what importing pymupdf already activated
        return
    from pymupdf.layout import DocumentLayoutAnalyzer

    model = DocumentLayoutAnalyzer.get_model(feature_set_name=name)
    pymupdf._get_layout = lambda *args, **kwargs: model.predict(*args, **kwargs)
    logger.debug("layout analysis uses the %s model", name)
    _active = name
