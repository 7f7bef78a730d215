"""Conversations and streamed answers for Python users: `ChatSession` keeps the history between questions,
`AnswerStream` hands out an answer's text as it is written and the finished `Answer` at the end.

    session = library.chat()
    print(session.ask("What were total net sales in Q3 2022?").text)
    stream = session.ask("and the year before?", stream=True)
    for piece in stream:
        print(piece, end="", flush=True)
    print(stream.answer.citations)
"""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterator, Sequence

from chat.answer import Answer

_DONE = object()


class AnswerCancelled(Exception):
    """Raised inside the answering thread when the reader of an AnswerStream closed it: stops the backend."""


class AnswerStream:
    """An answer being written in a background thread. Iterate for the text pieces as they arrive; `.answer` waits
    for and returns the finished Answer (citations, usage), re-raising the answer's error if it failed. `close()`
    (or leaving a `with` block, or abandoning the iteration) stops the backend at its next piece."""

    def __init__(self, run: Callable[[Callable[[str], None]], Answer]) -> None:
        self._pieces: queue.Queue = queue.Queue()
        self._cancel = threading.Event()
        self._answer: Answer | None = None
        self._error: BaseException | None = None
        self._finished = False
        self._thread = threading.Thread(target=self._work, args=(run,), name="docrag-answer", daemon=True)
        self._thread.start()

    def _relay(self, piece: str) -> None:
        if self._cancel.is_set():
            raise AnswerCancelled("the reader closed the answer stream")
        self._pieces.put(piece)

    def _work(self, run: Callable[[Callable[[str], None]], Answer]) -> None:
        try:
            self._answer = run(self._relay)
        except BaseException as exc:  # handed to the reader's thread by .answer / iteration
            self._error = exc
        finally:
            self._pieces.put(_DONE)

    def __iter__(self) -> Iterator[str]:
        try:
            while not self._finished:
                piece = self._pieces.get()
                if piece is _DONE:
                    self._finished = True
                    break
                yield piece
        finally:
            if not self._finished:  # the reader stopped early (break, Ctrl-C): stop the backend too
                self.close()
        if self._error is not None:
            raise self._error

    @property
    def answer(self) -> Answer:
        """The finished Answer (waits for it); the answer's exception when it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer

    def close(self) -> None:
        """Ask the backend to stop; the answer then fails with AnswerCancelled."""
        self._cancel.set()

    def __enter__(self) -> "AnswerStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ChatSession:
    """A conversation with a Library: each question is answered with the earlier turns as history (follow-ups
    like "and the year before?" are rewritten into standalone searches). k / sources apply to every question."""

    def __init__(self, library, k: int | None = None, sources: Sequence[str] | None = None) -> None:
        self.library = library
        self.k = k
        self.sources = sources
        self.history: list[tuple[str, str]] = []
        self.answers: list[Answer] = []

    @property
    def last(self) -> Answer | None:
        """The latest answer, or None."""
        return self.answers[-1] if self.answers else None

    def ask(self, question: str, images: Sequence[str] | None = None, stream: bool = False,
            on_token: Callable[[str], None] | None = None) -> Answer | AnswerStream:
        """Answer `question` in this conversation; the turn joins the history once it is answered (a failed or
        stopped answer does not). images: paths of images attached to this question. stream=True returns an
        AnswerStream; on_token is called with each piece instead, when given."""
        if stream:
            return AnswerStream(lambda relay: self.ask(question, images=images, on_token=relay))
        answer = self.library.ask(question, k=self.k, sources=self.sources, history=list(self.history),
                                  images=list(images or ()), on_token=on_token, previous=self.last)
        self.history.append((question, answer.text))
        self.answers.append(answer)
        return answer

    def clear(self) -> None:
        """Forget the conversation so far."""
        self.history.clear()
        self.answers.clear()
