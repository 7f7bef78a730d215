"""Count the Hangul-to-Hangul line breaks on a sample of Korean PDF pages and what docparse.korean_wrap does with
them, and list examples for checking by hand.

For every text block of the sampled pages (PyMuPDF's text dict, the lines the parser joins; with --mend-blocks
after docparse.line_blocks has put one-line blocks back into paragraphs), each break between
two lines where a Hangul syllable ends one line and starts the next is classed:
- joined: closed up by docparse.korean_wrap (the line is full and Kiwi puts no space there);
- kept (full line): the line is full but Kiwi puts a space there;
- kept (short line): the line stops short of the paragraph's edge (never closed up).
Before this module every such break became a space. Examples of each class go to --examples (TSV: class, file,
page, the text around the break with "|" at the break) for hand-checking.

    python bench/korean_wrap.py --pdfs ../shared/eval/allganize-ko/pdfs --pages-per-doc 3 \
        --examples /tmp/korean-wrap-examples.tsv
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docparse.korean_wrap import FULL_LINE_EM, _HANGUL, WrapLine  # noqa: E402
from docparse.line_blocks import merge_line_blocks  # noqa: E402
from docparse.ocr.korean_spacing import decide_spaces  # noqa: E402
from docparse.span_text import line_text  # noqa: E402


def _wrap_lines(block: dict) -> list[WrapLine]:
    out = []
    for line in block["lines"]:
        spans = [s for s in line["spans"] if s["text"].strip()]
        if not spans:
            continue
        out.append(WrapLine(line_text(spans), max(float(s["bbox"][2]) for s in spans),
                            max(float(s["size"]) for s in spans)))
    return out


def classify(lines: list[WrapLine]) -> list[tuple[str, str]]:
    """(class, text around the break) for each Hangul-to-Hangul break of one paragraph's lines."""
    lines = [l for l in lines if l.text and l.right is not None and l.height]
    if len(lines) < 2:
        return []
    edge = max(l.right for l in lines)
    out: list[tuple[str, str]] = []
    text = lines[0].text
    candidates: list[int] = []
    kinds: dict[int, str] = {}
    for previous, line in zip(lines, lines[1:]):
        if _HANGUL.match(text[-1:] or " ") and _HANGUL.match(line.text[:1] or " "):
            if edge - previous.right <= FULL_LINE_EM * previous.height:
                candidates.append(len(text))
                kinds[len(text)] = "full"
            else:
                kinds[len(text) + 1] = "short"
                text += " "
        else:
            text += " "
        text += line.text
    spaced = decide_spaces(text, candidates) if candidates else set()
    for index, kind in kinds.items():
        where = f"{text[max(0, index - 12):index]}|{text[index:index + 12]}".replace("\t", " ")
        if kind == "short":
            out.append(("kept (short line)", where))
        elif spaced is not None and index not in spaced:
            out.append(("joined", where))
        else:
            out.append(("kept (full line)", where))
    return out


def _ocr_breaks(folder: Path, pages_per_doc: int, counts: Counter, rows: list) -> int:
    """Parse the first pages of the scanned PDFs in `folder` with OCR, classing the breaks of every OCR'd
    paragraph as docparse.scanned_page joins it."""
    import pymupdf

    from docparse import ParseOptions, parse_document
    from docparse import scanned_page

    joined_by_parser = scanned_page.join_wrapped
    current: dict[str, object] = {}

    def recording(lines, edge=None):
        for kind, where in classify(list(lines)):
            counts[kind] += 1
            rows.append((kind, current["name"], 0, where))
        return joined_by_parser(lines, edge)

    scanned_page.join_wrapped = recording
    pages = 0
    for pdf in sorted(folder.glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            if sum(len(doc[i].get_text()) for i in range(min(3, doc.page_count))) >= 100:
                continue
            count = min(pages_per_doc, doc.page_count)
            clipped = pymupdf.open()
            clipped.insert_pdf(doc, to_page=count - 1)
            target = Path("/tmp") / f"korean-wrap-ocr-{pdf.name}"
            clipped.save(target)
        current["name"] = pdf.name
        parse_document(target, ParseOptions(ocr="tesseract"))
        pages += count
    return pages


def main() -> None:
    import pymupdf

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", type=Path, required=True)
    parser.add_argument("--pages-per-doc", type=int, default=3)
    parser.add_argument("--examples", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--mend-blocks", action="store_true",
                        help="first put one-line blocks back into paragraphs, as the parser's fast path does")
    parser.add_argument("--ocr", action="store_true", help="the scans only, read by docrag's OCR (Tesseract)")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    rows: list[tuple[str, str, int, str]] = []
    pages = 0
    if args.ocr:
        pages = _ocr_breaks(args.pdfs, args.pages_per_doc, counts, rows)
    for pdf in [] if args.ocr else sorted(args.pdfs.glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            if sum(len(doc[i].get_text()) for i in range(min(3, doc.page_count))) < 100:
                continue  # a scan: no text layer to join
            count = min(args.pages_per_doc, doc.page_count)
            chosen = sorted({round(i * (doc.page_count - 1) / max(1, count - 1)) for i in range(count)})
            for number in chosen:
                pages += 1
                blocks = doc[number].get_text("dict")["blocks"]
                for block in (merge_line_blocks(blocks) if args.mend_blocks else blocks):
                    if block.get("type") != 0:
                        continue
                    for kind, where in classify(_wrap_lines(block)):
                        counts[kind] += 1
                        rows.append((kind, pdf.name, number + 1, where))
    random.Random(args.seed).shuffle(rows)
    args.examples.write_text("".join(f"{k}\t{f}\t{p}\t{w}\n" for k, f, p, w in sorted(rows, key=lambda r: r[0])),
                             encoding="utf-8")
    print(f"pages sampled: {pages}")
    print(f"Hangul-to-Hangul line breaks: {sum(counts.values())}")
    for kind in ("joined", "kept (full line)", "kept (short line)"):
        print(f"  {kind}: {counts[kind]}")


if __name__ == "__main__":
    main()
