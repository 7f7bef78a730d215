"""Resolving `[S1]`-style markers in an answer to the evidence they name.

Models sometimes cite keys they were never shown (hallucinated or copied from history); those markers are removed
from the text so the user never sees a citation that points nowhere.
"""
from __future__ import annotations

import re
from typing import Sequence

from chat.answer import Citation
from chat.context import EvidenceItem

# One bracket holding one or more keys: [S1], [S2, S3], [S2; S3], [s4 S5]. Leading blanks are part of the match
# so that removing a marker does not leave a space before the following punctuation.
_MARKER = re.compile(r"(?P<ws>[ \t]*)\[(?P<body>\s*S\d+(?:\s*[,;]?\s*S\d+)*\s*)\]", re.IGNORECASE)
_KEY = re.compile(r"S(\d+)", re.IGNORECASE)


def parse_citations(text: str, items: Sequence[EvidenceItem]) -> tuple[str, tuple[Citation, ...]]:
    """The answer text with unknown keys removed, and one Citation per known key in order of first appearance.

    Known keys inside a bracket are kept (normalised to `[S1, S3]`); a bracket with no known key disappears along
    with the blank before it, without leaving double spaces or empty brackets.
    """
    by_key = {item.key.upper(): item for item in items}
    cited: dict[str, Citation] = {}
    out: list[str] = []
    pos = 0
    eat_blanks = False  # a marker was removed at the start of a line: drop the blanks that followed it
    for m in _MARKER.finditer(text):
        segment = text[pos:m.start()]
        if eat_blanks:
            segment = segment.lstrip(" \t")
        out.append(segment)
        pos = m.end()
        keys: list[str] = []
        for number in _KEY.findall(m.group("body")):
            key = f"S{int(number)}"
            if key in by_key and key not in keys:
                keys.append(key)
        if keys:
            for key in keys:
                cited.setdefault(key, Citation(key=by_key[key].key, element=by_key[key].element))
            out.append(f"{m.group('ws')}[{', '.join(keys)}]")
            eat_blanks = False
            continue
        following = text[pos:pos + 1]
        before = "".join(out)[-1:]
        if m.group("ws") and following.isalnum():
            out.append(" ")  # "see [S9]and" -> "see and": keep the words apart
        eat_blanks = before in ("", "\n")
    tail = text[pos:]
    if eat_blanks:
        tail = tail.lstrip(" \t")
    out.append(tail)
    return "".join(out).rstrip(), tuple(cited.values())
