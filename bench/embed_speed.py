#!/usr/bin/env python3
"""Throughput of the text embedder on the texts a real ingest embeds, and how many tokens those are.

The texts are every embedding view (retrieval.element_text.embedding_views) of the documents in an existing
store's catalog, so the mix of prose chunks and table row groups is the one `docrag ingest` produced. The report
gives views and tokens (as the embedder truncates them) per element kind, seconds, texts/s and tokens/s: the
floor that embedding puts under ingest time on this machine.

  .venv/bin/python bench/embed_speed.py --store STORE [--backend onnx|sentence-transformers] [--out FILE]
"""
import argparse
import json
import logging
import sys
import time
from pathlib import Path


def store_views(store: Path, limit: int) -> list[tuple[str, str]]:
    """(element kind, view text) for up to `limit` views of the store's documents, in catalog order."""
    from retrieval.catalog import Catalog
    from retrieval.element_text import embedding_views

    catalog = Catalog(store)
    views: list[tuple[str, str]] = []
    for record in catalog.documents():
        for element in catalog.elements_of(record.doc_id):
            views.extend((element.kind.value, text) for text in embedding_views(element))
            if len(views) >= limit:
                return views[:limit]
    return views


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True, type=Path)
    ap.add_argument("--limit", type=int, default=5000)
    ap.add_argument("--backend", default="onnx", help="a key of retrieval.text_embedder.TEXT_EMBEDDERS")
    ap.add_argument("--out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from retrieval.text_embedder import SentenceTransformerEmbedder, make_text_embedder

    views = store_views(args.store, args.limit)
    model = SentenceTransformerEmbedder()._load()  # counts tokens as the model's own tokenizer cuts them
    window = int(model.max_seq_length)
    tokenizer = model.tokenizer
    per_kind: dict[str, dict[str, int]] = {}
    for kind, text in views:
        tokens = min(window, len(tokenizer(text, truncation=False)["input_ids"]))
        entry = per_kind.setdefault(kind, {"views": 0, "tokens": 0})
        entry["views"] += 1
        entry["tokens"] += tokens
    texts = [text for _, text in views]
    embedder = make_text_embedder(backend=args.backend)
    embedder.embed_documents(texts[:32])  # warm up outside the timing
    started = time.perf_counter()
    embedder.embed_documents(texts)
    seconds = time.perf_counter() - started
    tokens = sum(entry["tokens"] for entry in per_kind.values())
    report = {"store": str(args.store), "backend": args.backend, "window": window, "views": len(texts), "tokens": tokens,
              "per_kind": per_kind, "seconds": round(seconds, 2), "texts_per_s": round(len(texts) / seconds, 1),
              "tokens_per_s": round(tokens / seconds)}
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
