"""The chat transcript on disk, per library: `<store>/chat/transcript.jsonl` (one JSON object a turn) and the
typed-line history for arrow-key recall (`<store>/chat/input_history`, through readline where available)."""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from chat.answer import Answer

log = logging.getLogger(__name__)


class ChatLog:
    """Appends turns to the library's transcript; a write failure is logged, never raised (chat goes on)."""

    def __init__(self, root: Path):
        self.folder = root / "chat"
        self.transcript = self.folder / "transcript.jsonl"
        self.input_history = self.folder / "input_history"

    def append(self, answer: Answer) -> None:
        record = {"time": time.time(), "question": answer.question, "answer": answer.text, "mode": answer.mode,
                  "model": answer.model, "citations": [c.to_contract() for c in answer.citations]}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.transcript, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as err:
            log.warning("cannot write the chat transcript %s: %s", self.transcript, err)

    def turns(self) -> list[dict]:
        """Earlier turns, oldest first (unreadable lines are skipped)."""
        if not self.transcript.is_file():
            return []
        out = []
        for line in self.transcript.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def enable_line_history(self) -> None:
        """Arrow-key recall of earlier questions, kept across sessions (no-op without readline)."""
        try:
            import atexit
            import readline
        except ImportError:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.input_history.is_file():
                readline.read_history_file(self.input_history)
            readline.set_history_length(1000)
            atexit.register(readline.write_history_file, self.input_history)
        except OSError as err:
            log.warning("no input history: %s", err)
