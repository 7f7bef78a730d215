#!/usr/bin/env python3
"""Search latency of a library at growing size: p50 / p95 of `Library.search` (real MiniLM query embedding, the
embedded Chroma store, BM25 and fusion: the whole path a `docrag search` takes once its models are loaded).

Elements are synthetic: short business-report sentences with table-style numbers, spread over documents of 500
elements (50 pages each), a tenth of them tables. Their catalog rows are real; their vectors are written directly
(random unit vectors: embedding 100k texts with MiniLM would take an hour on 2 cores, and random vectors are a
harder case for HNSW than clustered real ones). Queries are 3-8 words drawn from stored texts, some with a number.
Per size it also reports the BM25 rebuild time (what the first search after another process's ingest pays when
the ingest's own saved build is not there yet) and the load time of the saved build.

  .venv/bin/python bench/search_latency.py --sizes 10000 30000 100000 --queries 200
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from chat.library import Library  # noqa: E402
from docparse.element import Element, ElementKind, Provenance  # noqa: E402
from retrieval.catalog import DocumentRecord  # noqa: E402
from retrieval.element_text import embedding_views, view_id  # noqa: E402
from retrieval.lexical_index import LexicalIndex  # noqa: E402

PER_DOC = 500
SUBJECTS = ("net revenue", "operating income", "gross margin", "free cash flow", "capital expenditure",
            "headcount", "customer churn", "inventory", "research spending", "energy costs", "tax expense",
            "dividend per share", "market share", "order backlog", "warranty reserves", "debt")
VERBS = ("rose", "fell", "was flat", "grew", "declined", "recovered", "doubled", "stabilised")
PLACES = ("in Europe", "in North America", "in Asia Pacific", "in the domestic segment", "for the group",
          "in the cloud division", "at the Busan plant", "in Latin America")
TAILS = ("driven by pricing", "after the restructuring", "despite supply constraints", "as guided",
         "because of currency effects", "on higher volumes", "while costs were contained", "year over year")


def _sentence(rng: random.Random) -> str:
    number = rng.choice([f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}", f"{rng.uniform(0, 99):.1f}%",
                         f"({rng.randint(1, 9999):,})", str(rng.randint(1990, 2030))])
    return (f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} to {number} {rng.choice(PLACES)} "
            f"{rng.choice(TAILS)} in quarter {rng.randint(1, 4)} of {rng.randint(2015, 2025)}.")


def synthetic_elements(doc_index: int, rng: random.Random) -> tuple[DocumentRecord, list[Element]]:
    doc_id = f"{doc_index:040x}"
    source = f"report-{doc_index:04d}.pdf"
    elements = []
    for i in range(PER_DOC):
        page = 1 + i // 10
        provenance = Provenance(doc_id=doc_id, source=source, page=page, bbox=(50.0, 60.0, 550.0, 120.0))
        if i % 10 == 9:
            cells = (("Region", "2023", "2024"),) + tuple(
                (rng.choice(PLACES)[3:], f"{rng.randint(100, 9999):,}", f"{rng.randint(100, 9999):,}")
                for _ in range(4))
            text = "\n".join("| " + " | ".join(row) + " |" for row in cells)
            elements.append(Element(id=f"{doc_id}-{i}", kind=ElementKind.TABLE, text=text, provenance=provenance,
                                    cells=cells))
        else:
            text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
            elements.append(Element(id=f"{doc_id}-{i}", kind=ElementKind.TEXT, text=text, provenance=provenance))
    record = DocumentRecord(doc_id=doc_id, source=source, path=f"/synthetic/{source}", pages=PER_DOC // 10,
                            format="pdf", n_elements=0, added_at=time.time())
    return record, elements


def grow(library: Library, start_doc: int, end_doc: int, rng: np.random.Generator, seed: int) -> None:
    """Store documents start_doc..end_doc-1: catalog rows through the catalog, random vectors into Chroma."""
    index = library.index
    dimension = int(index.embedder.dimension)
    with index.write_lock():
        index.marker.ensure()  # the bench writes vectors directly, as an ingest would
        for d in range(start_doc, end_doc):
            record, elements = synthetic_elements(d, random.Random(seed * 1_000_003 + d))
            pairs = [(view_id(e.id, n), e) for e in elements for n, _ in enumerate(embedding_views(e))]
            vectors = rng.standard_normal((len(pairs), dimension)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            index.store.upsert([vid for vid, _ in pairs], vectors, None,
                               [{"doc_id": record.doc_id, "source": record.source, "page": e.page,
                                 "kind": e.kind.value} for _, e in pairs])
            index.catalog.put_document(record, elements)
        index.freshness.own_write()  # the open stores already hold our own write


def queries_for(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = _sentence(rng).rstrip(".").split()
        start = rng.randrange(0, max(1, len(words) - 3))
        out.append(" ".join(words[start:start + rng.randint(3, 8)]))
    return out


def measure(library: Library, queries: list[str]) -> tuple[float, float, float, float]:
    """(p50, p95, max) wall ms per query, and the p50 of this process's CPU ms per query (all its threads): on a
    shared machine the wall time includes waiting for the CPU, the CPU time is what a search costs."""
    for query in queries[:10]:  # warm-up: caches, lazy imports
        library.search(query, k=10)
    times, cpu = [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        hits = library.search(query, k=10)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert hits, f"no hits for {query!r}"
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], times[-1], statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 30000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--store", default=None, help="library folder (default: a temporary folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="docrag-latency-") as tmp:
        library = Library.open(Path(args.store or tmp) / "lib", image_search=False)
        library.index.embedder.embed_queries(["load the model"])
        rng = np.random.default_rng(args.seed)
        queries = queries_for(args.queries, args.seed)
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {len(os.sched_getaffinity(0))} cores")
        print("| elements | vectors | p50 ms | p95 ms | max ms | CPU ms/query (p50) | BM25 rebuild s | BM25 load s "
              "| store build s | load avg |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        docs = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            grow(library, docs, size // PER_DOC, rng, args.seed)
            docs = size // PER_DOC
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            library.index.refresh_lexical()
            rebuild_s = time.perf_counter() - started
            fresh = LexicalIndex(library.index.root, library.index.catalog, library.index.lexical.tokenizer)
            started = time.perf_counter()
            fresh.sync()
            load_s = time.perf_counter() - started
            p50, p95, worst, cpu = measure(library, queries)
            print(f"| {library.index.element_count():,} | {library.index.store.count():,} | {p50:.1f} | {p95:.1f} | "
                  f"{worst:.1f} | {cpu:.1f} | {rebuild_s:.2f} | {load_s:.2f} | {build_s:.0f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
