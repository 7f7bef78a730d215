#!/usr/bin/env python3
"""Side-by-side table of score_retrieval.py reports: recall@5 (and @10) overall and per evidence type.

  python3 bench/summarize_retrieval.py bench/results/retrieval-dev.json bench/results/retrieval-dev-naive.json
"""
import json
import sys
from pathlib import Path

TYPES = ["text", "table", "chart", "figure", "layout"]


def main() -> None:
    reports = [(Path(p).stem, json.loads(Path(p).read_text())) for p in sys.argv[1:]]
    header = ["report", "mode", "n", "R@1", "R@5", "R@10"] + [f"{t} R@5 (n)" for t in TYPES]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, report in reports:
        for mode in ("within", "collection"):
            block = report["modes"].get(mode)
            if not block:
                continue
            page = block["page_level"]
            by_type = block["page_level_by_type"]
            cells = [name, mode, str(page["n"]), f"{page['recall@1']:.3f}", f"{page['recall@5']:.3f}",
                     f"{page['recall@10']:.3f}"]
            for t in TYPES:
                b = by_type.get(t)
                cells.append(f"{b['recall@5']:.3f} ({b['n']})" if b else "-")
            print("| " + " | ".join(cells) + " |")
        ingest = report.get("ingest") or {}
        if ingest:
            print(f"<!-- {name}: ingest {ingest.get('seconds')} s, {ingest.get('pages_per_s')} pages/s -->")


if __name__ == "__main__":
    main()
