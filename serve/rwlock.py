"""A readers-writer lock: searches and answers run side by side, a store write (an ingest's writes, a delete)
runs alone.

Phase-fair: once a writer waits, new readers queue behind it, so a stream of searches cannot starve a delete; and
when a writer finishes, the readers that waited meanwhile go before the next writer, so a run of writes (an ingest
takes the lock again after each parse) cannot starve the searches either. Used only inside one server process; other
processes are kept out by the store's own file lock."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


class ReadWriteLock:
    """`with lock.reading():` shares; `with lock.writing():` excludes readers and other writers."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._readers_waiting = 0
        self._readers_turn = False  # set when a writer leaves with readers waiting: they go first
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._readers_waiting += 1
            try:
                while self._writer or (self._writers_waiting and not self._readers_turn):
                    self._cond.wait()
            finally:
                self._readers_waiting -= 1
            self._readers += 1
            if not self._readers_waiting:
                self._readers_turn = False
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers or self._readers_turn:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._readers_turn = self._readers_waiting > 0
                self._cond.notify_all()
