"""`docrag chat`: an interactive question loop over a library.

Answers stream as they are written; Ctrl-C stops the current answer, not the session; Ctrl-D or /quit leaves.
"""
from __future__ import annotations

import logging
import sys
from typing import Callable, TextIO

from chat.answer import Answer
from chat.chat_log import ChatLog
from chat.render import format_answer, format_sources

log = logging.getLogger(__name__)

HELP = """Type a question, or a command:
  /sources   show the sources of the last answer
  /docs      list the documents in the library
  /clear     forget the conversation so far
  /help      this text
  /quit      leave (Ctrl-D works too)"""


def run_chat(library, read_line: Callable[[str], str] | None = None, out: TextIO = sys.stdout) -> int:
    """Run the loop until the user quits; returns the exit code. Each answered turn is appended to the library's
    transcript (`<store>/chat/transcript.jsonl`); typed lines are recalled with the arrow keys across sessions."""
    chat_log = ChatLog(library.config.root)
    if read_line is None:
        chat_log.enable_line_history()
        read_line = input
    history: list[tuple[str, str]] = []
    last: Answer | None = None
    count = len(library.documents())
    print(f"docrag chat: {count} documents in {library.config.root}; answers by {library.config.llm_spec}. "
          "/help for commands.", file=out)
    while True:
        try:
            line = read_line("\n> ").strip()
        except EOFError:
            print(file=out)
            return 0
        except KeyboardInterrupt:
            print("\n(/quit to leave)", file=out)
            continue
        if not line:
            continue
        if line.startswith("/"):
            command = line.split()[0].lower()
            if command in ("/quit", "/exit"):
                return 0
            if command == "/help":
                print(HELP, file=out)
            elif command == "/clear":
                history.clear()
                last = None
                print("(conversation cleared)", file=out)
            elif command == "/sources":
                print(format_sources(last) if last and last.citations else "(no sources yet)", file=out)
            elif command == "/docs":
                for record in library.documents():
                    print(f"  {record.source}  {record.pages} pages", file=out)
            else:
                print(f"unknown command {command}; /help lists them", file=out)
            continue
        streamed: list[str] = []

        def show(piece: str) -> None:
            streamed.append(piece)
            print(piece, end="", flush=True, file=out)

        try:
            answer = library.ask(line, history=history, on_token=show)
        except KeyboardInterrupt:
            print("\n(answer stopped)", file=out)
            continue
        except Exception as err:  # a failed answer must leave the session usable
            log.debug("answer failed", exc_info=True)
            print(f"error: {err}", file=out)
            continue
        if streamed:
            print(file=out)
        print(format_answer(answer, already_streamed=bool(streamed)), file=out)
        history.append((line, answer.text))
        chat_log.append(answer)
        last = answer
