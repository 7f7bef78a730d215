"""List the split-word decisions (docparse/split_words.py) over PDFs: every lexical candidate with its glyph-gap
ratio and whether the parser joins it, so the thresholds can be checked against real documents.

    .venv/bin/python bench/split_words.py ../shared/eval/financebench/pdfs/*.pdf > split-words.tsv
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymupdf  # noqa: E402

from docparse.split_words import _candidates, _gap_ratio, is_stray_space  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    args = parser.parse_args()
    print("file\tpage\tpair\tstrength\tgap_ratio\tjoined")
    joined = total = 0
    for path in args.pdfs:
        with pymupdf.open(path) as doc:
            for page in doc:
                for block in page.get_text("rawdict")["blocks"]:
                    for line in block.get("lines", ()):
                        if tuple(line["dir"]) != (1.0, 0.0):
                            continue
                        chars = [c for span in line["spans"] for c in span["chars"]]
                        text = "".join(c["c"] for c in chars)
                        for space, left, right, strength in _candidates(text):
                            ratio = _gap_ratio(chars, space)
                            join = is_stray_space(strength, ratio)
                            total += 1
                            joined += join
                            print(f"{path.name}\t{page.number + 1}\t{left} {right}\t{strength}\t"
                                  f"{'' if ratio is None else round(ratio, 3)}\t{'yes' if join else 'no'}")
    print(f"# {total} candidates, {joined} joined", file=sys.stderr)


if __name__ == "__main__":
    main()
