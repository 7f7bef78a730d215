"""Peak memory of parsing (and optionally ingesting) one 1,000-page PDF built by concatenating dev PDFs.

Usage:
  .venv/bin/python bench/big_pdf_memory.py --pages 1000 --out /tmp/big1000.pdf          # build the PDF
  /usr/bin/time -v .venv/bin/docrag parse /tmp/big1000.pdf --json > /dev/null           # parse peak RSS
  /usr/bin/time -v .venv/bin/docrag ingest /tmp/big1000.pdf --store /tmp/bigstore      # ingest peak RSS
("Maximum resident set size" in /usr/bin/time's report.) The PDF is built from the speed set's documents in list
order, repeated until it has the requested page count, so it mixes papers, filings, slides and reports.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pymupdf

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"


def build(pages: int, out: Path, listing: Path, data: Path) -> int:
    sources = [data / line.strip() for line in listing.read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    big = pymupdf.open()
    while big.page_count < pages:
        for path in sources:
            with pymupdf.open(path) as part:
                take = min(part.page_count, pages - big.page_count)
                big.insert_pdf(part, from_page=0, to_page=take - 1)
            if big.page_count >= pages:
                break
    big.save(out, garbage=3, deflate=True)
    return big.page_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/big1000.pdf"))
    parser.add_argument("--list", type=Path, default=SHARED / "bench" / "speed_set.txt")
    parser.add_argument("--data", type=Path, default=SHARED / "eval")
    args = parser.parse_args()
    count = build(args.pages, args.out, args.list, args.data)
    print(f"{args.out}: {count} pages, {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
