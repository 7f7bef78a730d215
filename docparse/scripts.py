"""Character classes of the scripts written without spaces between words (Hangul, Han, kana), in one place so that
chunking, OCR clean-up, tokenizing and question reading agree on what counts as Korean or CJK text.

The classes are regular-expression fragments (no brackets) so callers can combine them in their own patterns:
`re.compile(f"[{HANGUL}]+")`, `rf"(?<![{HANGUL_SYLLABLES}])표"`.
"""
from __future__ import annotations

import re

# Precomposed syllables (가-힣): what Korean text is written in. A word boundary check ("표" but not "대표") needs
# only these.
HANGUL_SYLLABLES = "\uac00-\ud7a3"
# Conjoining jamo and compatibility jamo: decomposed text and lone letters (ㄱ, ㅏ) that OCR and old files produce.
HANGUL_JAMO = "\u1100-\u11ff\u3130-\u318f"
HANGUL = HANGUL_SYLLABLES + HANGUL_JAMO
# Kana, CJK ideographs (extension A, the unified block, compatibility ideographs).
HAN_KANA = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Every script that runs words together: counted per character by chunking, split into bigrams by the tokenizers.
CJK = HANGUL + HAN_KANA

_HANGUL_CHAR = re.compile(f"[{HANGUL}]")
_HAN_KANA_CHAR = re.compile(f"[{HAN_KANA}]")


def is_hangul(ch: str) -> bool:
    """Whether the character `ch` is a Hangul syllable or jamo."""
    return _HANGUL_CHAR.match(ch) is not None


def is_han_or_kana(ch: str) -> bool:
    """Whether the character `ch` is a CJK ideograph or kana."""
    return _HAN_KANA_CHAR.match(ch) is not None
