"""Cleaning a model's answer before anyone sees it, whether it streams or arrives whole.

What a model (steered by a document, or by mistake) may write that must not reach the user:

- citation keys that name no evidence (`[S77]`): dropped, with the blank before them;
- terminal control characters (an escape sequence can draw a hyperlink or rewrite the screen);
- links and images. A Markdown image is fetched by any viewer that renders Markdown, and a link or web address
  can carry conversation data to whoever wrote the document. Images and HTML tags that load or link are removed,
  a link keeps its words, and a web address stays, as plain text, only when it appears verbatim in evidence the
  answer cites.

`AnswerFilter` does this incrementally: `feed(piece)` returns the text that is safe to show now and holds back
only what may still turn into one of those patterns (an open `[S7`, `![`, `[text](`, `htt`, blanks that may
precede a key, or a web address from the evidence whose citation has not arrived yet); `close()` returns the rest.
Pieces are judged the same way however the text is split, so a streamed answer reads exactly like the same answer
cleaned whole.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import regex  # partial matching tells "may still match once more text arrives" from "cannot match"

from chat.answer import Citation
from chat.context import EvidenceItem

log = logging.getLogger(__name__)

_I = regex.IGNORECASE
_WS = r"(?P<ws>[ \t]*)"
_KEYS = r"\s*S\d+(?:\s*[,;]?\s*S\d+)*\s*"
# One bracket holding one or more keys: [S1], [S2, S3], [S2; S3], [s4 S5]. Leading blanks belong to the match so
# that removing a key does not leave a blank before the following punctuation.
_MARKER = regex.compile(_WS + r"\[(?P<body>" + _KEYS + r")\]", _I)
_KEY_BODY = regex.compile(_KEYS, _I)
_KEY = regex.compile(r"S(\d+)", _I)
_IMAGE = regex.compile(_WS + r"!\[[^\[\]\n]{0,500}\]\([^()\n]{0,4000}\)")
_LINK = regex.compile(_WS + r"\[(?P<text>[^\[\]\n]{0,500})\]\((?P<target>[^()\n]{0,4000})\)")
_SCHEMES = r"(?:https?|ftps?|file)://"
_AUTOLINK = regex.compile(r"<(?P<url>(?:" + _SCHEMES + r"|www\.)[^\s<>]{0,4000})>", _I)
# HTML that loads something or links somewhere when rendered.
_TAG = regex.compile(_WS + r"</?(?:a|img|image|iframe|frame|object|embed|video|audio|source|picture|svg|script|style"
                     r"|link|meta|form|input|base)\b[^<>]{0,2000}>", _I)
_URL = regex.compile(r"(?<![\w@.\-/])(?:" + _SCHEMES + r"|www\.)[^\s<>()\[\]{}\"'`|\\^]+", _I)
# Sentence punctuation right after a web address belongs to the sentence.
_URL_TRAILER = ".,;:!?*_~"
# Characters at which one of the patterns can start; every other character is plain text at once.
_STARTS = frozenset(" \t[!<hHfFwW")
# Terminal control characters: an escape sequence can draw a hyperlink (OSC 8), rewrite the screen or set the
# window title. Newlines and tabs are text.
_CONTROL = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LINK_REMOVED = "(link removed)"
_HOLD = object()
_KEEP_BEHIND = 64


@dataclass(frozen=True)
class _Address:
    """A web address from the evidence, shown as `kept` once the answer cites evidence that holds it (a key in
    `holders`), else as `dropped`."""

    kept: str
    dropped: str
    holders: frozenset[str]


class AnswerFilter:
    """The answer text cleaned against the evidence `items` it was written from (see the module docstring).

    links=False keeps links and web addresses as written and only resolves citation keys (for text that is not
    shown, e.g. earlier answers sent back as history). After `close()`, `text` is everything shown and
    `citations` one Citation per known key, in order of first appearance.
    """

    def __init__(self, items: Sequence[EvidenceItem], links: bool = True) -> None:
        self._items = {item.key.upper(): item for item in items}
        self._evidence = {key: "\n".join([item.element.text, item.element.caption or "", *item.element.section])
                          for key, item in self._items.items()}
        self._patterns = ((_IMAGE, _LINK, _TAG, _AUTOLINK, _MARKER, _URL) if links else (_MARKER,))
        self._raw = ""
        self._pos = 0
        self._queue: list[str | _Address] = []
        self._cited: dict[str, Citation] = {}
        self._shown: list[str] = []
        self._last = ""  # the last character put out (queued or shown): decides blank handling around keys
        self._eat_blanks = False  # a key was removed at the start of a line: drop the blanks that followed it
        self._closed = False

    # -- public --------------------------------------------------------------------------------------------
    def feed(self, piece: str) -> str:
        """Take the next piece of the answer; return the text that can be shown now (maybe "")."""
        if self._closed:
            raise ValueError("AnswerFilter.feed after close()")
        self._raw += _CONTROL.sub("", piece)
        self._scan(final=False)
        return self._release(final=False)

    def close(self) -> str:
        """The answer is complete: return the text still held back, judged now."""
        if self._closed:
            return ""
        self._closed = True
        self._scan(final=True)
        return self._release(final=True)

    def run(self, text: str) -> tuple[str, tuple[Citation, ...]]:
        """Clean a whole answer: (text, citations)."""
        self.feed(text)
        self.close()
        return self.text, self.citations

    @property
    def text(self) -> str:
        """Everything shown so far, without trailing blanks."""
        return "".join(self._shown).rstrip()

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(self._cited.values())

    # -- scanning ------------------------------------------------------------------------------------------
    def _scan(self, final: bool) -> None:
        self._pos = self._scan_text(self._raw, self._pos, final)
        if self._pos > _KEEP_BEHIND * 2:  # what is behind stays only as context for the web-address look-behind
            self._raw = self._raw[self._pos - _KEEP_BEHIND:]
            self._pos = _KEEP_BEHIND

    def _scan_text(self, raw: str, pos: int, final: bool) -> int:
        """Put out `raw` from `pos` up to where more text could still change what it means; returns that
        position (len(raw) when `final`)."""
        while pos < len(raw):
            if raw[pos] in _STARTS:
                found = self._match_at(raw, pos, final)
                if found is _HOLD:
                    break
                if found is not None:
                    pos = self._apply(found)
                    continue
            self._plain(raw[pos])
            pos += 1
        return pos

    def _match_at(self, raw: str, pos: int, final: bool):
        """The first complete pattern match at `pos`, None when none can match, or _HOLD when more text could
        still change the outcome (a partial match, or a match that reaches the end of what has arrived)."""
        chosen = None
        for pattern in self._patterns:
            m = pattern.match(raw, pos, partial=not final)
            if m is None:
                continue
            if m.partial:
                return _HOLD
            if chosen is None:
                chosen = m
        if chosen is not None and not final and chosen.end() >= len(raw):
            return _HOLD
        return chosen

    def _apply(self, m) -> int:
        """Put out what match `m` stands for; returns where scanning goes on in `m.string`."""
        pattern, following = m.re, m.string[m.end():m.end() + 1]
        if pattern is _MARKER:
            self._key_marker(m.group("ws"), m.group("body"), following)
        elif pattern is _LINK:
            text, target = m.group("text"), m.group("target").split()
            if _KEY_BODY.fullmatch(text):  # "[S1](url)": a key dressed up as a link
                self._key_marker(m.group("ws"), text, following)
            else:
                self._out(m.group("ws"))
                self._scan_text(text, 0, final=True)  # the link's words may hold addresses or tags too
                url = target[0].strip("<>") if target else ""
                self._address(url, kept=f" ({url})", dropped="", changes_last=False)
        elif pattern is _IMAGE:
            log.debug("answer: image %r removed", m.group(0)[:200])
            self._drop(m.group("ws"), following)
        elif pattern is _TAG:
            log.debug("answer: HTML tag %r removed", m.group(0)[:200])
            self._drop(m.group("ws"), following)
        elif pattern is _AUTOLINK:
            self._address(m.group("url"), kept=m.group("url"), dropped=LINK_REMOVED)
        else:  # a bare web address; punctuation right after it is the sentence's
            url = m.group(0).rstrip(_URL_TRAILER)
            self._address(url, kept=url, dropped=LINK_REMOVED)
            return m.start() + len(url)
        return m.end()

    def _key_marker(self, ws: str, body: str, following: str) -> None:
        keys: list[str] = []
        for number in _KEY.findall(body):
            key = f"S{int(number)}"
            if key in self._items and key not in keys:
                keys.append(key)
        if not keys:
            log.debug("answer: unknown citation %r removed", body)
            self._drop(ws, following)
            return
        for key in keys:
            item = self._items[key]
            self._cited.setdefault(key, Citation(key=item.key, element=item.element))
        self._out(f"{ws}[{', '.join(keys)}]")

    def _drop(self, ws: str, following: str) -> None:
        """Remove something (an unknown key, an image, a tag) together with its leading blanks, keeping the words on
        either side apart and leaving no blanks at the start of a line. following: the character after it."""
        before = self._last
        if ws and following.isalnum():
            self._out(" ")  # "see [S9]and" -> "see and"
        self._eat_blanks = before in ("", "\n")

    def _plain(self, char: str) -> None:
        if self._eat_blanks and char in " \t":
            return
        self._eat_blanks = False
        self._out(char)

    def _out(self, text: str) -> None:
        if text:
            self._queue.append(text)
            self._last = text[-1]
            self._eat_blanks = False

    def _address(self, url: str, kept: str, dropped: str, changes_last: bool = True) -> None:
        bare = url.split("://", 1)[1] if "://" in url else url
        holders = frozenset(key for key, text in self._evidence.items() if bare and (url in text or bare in text))
        if not holders:
            log.debug("answer: web address %r removed (not in the evidence)", url[:200])
            if dropped:
                self._out(dropped)
            return
        self._queue.append(_Address(kept, dropped, holders))
        if changes_last:
            self._last = "x"  # either form ends in a visible character
        self._eat_blanks = False

    def _release(self, final: bool) -> str:
        """Take from the queue everything that is decided; a web address waits for a citation of evidence that
        holds it, and is dropped when the answer ends without one."""
        out: list[str] = []
        cited = set(self._cited)
        while self._queue:
            head = self._queue[0]
            if isinstance(head, _Address):
                if head.holders & cited:
                    head = head.kept
                elif final:
                    log.debug("answer: web address removed (its evidence is not cited)")
                    head = head.dropped
                else:
                    break
            out.append(head)
            self._queue.pop(0)
        shown = "".join(out)
        self._shown.append(shown)
        return shown
