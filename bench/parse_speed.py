#!/usr/bin/env python3
"""In-process parse speed of docrag's parser over a fixed list of PDFs (the same list and report shape as
../shared/bench/speed.py, so the figures sit beside the peers'). Crops are written to a temporary folder, as in
a real ingest. Run under `/usr/bin/time -v` for peak memory.
With --workers N > 1 the files go through docparse.parallel (N processes); a document's seconds are then the wall
time from the previous document's completion to its own, and pages_per_s overall is pages / total wall time.

  .venv/bin/python bench/parse_speed.py --list ../shared/bench/speed_set.txt --data ../shared/eval [--workers 2]
      [--ocr auto]
"""
import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out")
    ap.add_argument("--workers", type=int, default=1)
    # The throughput target is with OCR off; --ocr auto measures the cost of reading image-only pages.
    ap.add_argument("--ocr", default="off", help="ParseOptions.ocr: off (default), auto, tesseract or rapidocr")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    t0 = time.time()
    from docparse.base import ParseOptions
    from docparse.registry import open_document
    setup_s = time.time() - t0
    files = [line.strip() for line in open(args.list) if line.strip() and not line.startswith("#")]
    tmp = Path(tempfile.mkdtemp(prefix="docrag_speed_"))
    docs, total, pages = [], 0.0, 0
    streams = None
    try:
        options = ParseOptions(assets_dir=tmp, ocr=args.ocr)
        if args.workers > 1:
            from docparse.parallel import parse_in_workers
            streams = parse_in_workers([Path(args.data) / n for n in files], options, workers=args.workers)
        for name in files:
            started = time.time()
            if streams is not None:
                stream = next(streams)
                if stream.error is not None:
                    raise stream.error
                info, elements = stream.info, stream.elements
            else:
                info, elements = open_document(Path(args.data) / name, options)
            kinds: dict[str, int] = {}
            for element in elements:
                kinds[element.kind.value] = kinds.get(element.kind.value, 0) + 1
            seconds = time.time() - started
            docs.append({"file": name, "pages": info.pages, "seconds": round(seconds, 3),
                         "pages_per_s": round(info.pages / seconds, 3), "elements": kinds})
            total += seconds
            pages += info.pages
            print(f"docrag: {name}: {info.pages} pages {seconds:.2f}s {kinds}", file=sys.stderr)
    finally:
        if streams is not None:
            streams.close()  # shuts the worker pool down
        shutil.rmtree(tmp, ignore_errors=True)
    result = {"system": "docrag_parse", "workers": args.workers, "ocr": args.ocr, "files": len(files), "pages": pages,
              "setup_s": round(setup_s, 2), "process_s": round(total, 2), "pages_per_s": round(pages / total, 3),
              "docs": docs}
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
