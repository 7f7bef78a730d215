"""Rendering answers and their sources for the terminal: plain text (the CLI, and the chat loop when stdout is
not a terminal) and rich formatting for the interactive chat loop (a sources table, errors in red on one line)."""
from __future__ import annotations

import re
from typing import Any, Sequence, TextIO

from chat.answer import Answer

# Terminal control characters (newline and tab aside): a file name holding an escape sequence must not drive the
# terminal it is listed on.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` with terminal control characters shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", str(text))


def format_sources(answer: Answer) -> str:
    """One line per citation: key, file, page, kind and box."""
    lines = []
    for citation in answer.citations:
        e = citation.element
        crop = f"  crop: {e.image}" if e.image else ""
        lines.append(printable(f"  [{citation.key}] {e.source}, {e.place}, {e.kind.value} (box {e.box_text}){crop}"))
    return "\n".join(lines)


def format_answer(answer: Answer, already_streamed: bool = False) -> str:
    """The answer text (unless it was already streamed), a note when there is one, then the sources."""
    parts = [] if already_streamed else [answer.text]
    if answer.note:
        parts.append(f"({answer.note})")
    if answer.citations:
        parts.append("Sources:\n" + format_sources(answer))
    return "\n".join(parts)


def one_line(text: object, limit: int = 400) -> str:
    """`text` with its blanks collapsed onto one line, cut to `limit` characters."""
    line = printable(" ".join(str(text).split()))
    return line if len(line) <= limit else line[:limit - 1] + "\u2026"


class PlainView:
    """What the chat loop shows, as plain text on `out` (for pipes, files and tests)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._mid_line = False  # a streamed answer left the cursor after text

    def info(self, text: str) -> None:
        self.end_stream()
        print(text, file=self.out, flush=True)

    def token(self, piece: str) -> None:
        """One streamed piece of the answer text, shown at once."""
        print(piece, end="", file=self.out, flush=True)
        self._mid_line = not piece.endswith("\n")

    def end_stream(self) -> None:
        """Finish a streamed line (before anything else is shown)."""
        if self._mid_line:
            print(file=self.out, flush=True)
            self._mid_line = False

    def answer(self, answer: Answer, streamed: bool) -> None:
        """The answer text unless it was streamed, its note, then its sources."""
        self.end_stream()
        if not streamed:
            print(answer.text, file=self.out)
        if answer.note:
            print(f"({answer.note})", file=self.out)
        if answer.citations:
            self.sources(answer)
        self.out.flush()

    def sources(self, answer: Answer | None) -> None:
        if answer is None or not answer.citations:
            self.info("(no sources yet)")
            return
        print("Sources:\n" + format_sources(answer), file=self.out, flush=True)

    def documents(self, records: Sequence[Any]) -> None:
        if not records:
            self.info("(no documents: add some with docrag ingest PATH)")
        for record in records:
            print(printable(f"  {record.source}  {record.pages} pages"), file=self.out)
        self.out.flush()

    def error(self, text: object) -> None:
        """An error on one line; the session goes on."""
        self.end_stream()
        print(f"error: {one_line(text)}", file=self.out, flush=True)


class RichView(PlainView):
    """The chat loop on a terminal: streamed text as is, sources as a table (S#, file, page, kind, box), notes
    dimmed, errors in red on one line."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        from rich.console import Console  # lazy: only the interactive loop needs rich

        self.console = Console(file=out, highlight=False, soft_wrap=True)

    def info(self, text: str) -> None:
        self.end_stream()
        self.console.print(text, markup=False, style="dim")

    def answer(self, answer: Answer, streamed: bool) -> None:
        self.end_stream()
        if not streamed:
            self.console.print(answer.text, markup=False)
        if answer.note:
            self.console.print(f"({answer.note})", markup=False, style="dim")
        if answer.citations:
            self.sources(answer)

    def sources(self, answer: Answer | None) -> None:
        if answer is None or not answer.citations:
            self.info("(no sources yet)")
            return
        from rich.table import Table
        from rich.text import Text  # cells as Text: "[link=...]" in a file name is text, not rich markup

        table = Table(title=None, show_edge=False, header_style="bold", pad_edge=False)
        for column in ("S#", "file", "page", "kind", "box"):
            table.add_column(column, no_wrap=column != "file", justify="right" if column == "page" else "left")
        for citation in answer.citations:
            e = citation.element
            table.add_row(citation.key, Text(printable(e.source)), e.place.removeprefix("page "), e.kind.value,
                          e.box_text)
        self.console.print(table)

    def documents(self, records: Sequence[Any]) -> None:
        if not records:
            self.info("(no documents: add some with docrag ingest PATH)")
            return
        from rich.table import Table
        from rich.text import Text

        table = Table(show_edge=False, header_style="bold", pad_edge=False)
        table.add_column("file")
        table.add_column("pages", justify="right")
        for record in records:
            table.add_row(Text(printable(record.source)), str(record.pages))
        self.console.print(table)

    def error(self, text: object) -> None:
        self.end_stream()
        from rich.text import Text

        self.console.print(Text("error: ", style="bold red") + Text(one_line(text)))


def make_view(out: TextIO) -> PlainView:
    """Rich formatting on a terminal, plain text otherwise."""
    isatty = getattr(out, "isatty", None)
    return RichView(out) if isatty is not None and isatty() else PlainView(out)
