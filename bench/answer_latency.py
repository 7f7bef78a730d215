#!/usr/bin/env python3
"""Time to first streamed token added by docrag itself: retrieval + prompt building, the model excluded.

Builds a library of N synthetic elements (default 10,000: 100 documents of text passages, Markdown tables and
figure captions, seeded) through the normal LibraryIndex.add path (catalog, Chroma vectors, BM25). Stored vectors
come from a hashed bag-of-words embedder of MiniLM's dimension (`--build-embedder hash`, the default), because
embedding 10,000 passages with MiniLM takes most of an hour on this shared 2-core machine and the vectors' meaning
does not change what a search costs; `--build-embedder real` uses MiniLM. Queries always use the real MiniLM. Then it
asks questions through `Library.ask(..., on_token=...)` with an `openai:` backend pointed at a fake
OpenAI-compatible server on 127.0.0.1 that streams its reply at once (tests/chat/fake_openai_server.py). Reported
per question:
  ttft       question in -> first streamed token out (rewrite, retrieval, evidence packing, messages, HTTP
             request to the loopback server, first SSE event parsed by the OpenAI client)
  to_backend question in -> messages ready for the model (rewrite, retrieval, evidence packing, messages), i.e.
             up to the backend call, measured with the same backend's `plan()`
  retrieval  Library.search alone (dense + BM25 + fusion + catalog)
The first questions warm up (model load, BM25 build) and are not counted.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_latency.py [--elements 10000] [--questions 40]
       [--store DIR] [--out bench/results/answer-latency.md]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("revenue income margin operating cash flow segment quarter fiscal year growth decline customer product "
         "service region europe asia americas cost expense tax dividend share capital debt asset liability equity "
         "inventory supply demand price volume forecast guidance acquisition merger contract lease pension "
         "research development employee headcount energy plant factory shipment backlog order").split()
QUESTIONS = ["What was total revenue in fiscal {y}?", "How did operating margin change in {y}?",
             "What were capital expenditures in the {r} segment?", "How many employees were there at the end of {y}?",
             "What was the dividend per share in {y}?", "Which region had the highest growth in {y}?",
             "What drove the decline in cash flow in {y}?", "What is the guidance for inventory in {r}?"]
REGIONS = ("europe", "asia", "americas")


def synthetic_documents(n_elements: int, per_doc: int = 100, seed: int = 7):
    """(DocumentInfo, [Element]) pairs: 80% text passages, 15% Markdown tables, 5% figure captions."""
    from docparse.base import DocumentInfo
    from docparse.element import Element, ElementKind, Provenance

    rng = random.Random(seed)
    made = 0
    doc_index = 0
    while made < n_elements:
        count = min(per_doc, n_elements - made)
        doc_id = hashlib.sha1(f"synthetic-{seed}-{doc_index}".encode()).hexdigest()
        source = f"report-{doc_index:03d}.pdf"
        elements = []
        for i in range(count):
            page = 1 + i // 5
            year = rng.choice(range(2015, 2024))
            roll = rng.random()
            if roll < 0.80:
                kind = ElementKind.TEXT
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 110)))
                text += f" In {year} the figure was {rng.randint(100, 99_999):,} million."
            elif roll < 0.95:
                kind = ElementKind.TABLE
                rows = [f"| {rng.choice(WORDS)} {rng.choice(WORDS)} | {rng.randint(10, 9999):,} | "
                        f"{rng.randint(10, 9999):,} |" for _ in range(rng.randint(4, 12))]
                text = (f"Table {i}: {rng.choice(WORDS)} by {rng.choice(REGIONS)}\n| | {year} | {year - 1} |\n"
                        "|---|---|---|\n" + "\n".join(rows))
            else:
                kind = ElementKind.FIGURE
                text = f"Figure {i}: {rng.choice(WORDS)} {rng.choice(WORDS)} in {rng.choice(REGIONS)}, {year}"
            elements.append(Element(id=f"{doc_id[:12]}-{i:04d}", kind=kind, text=text,
                                    provenance=Provenance(doc_id, source, page, (72.0, 100.0, 520.0, 300.0)),
                                    caption=text if kind is ElementKind.FIGURE else None))
        yield DocumentInfo(doc_id=doc_id, source=source, path=f"/synthetic/{source}", pages=1 + count // 5,
                           format="pdf"), elements
        made += count
        doc_index += 1


def hashed_embedder(dimension: int, buckets: int = 4096, seed: int = 5):
    """texts -> unit vectors: the sum of a fixed random vector per (hashed) lower-cased word."""
    import numpy as np

    table = np.random.default_rng(seed).standard_normal((buckets, dimension)).astype(np.float32)

    def embed(texts):
        out = np.zeros((len(texts), dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row] += table[int(hashlib.blake2b(word.encode(), digest_size=4).hexdigest(), 16) % buckets]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    return embed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def _torch_threads() -> int:
    import torch
    return torch.get_num_threads()


def synthetic_questions(count: int, seed: int = 11) -> list[str]:
    """`count` questions about the synthetic documents (years and regions they hold), the same for a seed."""
    rng = random.Random(seed)
    return [rng.choice(QUESTIONS).format(y=rng.choice(range(2015, 2024)), r=rng.choice(REGIONS))
            for _ in range(count)]


def build_synthetic_store(index, n: int, hashed: bool = True) -> None:
    """Store `n` synthetic elements in `index`; `hashed` embeds them with build-time hash vectors (queries still
    use the real model), so a 10k-element store builds in seconds."""
    started = time.monotonic()
    if hashed:
        index.embedder.embed_documents = hashed_embedder(int(index.embedder.dimension))
    for info, elements in synthetic_documents(n):
        index.add(info, elements)
    index.refresh_lexical()
    vars(index.embedder).pop("embed_documents", None)
    print(f"built {index.element_count()} elements in {time.monotonic() - started:.0f}s", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--elements", type=int, default=10_000)
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--store", help="library folder (reused when it already holds the elements)")
    ap.add_argument("--out", help="write a Markdown report here")
    ap.add_argument("--build-embedder", choices=["hash", "real"], default="hash",
                    help="what embeds the synthetic elements (queries always use the real model)")
    ap.add_argument("--torch-threads", type=int, help="torch.set_num_threads for the measured questions")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    from chat.library import Library
    # The fake server of the chat tests: an OpenAI-compatible SSE stream on 127.0.0.1 with no model behind it.
    from tests.chat.fake_openai_server import FakeOpenAIServer

    temporary = args.store is None
    store = Path(args.store or tempfile.mkdtemp(prefix="docrag-latency-"))
    try:
        server = FakeOpenAIServer(reply="The answer is in the evidence [S1].").start()
        library = Library.open(store, llm="openai:latency-bench", base_url=server.url, image_search=False)
        index = library.index
        if index.element_count() < args.elements:
            build_synthetic_store(index, args.elements, hashed=args.build_embedder == "hash")
        if args.torch_threads:
            import torch
            torch.set_num_threads(args.torch_threads)
        questions = synthetic_questions(args.questions + args.warmup)
        ttft, to_backend, retrieval = [], [], []
        load_before = _load()
        for n, question in enumerate(questions):
            first: list[float] = []
            started = time.perf_counter()
            library.ask(question, on_token=lambda piece: first or first.append(time.perf_counter()))
            t_first = first[0] - started
            started = time.perf_counter()
            hits = library.search(question, k=library.config.answer_k)
            t_search = time.perf_counter() - started
            started = time.perf_counter()
            library.backend.plan(question, library.search(question, k=library.config.answer_k))
            t_plan = time.perf_counter() - started
            if n >= args.warmup:
                ttft.append(t_first * 1000)
                retrieval.append(t_search * 1000)
                to_backend.append(t_plan * 1000)
            assert hits
        server.stop()
        rows = [("ttft (question -> first streamed token)", ttft),
                ("to_backend (question -> messages ready)", to_backend),
                ("retrieval (Library.search)", retrieval)]
        lines = [f"| {name} | {statistics.median(v):.0f} | {percentile(v, 0.95):.0f} | {max(v):.0f} |"
                 for name, v in rows]
        report = "\n".join([
            f"elements: {index.element_count()}, questions: {len(ttft)} (after {args.warmup} warm-up), "
            f"k={library.config.answer_k}, backend {library.backend.name} against a loopback fake server, "
            f"torch threads {_torch_threads()}, load average before/after {load_before} / {_load()}",
            "", "| measure | p50 ms | p95 ms | max ms |", "|---|---|---|---|", *lines])
        print(report)
        if args.out:
            Path(args.out).write_text(report + "\n", encoding="utf-8")
    finally:
        if temporary:
            shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
