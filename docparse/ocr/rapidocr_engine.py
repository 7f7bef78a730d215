"""rapidocr-onnxruntime: PaddleOCR's PP-OCRv4 detection + recognition models as ONNX, installed from PyPI.

The models bundled in the wheel (ch_PP-OCRv4_det/rec, ch_ppocr_mobile_v2.0_cls) read simplified Chinese and
English only: Hangul comes back as Latin look-alikes or nothing, so Korean needs Tesseract. The engine is loaded
once per process (three ONNX sessions, about a second) and reused.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from docparse.ocr import OcrLine

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install rapidocr-onnxruntime"


@lru_cache(maxsize=1)
def _load():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


class RapidOcrEngine:
    """rapidocr-onnxruntime with its bundled Chinese/English models; `languages` is ignored."""

    name = "rapidocr"
    scripts = frozenset({"latin", "han"})

    def unavailable(self) -> str | None:
        import importlib.util

        if importlib.util.find_spec("rapidocr_onnxruntime") is None:
            return f"the rapidocr-onnxruntime package is not installed ({INSTALL_HINT})"
        return None

    def recognize(self, image: "Image.Image", languages: str, sparse: bool = False) -> list[OcrLine]:
        """Lines of `image` (rapidocr detects text lines itself; `sparse` changes nothing here)."""
        result, _ = _load()(image.convert("RGB"))
        out = []
        for points, text, score in result or ():
            xs = [float(p[0]) for p in points]
            ys = [float(p[1]) for p in points]
            if text.strip():
                out.append(OcrLine(text=text.strip(), bbox=(min(xs), min(ys), max(xs), max(ys)),
                                   confidence=float(score)))
        return out
