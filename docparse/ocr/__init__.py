"""OCR engines behind one small Protocol, chosen by name from a dict registry.

An engine turns an image (PIL, already within the caller's pixel budget) into text lines with a box in image
pixels and a confidence. Engines import their heavy libraries lazily; `engine_for` resolves a
`ParseOptions.ocr` choice once per process and, when the engine cannot run (binary or package missing), logs ONE
warning naming what to install and returns None so parsing goes on without OCR.

Default engine ("auto"): Tesseract, chosen by measurement (bench/ocr_accuracy.py, bench/results/ocr-accuracy.md):
on image-only renders of real text pages Tesseract read English at 0.986 character accuracy and Korean at 0.853
(0.987 and 0.885 since docparse.ocr.page_regions); rapidocr's bundled PP-OCRv4 models read English at 0.587
(they drop most word spaces) and Korean at 0.102 (their recognizer is Chinese/English only), and were 2-5x slower
per page on the 2-core machine. So one default serves both scripts. When Tesseract is missing, "auto" falls back
to rapidocr (and warns if Korean was asked for).
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

PixelBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class OcrLine:
    """One recognised line (a run of words on one baseline, never across a column gutter): its text, its box in
    image pixels (x0, y0, x1, y1; origin top-left) and the engine's confidence in [0, 1]."""

    text: str
    bbox: PixelBox
    confidence: float


@runtime_checkable
class OcrEngine(Protocol):
    """An OCR backend. `scripts`: the writing systems its models read ("latin", "hangul", "han") - the capability
    the "auto" choice and the language warning use. `unavailable()` returns None when the engine can run, else a
    one-line reason naming what to install. `recognize(image, languages, sparse)`: lines of the image;
    `languages` is a Tesseract-style "eng+kor" string (engines with fixed models ignore it); `sparse` asks for
    scattered text (chart labels, legends) rather than a page of paragraphs."""

    name: str
    scripts: frozenset[str]

    def unavailable(self) -> str | None: ...

    def recognize(self, image: "Image.Image", languages: str, sparse: bool = False) -> list[OcrLine]: ...


# name -> "module:Class"; imported on first use so that listing choices stays cheap.
OCR_ENGINES: dict[str, str] = {
    "tesseract": "docparse.ocr.tesseract_engine:TesseractEngine",
    "rapidocr": "docparse.ocr.rapidocr_engine:RapidOcrEngine",
}
OCR_CHOICES = ("auto", "off", *OCR_ENGINES)
# "auto" tries these in order (see the module docstring for the measurement behind the order).
AUTO_ORDER = ("tesseract", "rapidocr")
_LANGUAGE_SCRIPTS = {"eng": "latin", "kor": "hangul", "chi_sim": "han", "chi_tra": "han"}


def validate_choice(choice: str) -> str:
    """`choice` if it names an OCR mode, else a ValueError listing the valid ones."""
    if choice not in OCR_CHOICES:
        raise ValueError(f"unknown OCR choice {choice!r}; choose one of {', '.join(OCR_CHOICES)}")
    return choice


def get_engine(name: str) -> OcrEngine:
    """A new engine instance registered under `name` (see OCR_ENGINES)."""
    if name not in OCR_ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(OCR_ENGINES)}")
    module_name, class_name = OCR_ENGINES[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)()


def wanted_scripts(languages: str) -> set[str]:
    """Writing systems named by a Tesseract-style language string ("eng+kor" -> {"latin", "hangul"})."""
    return {_LANGUAGE_SCRIPTS.get(code, code) for code in languages.split("+") if code}


@lru_cache(maxsize=16)
def engine_for(choice: str, languages: str) -> OcrEngine | None:
    """The engine for a `ParseOptions.ocr` choice, or None for "off" or when no engine can run (logged once per
    process and choice: cached, so a batch of documents warns once)."""
    validate_choice(choice)
    if choice == "off":
        return None
    names: Sequence[str] = AUTO_ORDER if choice == "auto" else (choice,)
    reasons = []
    for name in names:
        engine = get_engine(name)
        reason = engine.unavailable()
        if reason is None:
            missing = wanted_scripts(languages) - engine.scripts
            if missing:
                logger.warning("OCR engine %s does not read %s (languages %r); that text will come out wrong%s",
                               name, ", ".join(sorted(missing)), languages,
                               "; install tesseract-ocr-kor and use --ocr tesseract" if "hangul" in missing else "")
            return engine
        reasons.append(f"{name}: {reason}")
    logger.warning("OCR is off for this run: %s. Image-only pages and figures will have no OCR text.",
                   "; ".join(reasons))
    return None
