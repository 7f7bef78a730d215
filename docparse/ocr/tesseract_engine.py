"""Tesseract OCR through pytesseract (Debian packages tesseract-ocr, tesseract-ocr-eng, tesseract-ocr-kor).

pytesseract runs the `tesseract` binary once per image and asks for its TSV output: one row per word with the
block / paragraph / line numbers of Tesseract's own page layout analysis, a box and a confidence. Words are
joined into lines here, and the (block, paragraph) key lets the caller rebuild paragraphs in reading order
without its own column analysis.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import statistics
from functools import lru_cache
from typing import TYPE_CHECKING

from docparse.ocr import OcrLine, korean_spacing
from docparse.scripts import HANGUL

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor (and pip install pytesseract)"
# Page segmentation modes: 3 = automatic page layout (columns, paragraphs); 11 = sparse text in no order (the
# labels and legends of a chart, where mode 3 looks for paragraphs that are not there).
_PSM_PAGE, _PSM_SPARSE = 3, 11
_PSM_COLUMN = 4  # one column of text of varying sizes: stacked page regions; the fallback when mode 3 finds nothing
# A gap wider than this many word heights inside one Tesseract line is a column gutter, not a word space.
COLUMN_GAP = 1.5
# Hangul and the CJK brackets set beside it (「」『』〈〉): Korean particles attach to what precedes them.
_HANGUL = re.compile(f"[{HANGUL}\u3008-\u3011]")
# More regions than this are not columns of text but a form or a table: Tesseract's own layout analysis reads it.
MAX_STACKED_REGIONS = 60
# White space between stacked regions, as a share of the page width (plus 10 px): about two lines of body text at
# 300 dpi, so Tesseract never joins the last line of one region to the first of the next.
STACK_MARGIN_SHARE = 0.04
# Per-image wall-clock limit (seconds): a pathological image must not hang a batch. Generous, because a page
# that takes 13 s alone took 90-130 s on this 2-core machine while other jobs ran (120 s cut real pages off).
TIMEOUT_S = 600


@lru_cache(maxsize=1)
def _installed_languages() -> frozenset[str]:
    import pytesseract

    return frozenset(pytesseract.get_languages(config=""))


class TesseractEngine:
    """Tesseract 4/5 (LSTM models). Reads whatever language data is installed; Latin and Hangul with the
    packages named in INSTALL_HINT."""

    name = "tesseract"

    @property
    def scripts(self) -> frozenset[str]:
        langs = _installed_languages() if self.unavailable() is None else frozenset()
        return frozenset(s for code, s in (("eng", "latin"), ("kor", "hangul"), ("chi_sim", "han"),
                                           ("chi_tra", "han")) if code in langs)

    def unavailable(self) -> str | None:
        try:
            import pytesseract  # noqa: F401
        except ImportError:
            return f"the pytesseract package is not installed ({INSTALL_HINT})"
        if shutil.which("tesseract") is None:
            return f"the tesseract binary is not on PATH ({INSTALL_HINT})"
        return None

    def usable_languages(self, languages: str) -> str:
        """The installed subset of a "eng+kor" string (missing ones are warned about once), or "eng"."""
        wanted = [code for code in languages.split("+") if code]
        installed = _installed_languages()
        missing = [code for code in wanted if code not in installed]
        if missing:
            _warn_missing(tuple(missing))
        kept = [code for code in wanted if code in installed]
        return "+".join(kept) if kept else "eng"

    def recognize(self, image: "Image.Image", languages: str, sparse: bool = False) -> list[OcrLine]:
        """Lines of `image` (Tesseract lines, cut at column gutters)."""
        # Tesseract's OpenMP threads fight each other (and our worker processes) on a busy machine: measured here,
        # a page took 58 s with the default threads and 12 s with one. The user's own setting wins.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        lang = self.usable_languages(languages)
        data = _image_data(image, lang, _PSM_SPARSE) if sparse else _page_data(image, lang)
        if not sparse and not any(t.strip() for t in data["text"]):
            # Mode 3's layout analysis sometimes declares a page with widely spaced text "empty"; one column of
            # text of varying size (mode 4) still reads it. Costs a second pass only on pages that came back empty.
            data = _image_data(image, lang, _PSM_COLUMN)
        lines: dict[tuple[int, int, int], list[int]] = {}
        for i, text in enumerate(data["text"]):
            if text.strip() and float(data["conf"][i]) >= 0:
                lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
        out = []
        for idx in lines.values():
            for segment in _segments(data, idx):
                out.append(_line(data, segment))
        return out


def _image_data(image: "Image.Image", lang: str, psm: int) -> dict:
    import pytesseract

    return pytesseract.image_to_data(image, lang=lang, config=f"--psm {psm}", output_type=pytesseract.Output.DICT,
                                     timeout=TIMEOUT_S)


def _page_data(image: "Image.Image", lang: str) -> dict:
    """Tesseract's words of a page of text. A page that white space cuts into several regions (columns,
    separated blocks) is read as those regions stacked into one column (docparse.ocr.page_regions, which says
    why), and each word's box is mapped back onto the page; a page of one region, or of so many that they are
    not columns of text (a form, a table), goes to Tesseract's own layout analysis."""
    import numpy as np

    from docparse.ocr import page_regions

    regions = page_regions.text_regions(np.asarray(image.convert("L")))
    if not 1 < len(regions) <= MAX_STACKED_REGIONS:
        return _image_data(image, lang, _PSM_PAGE)
    margin = int(STACK_MARGIN_SHARE * image.width) + 10
    stacked, placements = page_regions.stack(image, regions, margin)
    data = _image_data(stacked, lang, _PSM_COLUMN)
    keep = []
    for i in range(len(data["text"])):
        leaf = page_regions.leaf_of(placements, data["top"][i] + data["height"][i] / 2, margin)
        if leaf is None:
            continue
        placed = placements[leaf]
        data["left"][i] += placed.region[0] - placed.left
        data["top"][i] += placed.region[1] - placed.top
        # Tesseract numbers blocks over the whole stack; the leaf keeps words of different regions apart.
        data["block_num"][i] = leaf * 10_000 + data["block_num"][i]
        keep.append(i)
    return {key: [values[i] for i in keep] for key, values in data.items()}


def _segments(data: dict, idx: list[int]) -> list[list[int]]:
    """A Tesseract line cut at gaps wider than COLUMN_GAP word heights: Tesseract sometimes reads straight across
    the gutter of a two-column page, and the halves belong to different paragraphs."""
    height = statistics.median(data["height"][i] for i in idx) or 1
    out = [[idx[0]]]
    for prev, cur in zip(idx, idx[1:]):
        if data["left"][cur] - (data["left"][prev] + data["width"][prev]) > COLUMN_GAP * height:
            out.append([])
        out[-1].append(cur)
    return out


def _line(data: dict, idx: list[int]) -> OcrLine:
    x0 = min(data["left"][i] for i in idx)
    x1 = max(data["left"][i] + data["width"][i] for i in idx)
    # The typical top and bottom of the words, not their union: one superscript or descender would make the
    # line taller than its neighbours and break it out of its paragraph.
    y0 = statistics.median(data["top"][i] for i in idx)
    y1 = statistics.median(data["top"][i] + data["height"][i] for i in idx)
    # Word confidence weighted by length, so one doubtful punctuation mark does not sink a line.
    weights = [len(data["text"][i].strip()) for i in idx]
    conf = sum(float(data["conf"][i]) * w for i, w in zip(idx, weights)) / (100.0 * sum(weights))
    text = _join_words([data["text"][i].strip() for i in idx], [data["left"][i] for i in idx],
                       [data["left"][i] + data["width"][i] for i in idx],
                       statistics.median(data["height"][i] for i in idx))
    return OcrLine(text=text, bbox=(x0, y0, x1, y1), confidence=conf)


def _join_words(words: list[str], lefts: list[int], rights: list[int], word_height: float) -> str:
    """Words of one line joined by spaces, except inside Korean words: Tesseract's Korean model often reports
    each Hangul syllable (and a bracket or number before a particle) as a word of its own. A tight pixel gap is a
    syllable break, a wide one a word space, and the gaps between are decided by a Korean language model
    (docparse.ocr.korean_spacing). Latin words keep Tesseract's own spacing."""
    low, high = korean_spacing.AMBIGUOUS_GAP
    out, undecided = words[0], []  # undecided: (index in out where the word starts, its gap in word heights)
    for k in range(1, len(words)):
        gap = (lefts[k] - rights[k - 1]) / (word_height or 1)
        hangul = _HANGUL.search(words[k - 1][-1:]) or _HANGUL.match(words[k])
        if not hangul or gap >= high:
            out += " " + words[k]
            continue
        if gap >= low:
            undecided.append((len(out), gap))
        out += words[k]
    if not undecided:
        return out
    spaced = korean_spacing.decide_spaces(out, [index for index, _ in undecided])
    if spaced is None:  # no language model here (or no answer from it): the single pixel threshold decides
        spaced = {index for index, gap in undecided if gap >= korean_spacing.SINGLE_THRESHOLD}
    for index in sorted(spaced, reverse=True):
        out = out[:index] + " " + out[index:]
    return out


@lru_cache(maxsize=8)
def _warn_missing(missing: tuple[str, ...]) -> None:
    logger.warning("Tesseract language data missing for %s; install tesseract-ocr-%s", "+".join(missing),
                   " tesseract-ocr-".join(missing))
