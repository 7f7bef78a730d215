"""Token-aware chunking of body text into retrieval-sized pieces.

Chunks are built from the text blocks of one section on one page: paragraphs are packed greedily up to the token
budget; a paragraph too long for one chunk is split at sentence boundaries (and a sentence too long at word
boundaries). Consecutive chunks share about `overlap` tokens so a fact cut at a border is still whole in one.
Callers never pass blocks from two sections or two pages, so a chunk never crosses a heading or a page.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from docparse.element import BBox
from docparse.scripts import CJK

logger = logging.getLogger(__name__)

TokenCounter = Callable[[str], int]

# CJK ideographs, kana and Hangul: written without spaces, so they are counted per character.
_CJK = re.compile(f"[{CJK}]")
# A sentence ends at . ! ? (or their CJK forms, or Korean "다.") followed by space; abbreviations may split early,
# which only costs a slightly smaller chunk.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass(frozen=True)
class TextBlock:
    """A paragraph of body text and its box on the page (None for formats without geometry)."""

    text: str
    bbox: BBox | None = None


@dataclass(frozen=True)
class Chunk:
    """One retrieval-sized piece of text and the union box of the blocks it came from."""

    text: str
    bbox: BBox | None
    tokens: int


def estimate_tokens(text: str) -> int:
    """A tokenizer-free token estimate: about 1.3 tokens per space-separated word (WordPiece/BPE split long and
    rare words) plus one token per 1.5 CJK/Hangul characters (sub-word tokenizers split Hangul syllables finely)."""
    cjk = len(_CJK.findall(text))
    words = len(_CJK.sub(" ", text).split())
    return math.ceil(1.3 * words + cjk / 1.5)


@lru_cache(maxsize=8)
def _load_tokenizer(folder: str):
    from tokenizers import Tokenizer  # heavy-ish native library: only when a tokenizer is configured

    tok = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    # tokenizer.json files often carry padding/truncation to the model length, which would make every count equal
    tok.no_padding()
    tok.no_truncation()
    return tok


def token_counter(tokenizer: str | None = None) -> TokenCounter:
    """A function counting tokens: with the Hugging Face tokenizer in folder `tokenizer` (loaded once per path),
    else `estimate_tokens`."""
    if tokenizer is None:
        return estimate_tokens
    path = Path(tokenizer) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer folder {tokenizer!r} has no tokenizer.json")
    tok = _load_tokenizer(str(Path(tokenizer)))
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def union_bbox(boxes: Sequence[BBox | None]) -> BBox | None:
    """The smallest box holding all given boxes (None entries ignored; None if there are none)."""
    real = [b for b in boxes if b is not None]
    if not real:
        return None
    return (min(b[0] for b in real), min(b[1] for b in real), max(b[2] for b in real), max(b[3] for b in real))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph (split after . ! ? and their CJK forms)."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def _word_windows(text: str, max_tokens: int, count: TokenCounter) -> list[str]:
    """Split an over-long sentence at word boundaries (CJK runs without spaces by characters)."""
    words = text.split()
    if len(words) <= 1:
        words = list(text)
        joiner = ""
    else:
        joiner = " "
    pieces, current = [], []
    for word in words:
        if current and count(joiner.join(current + [word])) > max_tokens:
            pieces.append(joiner.join(current))
            current = []
        current.append(word)
    if current:
        pieces.append(joiner.join(current))
    return pieces


def _units(blocks: Sequence[TextBlock], max_tokens: int, count: TokenCounter) -> list[tuple[str, int, int]]:
    """(text, tokens, block index) units no larger than the budget: paragraphs, else sentences, else word windows."""
    units: list[tuple[str, int, int]] = []
    for bi, block in enumerate(blocks):
        text = block.text.strip()
        if not text:
            continue
        n = count(text)
        if n <= max_tokens:
            units.append((text, n, bi))
            continue
        for sentence in split_sentences(text):
            n = count(sentence)
            if n <= max_tokens:
                units.append((sentence, n, bi))
            else:
                units.extend((piece, count(piece), bi) for piece in _word_windows(sentence, max_tokens, count))
    return units


def chunk_blocks(blocks: Sequence[TextBlock], max_tokens: int = 220, overlap: int = 30,
                 count: TokenCounter = estimate_tokens) -> list[Chunk]:
    """Pack text blocks into chunks of at most about `max_tokens` tokens, each new chunk starting with up to
    `overlap` tokens of trailing sentences from the previous one. A chunk's bbox is the union of its blocks'."""
    if max_tokens <= 0:
        raise ValueError(f"chunk size must be positive, got {max_tokens}")
    overlap = max(0, min(overlap, max_tokens // 2))
    chunks: list[Chunk] = []
    current: list[tuple[str, int, int]] = []
    size = 0

    def flush() -> None:
        if current:
            text = "\n\n".join(u[0] for u in current)
            bbox = union_bbox([blocks[i].bbox for i in sorted({u[2] for u in current})])
            chunks.append(Chunk(text=text, bbox=bbox, tokens=count(text)))

    for unit in _units(blocks, max_tokens, count):
        if current and size + unit[1] > max_tokens:
            flush()
            carried: list[tuple[str, int, int]] = []
            if overlap:
                tail = current[-1]
                sentences = split_sentences(tail[0])
                kept: list[str] = []
                for sentence in reversed(sentences):
                    if count(" ".join([sentence] + kept)) > overlap:
                        break
                    kept.insert(0, sentence)
                if kept:
                    text = " ".join(kept)
                    carried = [(text, count(text), tail[2])]
            current = carried if carried and carried[0][1] + unit[1] <= max_tokens else []
            size = sum(u[1] for u in current)
        current.append(unit)
        size += unit[1]
    flush()
    return chunks
