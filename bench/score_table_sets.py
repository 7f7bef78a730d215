#!/usr/bin/env python3
"""Score table structure against camelot's and tabula-java's own expected tables (two sets besides ICDAR 2013).

Predictions are `parse --json` objects (`{"elements": [{"kind": "table", "page", "bbox", "cells"}]}`), one per PDF
in `--pred-dir` as `<pdf stem>.json`. The relations and F1 are those of ../shared/bench/score_tables.py (ICDAR 2013
adjacency relations over non-empty neighbouring cells, text NFKC-normalised, lower-cased, whitespace removed).

Sets
  camelot  ../shared/eval/camelot-tests/expected_tables.json: each test case names PDFs and the expected grids
           (`data_vars`, one per table) that camelot produced with the case's options. The cases of one PDF are
           alternative expectations of the same page (e.g. `stream` and `hybrid` output of health.pdf); like
           ICDAR's `a`/`b` ground truths, the best-scoring alternative counts, once per PDF. No boxes: each expected
           table is paired one-to-one with the predicted table on its page (camelot's default page 1, or the
           case's `pages=`) that shares the most relations with it. Several data vars of one case are the
           tables of one page when named `..._1`, `..._2`, else alternatives (the shift_text variants).
  tabula   ../shared/eval/tabula-java-tests: `expected_json/` (tables with page and box, top-left origin) and, for
           PDFs without JSON, `expected_csv/<pdf stem>.csv` (one table, no page or box). JSON tables are paired by
           box (IoU > 0, one-to-one) and also give detection F1 at IoU >= 0.5; CSV tables are paired by relations.
           `spanning_cells` and `spanning_cells_basic` are alternatives for one PDF.
Dot leaders (four or more dots) are removed from cell text on both sides before relations are formed.
Predicted tables paired with no expected table are not counted in structure (these references list the tables of
one extraction call, not every table of the document); in detection (JSON part) they are false positives on pages
with expected tables.

  score_table_sets.py --set camelot|tabula --pred-dir DIR [--shared ../shared] [--out FILE.json]
  score_table_sets.py --set camelot --list-pdfs   # the PDFs a system must parse, with passwords
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections import Counter

DEFAULT_SHARED = os.environ.get("SHARED") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                          "shared")


def _shared_scorer(shared: str):
    sys.path.insert(0, os.path.join(shared, "bench"))
    import score_tables  # noqa: E402  (the ICDAR scorer beside the data: one definition of relations and F1)
    return score_tables


# ----------------------------------------------------------------------------------------------------------------
# expected tables -> "documents": {pdf path, password, alternatives: [[{grid, page|None, bbox|None}]]}

def _camelot_pdf(shared: str, name: str) -> str:
    if name.startswith("tabula/icdar2013-dataset/"):
        stem = os.path.basename(name)
        for sub in ("competition-dataset-us", "competition-dataset-eu"):
            path = os.path.join(shared, "eval", "icdar2013-table-competition", sub, stem)
            if os.path.exists(path):
                return path
    if name.startswith("tabula/"):
        return os.path.join(shared, "eval", "tabula-java-tests", "pdfs", os.path.basename(name))
    return os.path.join(shared, "eval", "camelot-tests", "pdfs", name)


def camelot_documents(shared: str) -> list[dict]:
    data = json.load(open(os.path.join(shared, "eval", "camelot-tests", "expected_tables.json")))
    tables = data["tables"]
    docs: dict[str, dict] = {}
    for case in data["cases"]:
        calls = case.get("read_pdf_calls") or [""]
        for k, name in enumerate(case["files"]):
            call = calls[min(k, len(calls) - 1)]
            pages = re.search(r'pages="(\d+)"', call)
            page = int(pages.group(1)) if pages else 1
            password = re.search(r'password="([^"]+)"', call)
            # Data vars named `..._1`, `..._2` are the tables of one page; other cases with several data vars
            # expect one table under different options (shift_text variants): alternatives. A rotated-table
            # case names one data var for a pair of PDFs: each PDF holds that table.
            names = [v for v in case["data_vars"] if v in tables]
            if not names:
                continue
            several = all(re.search(r"_\d$", v) for v in names)
            groups = [names] if several or len(names) == 1 else [[v] for v in names]
            path = _camelot_pdf(shared, name)
            doc = docs.setdefault(path, {"pdf": path, "password": None, "alternatives": []})
            if password and doc["password"] is None:
                doc["password"] = password.group(1)
            for group in groups:
                alt = [{"grid": tables[v], "page": page, "bbox": None} for v in group]
                if alt not in doc["alternatives"]:
                    doc["alternatives"].append(alt)
    return [d for d in docs.values() if os.path.exists(d["pdf"])]


def _tabula_json_tables(path: str) -> list[dict]:
    data = json.load(open(path))
    items = data if isinstance(data, list) else [data]
    out = []
    for t in items:
        grid = [[cell.get("text", "") for cell in row] for row in t.get("data", [])]
        bbox = [t["left"], t["top"], t["right"], t["bottom"]] if "left" in t else None
        out.append({"grid": grid, "page": t.get("page_number"), "bbox": bbox})
    return out


def tabula_documents(shared: str) -> list[dict]:
    root = os.path.join(shared, "eval", "tabula-java-tests")
    pdfs = os.path.join(root, "pdfs")
    docs: dict[str, dict] = {}
    for name in sorted(os.listdir(os.path.join(root, "expected_json"))):
        stem = name[:-5]
        pdf_stem = stem[:-len("_basic")] if stem.endswith("_basic") else stem
        path = os.path.join(pdfs, pdf_stem + ".pdf")
        if os.path.exists(path):
            doc = docs.setdefault(path, {"pdf": path, "password": None, "alternatives": []})
            doc["alternatives"].append(_tabula_json_tables(os.path.join(root, "expected_json", name)))
    for name in sorted(os.listdir(os.path.join(root, "expected_csv"))):
        path = os.path.join(pdfs, name[:-4] + ".pdf")
        if not os.path.exists(path) or path in docs:
            continue
        with open(os.path.join(root, "expected_csv", name), newline="", encoding="utf-8") as handle:
            grid = [row for row in csv.reader(handle)]
        docs[path] = {"pdf": path, "password": None, "alternatives": [[{"grid": grid, "page": None, "bbox": None}]]}
    return list(docs.values())


SETS = {"camelot": camelot_documents, "tabula": tabula_documents}


# ----------------------------------------------------------------------------------------------------------------
# scoring

_LEADER = re.compile(r"[.·]{4,}")


def _unleader(grid: list[list[str]]) -> list[list[str]]:
    """Dot leaders removed from normalised cell text: camelot keeps them in its cells ("total.......") where
    ICDAR's ground truth and most extractors drop them, so they are judged as separators on both sides."""
    return [[_LEADER.sub("", c) for c in row] for row in grid]


def score_alternative(st, expected: list[dict], preds: list[dict], iou_thr: float) -> dict:
    """Structure TP/FP/FN of one alternative (list of expected tables) against a document's predicted tables."""
    rels = [st.relations(_unleader(st.normalise_grid(e["grid"]))) for e in expected]
    pred_rels = [st.relations(_unleader(p["grid"])) for p in preds]
    pairs = []
    for i, e in enumerate(expected):
        for j, p in enumerate(preds):
            if e["page"] is not None and p["page"] != e["page"]:
                continue
            if e["bbox"] is not None:
                score = st.iou(e["bbox"], p["bbox"]) if p["bbox"] else 0.0
            else:
                score = sum((rels[i] & pred_rels[j]).values())
            pairs.append((score, i, j))
    match = st.greedy(pairs, 0.0, strict=True)
    tp = fp = fn = 0
    tables = []
    for i, rel in enumerate(rels):
        got = pred_rels[match[i][0]] if i in match else Counter()
        t_tp, t_fp, t_fn = sum((rel & got).values()), sum((got - rel).values()), sum((rel - got).values())
        tp, fp, fn = tp + t_tp, fp + t_fp, fn + t_fn
        tables.append({"table": i + 1, "matched": i in match, **st.prf(t_tp, t_fp, t_fn)})
    detection = None
    boxed = [e for e in expected if e["bbox"] is not None]
    if boxed:
        pages = {e["page"] for e in boxed}
        cand = [p for p in preds if p["page"] in pages and p["bbox"]]
        det = st.greedy([(st.iou(e["bbox"], p["bbox"]), i, j) for i, e in enumerate(boxed)
                         for j, p in enumerate(cand) if p["page"] == e["page"]], iou_thr)
        detection = st.prf(len(det), len(cand) - len(det), len(boxed) - len(det))
    return {"structure": st.prf(tp, fp, fn), "detection": detection, "tables": tables}


def score_set(st, docs: list[dict], pred_dir: str, iou_thr: float = 0.5) -> dict:
    rows = []
    for doc in docs:
        stem = os.path.splitext(os.path.basename(doc["pdf"]))[0]
        path = os.path.join(pred_dir, stem + ".json")
        error = None
        try:
            pred = json.load(open(path))
            error = pred.get("error") if isinstance(pred, dict) else None
        except (OSError, ValueError) as err:
            pred, error = None, f"{path}: {err}"
        preds = st.pred_tables(pred)
        results = [score_alternative(st, alt, preds, iou_thr) for alt in doc["alternatives"]]
        best = max(results, key=lambda r: (r["structure"]["f1"], r["structure"]["tp"]))
        rows.append({"pdf": os.path.relpath(doc["pdf"]), "error": error, "n_pred_tables": len(preds),
                     "alternatives": len(results), **best})

    def total(key: str) -> dict | None:
        parts = [r[key] for r in rows if r[key] is not None]
        if not parts:
            return None
        res = st.prf(*(sum(p[k] for p in parts) for k in ("tp", "fp", "fn")))
        res["mean_doc_f1"] = round(sum(p["f1"] for p in parts) / len(parts), 4)
        res["docs"] = len(parts)
        return res

    return {"summary": {"n_docs": len(rows), "errors": sum(1 for r in rows if r["error"]),
                        "structure": total("structure"), "detection": total("detection")}, "docs": rows}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", required=True, choices=sorted(SETS))
    ap.add_argument("--shared", default=DEFAULT_SHARED, help="folder holding eval/ and bench/score_tables.py")
    ap.add_argument("--pred-dir", help="folder of <pdf stem>.json parse outputs")
    ap.add_argument("--out", help="write the full report here (JSON)")
    ap.add_argument("--list-pdfs", action="store_true", help="print the PDFs (and passwords) of the set as JSON")
    args = ap.parse_args(argv)
    docs = SETS[args.set](args.shared)
    if args.list_pdfs:
        print(json.dumps([{"pdf": d["pdf"], "password": d["password"]} for d in docs], indent=1))
        return
    if not args.pred_dir:
        ap.error("--pred-dir is required unless --list-pdfs")
    report = score_set(_shared_scorer(args.shared), docs, args.pred_dir)
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(report, handle, indent=1)
    print(json.dumps(report["summary"]))


if __name__ == "__main__":
    main()
