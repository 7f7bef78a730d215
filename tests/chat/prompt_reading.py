"""Reading the evidence back out of a prompt as the model receives it: which lines docrag wrote, and which data
lies inside each fence. Strict: a prompt whose structure a document could have bent fails here."""
from __future__ import annotations

import re
from dataclasses import dataclass

_PREAMBLE = re.compile(r'between the lines "<<<DATA (?P<code>[0-9a-f]{12})" and "END DATA (?P=code)>>>"')
_HEADER = re.compile(r"^\[(?P<key>S\d+)\] page (?P<page>\d+), (?P<kind>[a-z]+)$")
# The header of a value docrag derived from the items (chat.context.derived_block).
_DERIVED = re.compile(r"^Computed by docrag from (?P<keys>\[S\d+\](?:, \[S\d+\])*) "
                      r"\(check it against the evidence cited\):$")


@dataclass(frozen=True)
class SentFact:
    """One computed value as sent: the keys its header cites and the fenced line."""

    keys: tuple[str, ...]
    line: str


@dataclass(frozen=True)
class SentItem:
    """One evidence item as sent: the header line's key, page and kind, and the fenced data."""

    key: str
    page: int
    kind: str
    file: str
    caption: str | None
    section: str | None
    text: str


def read_evidence(prompt: str) -> tuple[str, list[SentItem]]:
    """(fence code, items) of the evidence in `prompt`. Asserts that every line outside the fences is docrag's:
    the preamble, derived values' and items' header lines, blank lines between blocks, and the question after the
    last item."""
    code, _, items = _read(prompt)
    return code, items


def read_facts(prompt: str) -> list[SentFact]:
    """The derived values heading the evidence in `prompt`, each a header line and one fenced line, all before
    the first item (read as strictly as `read_evidence`)."""
    return _read(prompt)[1]


def _read(prompt: str) -> tuple[str, list[SentFact], list[SentItem]]:
    found = _PREAMBLE.search(prompt)
    assert found, "no fence code in the prompt's preamble"
    code = found.group("code")
    opening, closing = f"<<<DATA {code}", f"END DATA {code}>>>"
    lines = prompt[found.end():].splitlines()
    items: list[SentItem] = []
    facts: list[SentFact] = []
    i = 1  # the rest of the preamble line
    while i < len(lines):
        line = lines[i]
        if line.startswith("Question: "):
            break
        if not line:
            i += 1
            continue
        derived = _DERIVED.match(line)
        if derived:
            assert not items, f"a derived value after the items: {line!r}"
            assert lines[i + 1] == opening and lines[i + 3] == closing, f"derived value not fenced: {line!r}"
            assert opening not in lines[i + 2] and closing not in lines[i + 2]
            facts.append(SentFact(tuple(re.findall(r"S\d+", derived.group("keys"))), lines[i + 2]))
            i += 4
            continue
        header = _HEADER.match(line)
        assert header, f"a line outside the fences that docrag did not write: {line!r}"
        assert lines[i + 1] == opening, f"item {header.group('key')} is not fenced: {lines[i + 1]!r}"
        end = lines.index(closing, i + 2)
        data = lines[i + 2:end]
        assert opening not in data and closing not in data
        fields = {"caption": None, "section": None}
        assert data[0].startswith("file: ")
        fields["file"] = data[0][len("file: "):]
        j = 1
        for name in ("caption", "section"):
            if j < len(data) and data[j].startswith(f"{name}: "):
                fields[name] = data[j][len(name) + 2:]
                j += 1
        assert data[j] == "text:"
        items.append(SentItem(key=header.group("key"), page=int(header.group("page")), kind=header.group("kind"),
                              text="\n".join(data[j + 1:]), **fields))
        i = end + 1
    return code, facts, items
