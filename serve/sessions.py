"""Conversations kept between /api/ask requests: a `session` id carries the earlier turns, so a follow-up ("and
the year before?") is answered as in `docrag chat`. Bounded: the least recently used conversations are forgotten
past MAX_SESSIONS, and each keeps its last MAX_TURNS turns."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from chat.answer import Answer

MAX_SESSIONS = 200
MAX_TURNS = 20


@dataclass
class Conversation:
    """The turns so far (question, answer text), oldest first, and the latest answer."""

    history: list[tuple[str, str]] = field(default_factory=list)
    last: Answer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # one question at a time per conversation


class Sessions:
    """session id -> Conversation, least recently used forgotten first."""

    def __init__(self, max_sessions: int = MAX_SESSIONS, max_turns: int = MAX_TURNS) -> None:
        self.max_sessions = max_sessions
        self.max_turns = max_turns
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> Conversation:
        """The conversation `session_id` (a new one when unknown or forgotten)."""
        with self._lock:
            conversation = self._items.get(session_id)
            if conversation is None:
                conversation = self._items[session_id] = Conversation()
                while len(self._items) > self.max_sessions:
                    self._items.popitem(last=False)
            self._items.move_to_end(session_id)
            return conversation

    def record(self, conversation: Conversation, question: str, answer: Answer) -> None:
        """Add an answered turn (a failed answer is not recorded)."""
        conversation.history.append((question, answer.text))
        del conversation.history[:-self.max_turns]
        conversation.last = answer

    def __len__(self) -> int:
        return len(self._items)
