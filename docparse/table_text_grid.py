"""Whitespace-aligned tables: columns from where the text sits, with dot leaders and dashed rules as separators.

Typewriter-style tables ("0.99 .......... 800   880   960") have no ruling lines; their columns exist only as
gaps that line up from row to row. The table-structure model reads some of them as one or two wide columns. This
module gives:

- `strip_leaders`: a cell's text without dot leaders ("Robbery . . . . ." -> "Robbery"): leaders join a label to
  its value on paper and are not content;
- `split_at_leaders`: a model row whose label cell also holds the value printed after the leaders ("Robbery . . .
  102.1", "") gets the value moved into the empty cell to its right;
- `text_grid`: the grid of a table region built from the words alone: words split into segments at gaps wider
  than a few character widths, column borders where a gap runs through (nearly) every row that has two or more
  segments; a segment crossing a border spans those columns (its text in the first slot);
- `under_split_rows`: how many of the model's rows have a cell holding two or more numbers set apart by such gaps,
  the evidence that the model merged columns, on which the caller swaps in `text_grid`.
"""
from __future__ import annotations

import re
from typing import Sequence

from docparse.table_repair import is_amount

Grid = list[list[str]]
Word = Sequence  # (x0, y0, x1, y1, text, block, line, word_no)

# Four or more dots, spaced or not ("....", ". . . ."), are a leader; three are an ellipsis and stay.
_LEADER = re.compile(r"\s*(?:[.·](?:\s?)){4,}\s*")
_RULE = re.compile(r"^[-_=–—.·]{3,}$")  # a word that is only a dashed or dotted rule
_DOT = re.compile(r"^[.·]+$")
SEGMENT_GAP_CHARS = 1.6  # a gap wider than this many character widths parts two cells on one line
GAP_TOLERANCE = 0.1  # share of multi-segment rows that may cross a column border (spanning headers, titles)
MIN_TEXT_ROWS = 3  # rows with two or more segments needed before columns are read from the text


def strip_leaders(text: str) -> str:
    """The text without dot leaders; inner leaders become a space ("Total .... 12" -> "Total 12")."""
    if "." not in text and "·" not in text:
        return text
    return _LEADER.sub(" ", text).strip()


def split_at_leaders(row: Sequence[str]) -> list[str]:
    """Move the text printed after a cell's dot leaders into the next cell when that cell is empty."""
    out = list(row)
    for j in range(len(out) - 1):
        if out[j + 1] or "." not in out[j]:
            continue
        parts = _LEADER.split(out[j])
        if len(parts) >= 2 and parts[0].strip() and parts[-1].strip():
            out[j], out[j + 1] = " ".join(p.strip() for p in parts[:-1]), parts[-1].strip()
    return out


def _char_width(word: Word) -> float:
    return (word[2] - word[0]) / max(len(str(word[4])), 1)


def _clean_words(words: Sequence[Word]) -> list[tuple[float, float, float, float, str]]:
    """Words without leaders and rules. A number's box is narrowed to its glyphs: PDF writers often put the
    leader's spaces in the same word, which would close the gap before it."""
    out = []
    for w in words:
        text = str(w[4])
        x0, y0, x1, y1 = float(w[0]), float(w[1]), float(w[2]), float(w[3])
        if _RULE.match(text):
            continue
        stripped = _LEADER.sub(" ", text).strip() if len(text) >= 4 else text
        if not stripped or _DOT.match(stripped) and len(stripped) > 1:
            continue
        if stripped != text:  # "0.99......" -> "0.99", box cut to the kept characters
            x1 = x0 + (x1 - x0) * len(stripped) / len(text)
        if is_amount(stripped):
            x0 = max(x0, x1 - len(stripped) * 0.6 * (y1 - y0))
        out.append((x0, y0, x1, y1, stripped))
    return _drop_dot_runs(out)


def _drop_dot_runs(words: list) -> list:
    """Single-dot words in runs of three or more on one line (a leader set dot by dot) are dropped."""
    words = sorted(words, key=lambda w: (round((w[1] + w[3]) / 2), w[0]))
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        j = i
        level = words[i][1] + words[i][3]
        while j < len(words) and _DOT.match(words[j][4]) and abs(words[j][1] + words[j][3] - level) < 2:
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                keep[k] = False
        i = max(j, i + 1)
    return [w for w, k in zip(words, keep) if k]


def _lines(words: list) -> list[list]:
    lines: list[list] = []
    for w in sorted(words, key=lambda w: (w[1] + w[3]) / 2):
        centre, height = (w[1] + w[3]) / 2, max(w[3] - w[1], 1.0)
        if lines and abs(centre - sum((v[1] + v[3]) / 2 for v in lines[-1]) / len(lines[-1])) < 0.5 * height:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w[0]) for line in lines]


def _segments(line: list, char: float) -> list[tuple[float, float, str, int]]:
    """(x0, x1, text, amounts) of each run of words on a line parted by gaps wider than SEGMENT_GAP_CHARS."""
    segs: list[list] = [[line[0]]]
    for a, b in zip(line, line[1:]):
        if b[0] - a[2] > SEGMENT_GAP_CHARS * char:
            segs.append([])
        segs[-1].append(b)
    return [(s[0][0], max(w[2] for w in s), " ".join(w[4] for w in s), sum(1 for w in s if is_amount(w[4])))
            for s in segs]


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


def _line_segments(words: Sequence[Word]) -> tuple[list[tuple[float, float, list[tuple]]], float]:
    """Each text line as (top, bottom, segments), and the median character width."""
    clean = _clean_words(words)
    char = _median([_char_width(w) for w in clean if len(w[4]) >= 2]) or 5.0
    return [(min(w[1] for w in line), max(w[3] for w in line), _segments(line, char))
            for line in _lines(clean)], char


def _borders(rows: list[list[tuple]], char: float) -> list[float]:
    """x positions of column borders: gaps that (nearly) every multi-segment row leaves open."""
    multi = [r for r in rows if len(r) >= 2]
    if len(multi) < MIN_TEXT_ROWS:
        return []
    left = min(s[0] for r in multi for s in r)
    right = max(s[1] for r in multi for s in r)
    step = 0.5
    n = int((right - left) / step) + 1
    cover = [0] * n
    for r in multi:
        for x0, x1, _, _ in r:
            for k in range(max(0, int((x0 - left) / step)), min(n, int((x1 - left) / step) + 1)):
                cover[k] += 1
    allowed = int(GAP_TOLERANCE * len(multi))
    borders, start = [], None
    for k in range(n + 1):
        open_ = k < n and cover[k] <= allowed
        if open_ and start is None:
            start = k
        elif not open_ and start is not None:
            if start > 0 and k < n and (k - start) * step >= 0.5 * char:
                # the emptiest stretch of the gap, its middle when several are equally empty
                low = min(cover[start:k])
                lows = [i for i in range(start, k) if cover[i] == low]
                borders.append(left + (lows[0] + lows[-1]) / 2 * step)
            start = None
    return borders


def text_borders(words: Sequence[Word]) -> list[float]:
    """x positions of the column borders that the words' gaps show ([] below MIN_TEXT_ROWS multi-cell rows)."""
    if not words:
        return []
    lines, char = _line_segments(words)
    return _borders([segs for _, _, segs in lines], char)


def text_grid(words: Sequence[Word]) -> Grid:
    """The grid of a whitespace table read from its words (see module docstring); [] when fewer than
    MIN_TEXT_ROWS rows show two or more cells."""
    if not words:
        return []
    lines, char = _line_segments(words)
    rows = [segs for _, _, segs in lines]
    borders = _borders(rows, char)
    if not borders:
        return []
    width = len(borders) + 1

    def column(x: float) -> int:
        return sum(1 for b in borders if x > b)

    grid: Grid = []
    for segs in rows:
        row = [""] * width
        for x0, x1, text, _ in segs:
            j = column(x0 + 0.5)
            row[j] = f"{row[j]} {text}".strip()
        if any(row):
            grid.append(row)
    return grid


def under_split_rows(cell_rows: Sequence[Sequence], words: Sequence[Word]) -> int:
    """Rows of a model grid (`cell_rows`: each row's cell boxes, None where missing) in which one cell holds two
    or more numbers on one line that the text sets apart as separate cells."""
    if not words:
        return 0
    lines, _ = _line_segments(words)
    segs = [(s, (y0, y1)) for y0, y1, line in lines for s in line]
    count = 0
    for boxes in cell_rows:
        hit = False
        for box in boxes or ():
            if box is None:
                continue
            per_line: dict[float, int] = {}
            for (x0, x1, _, amounts), (y0, y1) in segs:
                if amounts and box[0] <= (x0 + x1) / 2 <= box[2] and box[1] <= (y0 + y1) / 2 <= box[3]:
                    per_line[y0] = per_line.get(y0, 0) + 1
            if any(n >= 2 for n in per_line.values()):
                hit = True
                break
        count += hit
    return count
