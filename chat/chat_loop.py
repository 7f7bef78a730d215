"""`docrag chat`: an interactive question loop over a library.

Answers stream as they are written; Ctrl-C stops the current answer, not the session; a failing model or server
gives a one-line error and the session goes on; Ctrl-D or /quit leaves. On a terminal the output uses rich
formatting (a sources table, errors in red); piped, it is plain text.
"""
from __future__ import annotations

import logging
import shlex
import sys
from typing import Callable, TextIO

from chat.attachments import validate_images
from chat.chat_log import ChatLog
from chat.render import make_view
from chat.session import ChatSession

log = logging.getLogger(__name__)

HELP = """Type a question, or a command:
  /image PATH  attach an image to the next question (searched for look-alike figures, shown to vision models)
  /sources     show the sources of the last answer
  /docs        list the documents in the library
  /clear       forget the conversation so far (and any attached image)
  /help        this text
  /quit        leave (Ctrl-D works too)
Ctrl-C stops an answer that is being written."""


def _image_path(argument: str) -> str:
    """The path after /image: shell-style quoting allowed (paths with blanks), else the text as typed."""
    try:
        parts = shlex.split(argument)
    except ValueError:
        parts = []
    return parts[0] if len(parts) == 1 else argument.strip()


def run_chat(library, read_line: Callable[[str], str] | None = None, out: TextIO = sys.stdout) -> int:
    """Run the loop until the user quits; returns the exit code. Each answered turn is appended to the library's
    transcript (`<store>/chat/transcript.jsonl`); typed lines are recalled with the arrow keys across sessions."""
    chat_log = ChatLog(library.config.root)
    if read_line is None:
        chat_log.enable_line_history()
        read_line = input
    view = make_view(out)
    session = ChatSession(library)
    attached: list[str] = []
    count = len(library.documents())
    view.info(f"docrag chat: {count} documents in {library.config.root}; answers by {library.config.llm_spec}. "
              "/help for commands.")
    while True:
        try:
            line = read_line("\n> ").strip()
        except EOFError:
            view.info("")
            return 0
        except KeyboardInterrupt:
            view.info("\n(/quit to leave)")
            continue
        if not line:
            continue
        if line.startswith("/"):
            command, _, argument = line.partition(" ")
            command = command.lower()
            if command in ("/quit", "/exit"):
                return 0
            if command == "/help":
                view.info(HELP)
            elif command == "/clear":
                session.clear()
                attached.clear()
                view.info("(conversation cleared)")
            elif command == "/sources":
                view.sources(session.last)
            elif command == "/docs":
                view.documents(library.documents())
            elif command == "/image":
                if not argument.strip():
                    view.info(f"(attached: {', '.join(attached)})" if attached else "usage: /image PATH")
                    continue
                try:
                    attached.extend(validate_images([_image_path(argument)]))
                except ValueError as err:
                    view.error(f"image refused: {err}")
                    continue
                view.info(f"(image {attached[-1]} attached to the next question)")
            else:
                view.error(f"unknown command {command}; /help lists them")
            continue
        streamed: list[str] = []

        def show(piece: str) -> None:
            streamed.append(piece)
            view.token(piece)

        try:
            answer = session.ask(line, images=attached, on_token=show)
        except KeyboardInterrupt:
            view.info("\n(answer stopped)")
            continue
        except Exception as err:  # a failed answer must leave the session usable
            log.debug("answer failed", exc_info=True)
            view.error(err)
            continue
        attached.clear()  # an image goes with one question
        view.answer(answer, streamed=bool(streamed))
        chat_log.append(answer)
