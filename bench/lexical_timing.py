#!/usr/bin/env python3
"""How long the lexical index takes to rebuild from the catalog, load, and answer, for N short texts.

The lexical index is rebuilt from the catalog whenever the catalog changed (retrieval/lexical_index.py); this
measures whether that is cheap enough, from scratch and after adding one document (the other documents' terms
then come from the per-document term cache, retrieval/lexical_terms.py). Texts are synthetic short passages (30-60 words from a 5,000-word
vocabulary with table-style numbers), stored as real catalog elements, so the rebuild includes reading and
parsing the catalog rows, computing the element views, tokenizing and building BM25.

  .venv/bin/python bench/lexical_timing.py 10000 100000
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docparse.element import Element, ElementKind, Provenance  # noqa: E402
from retrieval.catalog import Catalog, DocumentRecord  # noqa: E402
from retrieval.lexical_index import LexicalIndex  # noqa: E402

PER_DOC = 1000  # elements per synthetic document


def synthetic_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(5000)]
    texts = []
    for _ in range(n):
        words = [rng.choice(vocab) for _ in range(rng.randint(30, 60))]
        words[rng.randrange(len(words))] = f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}"
        texts.append(" ".join(words))
    return texts


def measure(n: int) -> dict[str, float]:
    texts = synthetic_texts(n)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalog = Catalog(root)
        def put(d: int, batch: list[str]) -> None:
            doc_id = f"{d:040d}"
            elements = [Element(id=f"{doc_id}-{i}", kind=ElementKind.TEXT, text=text,
                                provenance=Provenance(doc_id=doc_id, source=f"doc{d}.pdf", page=1 + i // 20))
                        for i, text in enumerate(batch)]
            catalog.put_document(DocumentRecord(doc_id, f"doc{d}.pdf", f"/x/doc{d}.pdf", 50, "pdf", 0, 0.0),
                                 elements)

        for d in range(0, n, PER_DOC):
            put(d, texts[d:d + PER_DOC])
        start = time.perf_counter()
        catalog.snapshot()
        snapshot_s = time.perf_counter() - start
        index = LexicalIndex(root, catalog)
        start = time.perf_counter()
        index.sync()
        rebuild_s = time.perf_counter() - start
        fresh = LexicalIndex(root, catalog)
        start = time.perf_counter()
        fresh.sync()  # loads the saved build
        load_s = time.perf_counter() - start
        put(n, synthetic_texts(PER_DOC, seed=8))  # one more document: its terms are new, the rest are cached
        start = time.perf_counter()
        index.sync()
        after_add_s = time.perf_counter() - start
        queries = [" ".join(t.split()[:8]) for t in random.Random(1).sample(texts, 50)]
        start = time.perf_counter()
        for q in queries:
            fresh.search(fresh.tokenizer.tokenize(q), 50)
        search_ms = (time.perf_counter() - start) / len(queries) * 1000
    return {"n": n, "catalog_read_s": snapshot_s, "rebuild_s": rebuild_s, "after_add_s": after_add_s,
            "load_s": load_s, "search_ms": search_ms}


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10000, 100000]
    print("| texts | catalog read s | full rebuild s (incl. read, tokenize, BM25, save) | rebuild after adding "
          f"{PER_DOC} texts s (term cache) | load saved s | search ms/query (50 results) |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        r = measure(n)
        print(f"| {n} | {r['catalog_read_s']:.2f} | {r['rebuild_s']:.2f} | {r['after_add_s']:.2f} | {r['load_s']:.2f} | "
              f"{r['search_ms']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
