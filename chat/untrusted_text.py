"""Document text on its way to the answer model: the per-request fence around it, and the escapes that keep a
document from forging that fence or docrag's source labels.

Every string a document controls (file name, caption, heading path, body text, OCR text, table cells) reaches the
model only inside the fence, after `quote_untrusted`: runs of three or more `<` or `>` (or look-alikes) become HTML
entities, the request's fence code is masked, and `[S2]`-shaped labels become `[doc:S2]`, which no citation parser
reads as a key.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

# Runs of fence characters or their look-alikes (single and double angle quotation marks, full-width and CJK
# angle brackets): a document line like ">>>", "›››" or "<<<DATA 1f2e" must not read as a fence marker.
_OPENERS = "<\u2039\u00ab\uff1c\u2329\u3008\u300a"
_CLOSERS = ">\u203a\u00bb\uff1e\u232a\u3009\u300b"
_FENCE_RUN = re.compile(f"[{_OPENERS}]{{3,}}|[{_CLOSERS}]{{3,}}")
_ENTITY = {"<": "&lt;", ">": "&gt;"}
# An opening bracket (ASCII, full-width, CJK or mathematical look-alikes), then a key-like "S<digits>" (blanks
# allowed): the shape of a docrag source label, whatever the document wrote around it.
# Zero-width characters between the parts are skipped too: they hide nothing from a model.
_LABEL = re.compile(r"[\[\uFF3B\u3010\u3014\u3016\u27E6\u2983][\s\u200B-\u200F\u2060\uFEFF]*[Ss]"
                    r"[\s\u200B-\u200F\u2060\uFEFF]*(?=\d)")
FORGED_LABEL_PREFIX = "[doc:S"


@dataclass(frozen=True)
class Fence:
    """The markers around one request's document data: `<<<DATA <code>` and `END DATA <code>>>>`.

    code: 12 random hex digits drawn per request (`Fence.new()`), so a document cannot know, and so cannot
    write, the line that closes its own data.
    """

    code: str

    @classmethod
    def new(cls) -> "Fence":
        """A fence with a fresh random code."""
        return cls(secrets.token_hex(6))

    @property
    def open(self) -> str:
        return f"<<<DATA {self.code}"

    @property
    def close(self) -> str:
        return f"END DATA {self.code}>>>"


def neutralise_fences(text: str) -> str:
    """`text` with runs of three or more `<` or `>` (or look-alikes) written as HTML entities (`&lt;&lt;&lt;`,
    `&#8250;&#8250;&#8250;`)."""
    return _FENCE_RUN.sub(lambda m: "".join(_ENTITY.get(c, f"&#{ord(c)};") for c in m.group(0)), text)


def escape_labels(text: str) -> str:
    """`text` with every `[S<n>]`-shaped label (any bracket style) written `[doc:S<n>]`, visibly not a key."""
    return _LABEL.sub(FORGED_LABEL_PREFIX, text)


def quote_untrusted(text: str, fence: Fence | None = None) -> str:
    """Document-controlled `text` made safe to place inside `fence`: fence look-alikes written as entities, the
    fence's code masked, source labels escaped."""
    text = neutralise_fences(text)
    if fence is not None and fence.code in text:
        text = text.replace(fence.code, "#" * len(fence.code))
    return escape_labels(text)


def quote_line(text: str, fence: Fence | None = None) -> str:
    """`quote_untrusted` on one line: blanks (newlines included) collapsed, for file names, captions, headings."""
    return quote_untrusted(" ".join(text.split()), fence)
