#!/usr/bin/env python3
"""What cleaning a streamed answer costs (chat/answer_filter.py): time per piece and how long text waits.

Feeds one synthetic answer of ~6,900 characters (valid and invented keys, grouped keys, a web address from the
evidence, a link and an image to drop) to AnswerFilter in pieces of 1, 4 and 16 characters, as a model's stream
would arrive, and reports total and per-piece time, the slowest piece, and the first piece shown.

Usage: .venv/bin/python bench/answer_filter_cost.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chat.answer_filter import AnswerFilter  # noqa: E402
from chat.context import select_evidence  # noqa: E402
from tests.chat.evidence_fixtures import element, hits  # noqa: E402

SENTENCE = ("Revenue was 7,215 million dollars [S1], up 4% [S2, S3]; see https://example.com/2 and "
            "[the notice](http://attacker.example/?q=1) ![x](http://attacker.example/i.png) [S77]. ")


def main() -> None:
    items = select_evidence(hits(*(element("text", f"passage {i} https://example.com/{i}", page=i)
                                   for i in range(1, 9))))
    answer = SENTENCE * 40
    for size in (1, 4, 16):
        pieces = [answer[i:i + size] for i in range(0, len(answer), size)]
        stream = AnswerFilter(items)
        times = []
        for piece in pieces:
            start = time.perf_counter()
            stream.feed(piece)
            times.append(time.perf_counter() - start)
        stream.close()
        times.sort()
        print(f"pieces of {size:>2} chars: {len(pieces):>5} pieces, {len(answer)} chars; total "
              f"{sum(times) * 1e3:.1f} ms, median {times[len(times) // 2] * 1e6:.0f} us, "
              f"p99 {times[int(len(times) * 0.99)] * 1e6:.0f} us per piece")
    print("first piece 'Revenue ' shows at once:", repr(AnswerFilter(items).feed("Revenue ")))


if __name__ == "__main__":
    main()
