"""The server's readers-writer lock: readers share, a writer is alone, and neither side starves the other."""
from __future__ import annotations

import threading
import time

from serve.rwlock import ReadWriteLock


def test_readers_share_and_a_writer_is_alone():
    lock = ReadWriteLock()
    inside, most, guard = [0], [0], threading.Lock()
    writer_saw: list[int] = []

    def reader() -> None:
        with lock.reading():
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with guard:
                inside[0] -= 1

    def writer() -> None:
        with lock.writing():
            writer_saw.append(inside[0])
            time.sleep(0.05)
            writer_saw.append(inside[0])

    threads = [threading.Thread(target=reader) for _ in range(5)] + [threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most[0] >= 2 and writer_saw == [0, 0]


def test_a_run_of_writes_does_not_starve_a_reader():
    lock = ReadWriteLock()
    writes_done, read_at = [0], []

    def writer() -> None:
        for _ in range(40):
            with lock.writing():
                time.sleep(0.01)
                writes_done[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.03)
    with lock.reading():
        read_at.append(writes_done[0])
    thread.join(10)
    assert read_at[0] < 10  # got in between two writes, not after all 40


def test_a_stream_of_reads_does_not_starve_a_writer():
    lock = ReadWriteLock()
    stop, wrote = threading.Event(), threading.Event()

    def reader() -> None:
        while not stop.is_set():
            with lock.reading():
                time.sleep(0.005)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    time.sleep(0.02)
    started = time.monotonic()
    with lock.writing():
        wrote.set()
    waited = time.monotonic() - started
    stop.set()
    for thread in readers:
        thread.join(10)
    assert wrote.is_set() and waited < 1.0
