"""A write guard held through an ingest and let go only while it reads or parses files.

A server passes its readers-writer lock's write side as an ingest's `write_guard` (serve.access): the ingest then
holds it from start to end except while it hashes or parses (retrieval.ingest_session, ingest_run), so searches run
beside the parse and wait only for store writes. One hold per stretch of writes, not one per write step: each
acquisition waits for the searches running (and, phase-fair, for those queued since the last write) to finish.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Callable, Iterable, Iterator, TypeVar

WriteGuard = Callable[[], AbstractContextManager]
T = TypeVar("T")
_END = object()


class GuardHold:
    """Holds `guard()` (default: nothing) between hold() and let_go(); `released()` lets go for a while."""

    def __init__(self, guard: WriteGuard | None = None) -> None:
        self.guard: WriteGuard = guard or nullcontext
        self._held: AbstractContextManager | None = None

    @property
    def held(self) -> bool:
        return self._held is not None

    def hold(self) -> None:
        if self._held is None:
            held = self.guard()
            held.__enter__()
            self._held = held

    def let_go(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)

    @contextmanager
    def released(self) -> Iterator[None]:
        """Let go of the guard inside the block (reading, parsing), taking it again after."""
        was_held = self.held
        self.let_go()
        try:
            yield
        finally:
            if was_held:
                self.hold()

    def released_iter(self, items: Iterable[T]) -> Iterator[T]:
        """The items, each waited for with the guard let go (a stream of documents parsed elsewhere)."""
        iterator = iter(items)
        while True:
            with self.released():
                item = next(iterator, _END)
            if item is _END:
                return
            yield item  # type: ignore[misc]
