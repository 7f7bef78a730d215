"""Word spaces inside OCR'd Korean lines where the pixel gap alone does not decide.

Tesseract's Korean model often reports each Hangul syllable as a word of its own, so docparse.ocr.tesseract_engine
rejoins them by the pixel gap between them. Gaps are bimodal but overlap: on page 2 of the Korean sample a word
space has a median gap of 0.48 word heights and a syllable break 0.16, and one threshold misplaced 82 of 693. Here
a gap clearly wide is a space, clearly tight is a join, and the band between (AMBIGUOUS_GAP) is decided by
kiwipiepy's Korean language model (`Kiwi.space`, which only inserts spaces into the line it is given).

Measured with bench/ocr_accuracy.py's scorer on all four pages of data/korean-insurance-report-4p.pdf (block
accuracy, simulated 200 dpi scans): one threshold 0.864 / 0.799 / 0.876 / 0.894; with this band 0.884 / 0.824 /
0.925 / 0.927. The band was chosen on pages 1-2, which the bench does not score (0.25-0.45 best there of 0.2-0.5,
0.3-0.4 and 0.15-0.6); Kiwi deciding every Hangul gap was worse than one threshold (0.843 / 0.790 / ...).

Without kiwipiepy (not installed, or its model fails to load) the band falls back to the single threshold.
Kiwi costs ~0.4 s and ~330 MB per process, only in processes that OCR Korean text.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Sequence

logger = logging.getLogger(__name__)

# Gap between two Hangul words, in word heights: below the band a join, above it a space, inside it Kiwi decides.
AMBIGUOUS_GAP = (0.25, 0.45)
# Where Kiwi cannot be had: the one threshold used before (chosen on page 2 of the Korean sample).
SINGLE_THRESHOLD = 0.35

_lock = threading.Lock()
_kiwi: Any = None
_unavailable = False


def _model() -> Any:
    """The process's Kiwi, loaded on first use; None when kiwipiepy cannot be had (said once)."""
    global _kiwi, _unavailable
    if _kiwi is not None or _unavailable:
        return _kiwi
    with _lock:
        if _kiwi is None and not _unavailable:
            try:
                from kiwipiepy import Kiwi

                # Without the multi-word and typo dictionaries: the same spacing here, ~40% less memory.
                _kiwi = Kiwi(num_workers=0, load_multi_dict=False, load_typo_dict=False)
            except Exception as err:  # ImportError, or a model file that does not load: the threshold still works
                _unavailable = True
                logger.info("Korean OCR spacing uses the pixel gap only (kiwipiepy unavailable: %s)", err)
    return _kiwi


def decide_spaces(text: str, candidates: Sequence[int]) -> set[int] | None:
    """Of the `candidates` (indexes into `text` where a word starts that was joined to the one before it), those
    where a space belongs. None when Kiwi is unavailable or rewrote more than the spacing (then nothing it says
    is trusted); the caller then applies SINGLE_THRESHOLD."""
    kiwi = _model()
    if kiwi is None:
        return None
    try:
        spaced = kiwi.space(text, reset_whitespace=False)
    except Exception as err:  # a model failure on one line must not cost the page its text
        logger.debug("Kiwi could not space %r: %s", text[:40], err)
        return None
    if spaced.replace(" ", "") != text.replace(" ", ""):
        return None
    position, _ = _ordinals(text)
    _, spaced_before = _ordinals(spaced)
    return {index for index in candidates if index in position and position[index] in spaced_before}


def available() -> bool:
    """Whether Kiwi decides the ambiguous gaps in this process (loads it)."""
    return _model() is not None


def _ordinals(text: str) -> tuple[dict[int, int], set[int]]:
    """Each non-space character's index -> its ordinal among the non-space characters, and the ordinals of those
    that follow a space (the two texts compared are the same characters, spaced differently)."""
    position: dict[int, int] = {}
    after_space: set[int] = set()
    for index, char in enumerate(text):
        if char == " ":
            continue
        if index and text[index - 1] == " ":
            after_space.add(len(position))
        position[index] = len(position)
    return position, after_space
