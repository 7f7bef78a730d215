#!/usr/bin/env python3
"""OCR character accuracy of docrag's PDF parser on image-only renders of pages whose text layer is known.

For each chosen page, the page is rendered to a greyscale image at --scan-dpi and placed as the ONLY content of a
new PDF page, which is parsed by `docparse.parse_document` with each OCR engine (so scanned-page detection, OCR,
paragraphs and reading order all run as in real use; one chunk per section, no overlap, so no text repeats). The
reference is the original page's own text layer. Both sides are normalised the same way (Unicode NFKC,
private-use glyphs dropped, whitespace runs -> one space) and compared by Levenshtein distance (rapidfuzz):

- block accuracy (the target figure): each text-layer block (PyMuPDF "blocks", about a paragraph) is aligned to
  its best-matching stretch of the OCR text (rapidfuzz partial_ratio_alignment) and scored there:
  1 - sum(distance) / sum(block length). Independent of reading order, which the reference itself does not
  define (a PDF's content stream may run headers first, columns interleaved); missing text still counts, extra
  OCR text does not.
- page accuracy (strict): 1 - distance(whole text layer in content-stream order, whole OCR text) / length; also
  charges every reading-order difference, so it is a lower bound.

Seconds per page: wall time of the OCR'd parse (render + OCR + layout), in this process, on whatever machine runs
it (here: the 2-core development machine, shared with other jobs).

Pages are chosen without looking at OCR output: from the given documents, the first --pages pages per language
that the router sends down the plain-text path (no table signals; no picture over 15% of the page) and that hold
at least 100 words.

  .venv/bin/python bench/ocr_accuracy.py --out bench/results/ocr-accuracy.md
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
DOCUMENTS = {
    "eng": [SHARED / "financebench" / "pdfs" / "AMCOR_2023Q4_EARNINGS.pdf",
            SHARED / "mmlongbench-doc" / "documents" / "2023.acl-long.386.pdf",
            SHARED / "mmlongbench-doc" / "documents" / "PG_2020.05.21_International-Cooperation-COVID_FINAL.pdf"],
    "kor": [ROOT / "data" / "korean-insurance-report-4p.pdf"],
}
MIN_WORDS = 100
MAX_PICTURE_SHARE = 0.15  # banners and logos are fine; pages with real figures are not text pages


_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")  # font-private glyphs: no text to read


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", _PRIVATE_USE.sub("", unicodedata.normalize("NFKC", text))).strip()


def text_layer(path: Path, pno: int) -> tuple[str, list[str]]:
    """The page's text layer: the whole page in content-stream order, and its blocks."""
    import pymupdf

    with pymupdf.open(path) as doc:
        page = doc[pno]
        blocks = [normalise(b[4]) for b in page.get_text("blocks") if b[6] == 0]
        return normalise(page.get_text()), [b for b in blocks if b]


def block_distance(blocks: list[str], hyp: str) -> int:
    """Sum over reference blocks of the edit distance to their best-aligned stretch of `hyp`."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    total = 0
    for block in blocks:
        if len(block) > len(hyp):
            total += Levenshtein.distance(block, hyp)
            continue
        match = fuzz.partial_ratio_alignment(block, hyp)
        total += Levenshtein.distance(block, hyp[match.dest_start:match.dest_end])
    return total


def plain_pages(path: Path, limit: int) -> list[int]:
    """0-based numbers of the first `limit` text-only pages (plain-text route, no pictures, >= MIN_WORDS words)."""
    import pymupdf

    from docparse.page_router import route_page, scan_page

    out = []
    with pymupdf.open(path) as doc:
        for pno in range(doc.page_count):
            scan = scan_page(doc[pno])
            area = doc[pno].rect.width * doc[pno].rect.height
            small_pictures = all((r[2] - r[0]) * (r[3] - r[1]) < MAX_PICTURE_SHARE * area for r in scan.image_rects)
            if (len(scan.words) >= MIN_WORDS and small_pictures
                    and route_page(doc[pno], scan).reason == "plain text"):
                out.append(pno)
                if len(out) == limit:
                    break
    return out


def scan_pdf(path: Path, pno: int, folder: Path, scan_dpi: int) -> Path:
    """The page as an image-only PDF page (a greyscale render, no text layer)."""
    import pymupdf

    out = folder / f"{path.stem}-p{pno + 1}-scan.pdf"
    with pymupdf.open(path) as src, pymupdf.open() as scan:
        page = src[pno]
        pix = page.get_pixmap(dpi=scan_dpi, colorspace=pymupdf.csGRAY)
        new = scan.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, pixmap=pix)
        scan.save(out)
    return out


def page_text(path: Path, ocr: str, languages: str) -> str:
    from docparse import ParseOptions, parse_document

    options = ParseOptions(ocr=ocr, ocr_languages=languages, chunk_tokens=1_000_000, chunk_overlap=0)
    return normalise("\n".join(e.text for e in parse_document(path, options).elements))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="tesseract,rapidocr")
    ap.add_argument("--languages", default="eng,kor", help="which page sets to run")
    ap.add_argument("--pages", type=int, default=3, help="pages per language")
    ap.add_argument("--scan-dpi", type=int, default=200, help="resolution of the simulated scan")
    ap.add_argument("--ocr-languages", default="eng+kor", help="ParseOptions.ocr_languages for Tesseract")
    ap.add_argument("--out", help="write the Markdown report here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from rapidfuzz.distance import Levenshtein

    from docparse.ocr import engine_for

    rows = []
    with tempfile.TemporaryDirectory(prefix="docrag_ocr_") as tmp:
        for lang in args.languages.split(","):
            pages = [(doc, pno) for doc in DOCUMENTS[lang] for pno in plain_pages(doc, args.pages)][:args.pages]
            refs = [(doc, pno, *text_layer(doc, pno), scan_pdf(doc, pno, Path(tmp), args.scan_dpi))
                    for doc, pno in pages]
            for engine in args.engines.split(","):
                engine_for(engine, args.ocr_languages)  # load models before timing
                page_dist = block_dist = page_chars = block_chars = 0
                seconds = 0.0
                for doc, pno, ref, blocks, scan in refs:
                    started = time.time()
                    hyp = page_text(scan, engine, args.ocr_languages)
                    took = time.time() - started
                    pd, bd = Levenshtein.distance(ref, hyp), block_distance(blocks, hyp)
                    bc = sum(len(b) for b in blocks)
                    page_dist, block_dist, seconds = page_dist + pd, block_dist + bd, seconds + took
                    page_chars, block_chars = page_chars + len(ref), block_chars + bc
                    print(json.dumps({"lang": lang, "engine": engine, "doc": doc.name, "page": pno + 1,
                                      "ref_chars": len(ref), "block_accuracy": round(1 - bd / max(1, bc), 4),
                                      "page_accuracy": round(1 - pd / max(1, len(ref)), 4),
                                      "seconds": round(took, 2), "ocr_start": hyp[:80]}, ensure_ascii=False),
                          file=sys.stderr)
                rows.append({"lang": lang, "engine": engine, "pages": len(refs), "ref_chars": page_chars,
                             "block_accuracy": round(1 - block_dist / max(1, block_chars), 4),
                             "page_accuracy": round(1 - page_dist / max(1, page_chars), 4),
                             "s_per_page": round(seconds / max(1, len(refs)), 2),
                             "pages_used": [f"{d.name} p{p + 1}" for d, p, *_ in refs]})
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    if args.out:
        write_report(Path(args.out), rows, " ".join(sys.argv[1:]), args)


def write_report(path: Path, rows: list[dict], argv: str, args: argparse.Namespace) -> None:
    lines = ["# OCR character accuracy (image-only renders of text pages)", "",
             f"Command: `.venv/bin/python bench/ocr_accuracy.py {argv}`", "",
             f"Simulated scan: {args.scan_dpi} dpi greyscale, image-only PDF page; Tesseract languages "
             f"`{args.ocr_languages}`. Accuracy = 1 - CER against the page's own text layer (NFKC, whitespace "
             "runs collapsed on both sides). Block accuracy aligns each text-layer block to its best stretch of the "
             "OCR text (order-free; the target figure); page accuracy compares whole pages in content-stream order "
             "(charges reading-order differences too). Seconds per page: whole parse of the scanned page on the "
             "2-core development machine, shared with other jobs (timings are noisy).", "",
             "| language | engine | pages | reference chars | block accuracy | page accuracy | s/page |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['lang']} | {r['engine']} | {r['pages']} | {r['ref_chars']} | "
                     f"{r['block_accuracy']:.3f} | {r['page_accuracy']:.3f} | {r['s_per_page']:.1f} |")
    lines += ["", "Pages: " + "; ".join(sorted({p for r in rows for p in r["pages_used"]})), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
