#!/usr/bin/env python3
"""Three table sets side by side: ICDAR 2013 dev, camelot's and tabula-java's expected tables; docrag and peers.

Each system parses each set's PDFs in its own process (bench/table_peers.py; separate processes because docrag
swaps PyMuPDF's layout model for its own session set-up), saving `PRED/<system>/<set>/<stem>.json`; existing
files are kept, so an interrupted run resumes. Then ../shared/bench/score_tables.py scores ICDAR (detection and
structure F1) and bench/score_table_sets.py the other two, and the figures go to a JSON report and a Markdown
table.

  PYTHONPATH=$PWD .venv/bin/python bench/run_tables.py --pred /tmp/table-preds \
      --systems docrag,pymupdf4llm_md,pymupdf4llm_html,camelot --jobs 2 \
      --out bench/results/tables-three-sets.json --md bench/results/tables-three-sets.md
  ... run_tables.py predict --system docrag --set camelot --pred-dir DIR   # one system, one set
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import score_table_sets  # noqa: E402  (beside this file)

SETS = ("icdar", "camelot", "tabula")
SYSTEMS = ("docrag", "pymupdf4llm_md", "pymupdf4llm_html", "camelot")
logger = logging.getLogger("run_tables")


def _icdar_dir(shared: str) -> str:
    return os.path.join(shared, "eval", "icdar2013-table-competition")


def set_pdfs(name: str, shared: str) -> list[dict]:
    """[{pdf, password}] of one set."""
    if name == "icdar":
        index = json.load(open(os.path.join(_icdar_dir(shared), "index.json")))
        pdfs = sorted({e.get("pdf") for e in index if e.get("pdf")})
        return [{"pdf": os.path.join(_icdar_dir(shared), p), "password": None} for p in pdfs]
    return [{"pdf": d["pdf"], "password": d["password"]} for d in score_table_sets.SETS[name](shared)]


def predict_set(system: str, name: str, shared: str, pred_dir: Path) -> None:
    from table_peers import predict

    pred_dir.mkdir(parents=True, exist_ok=True)
    for item in set_pdfs(name, shared):
        target = pred_dir / (Path(item["pdf"]).stem + ".json")
        if target.exists():
            continue
        started = time.time()
        pred = predict(system, Path(item["pdf"]), item["password"])
        pred["seconds"] = round(time.time() - started, 3)
        target.write_text(json.dumps(pred))
        logger.info("%s %s %s: %d tables, %.1fs", system, name, target.stem, len(pred["elements"]), pred["seconds"])


def score(system: str, name: str, shared: str, pred_dir: Path) -> dict:
    if name == "icdar":
        proc = subprocess.run([sys.executable, os.path.join(shared, "bench", "score_tables.py"), "--data",
                               _icdar_dir(shared), "--pred-dir", str(pred_dir)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"score_tables.py failed on {pred_dir}: {proc.stderr.strip()[-300:]}")
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
    else:
        summary = score_table_sets.score_set(score_table_sets._shared_scorer(shared),
                                             score_table_sets.SETS[name](shared), str(pred_dir))["summary"]
    seconds = [json.load(open(p)).get("seconds") or 0.0 for p in pred_dir.glob("*.json")]
    summary["parse_seconds_sum"] = round(sum(seconds), 2)
    return summary


def _cell(summary: dict, key: str) -> str:
    part = summary.get(key)
    return f"{part['f1']:.3f}" if part else "-"


def markdown(report: dict) -> str:
    systems = list(report)
    lines = ["| system | ICDAR dev detection | ICDAR dev structure | camelot structure | tabula structure "
             "| tabula detection (JSON part) | errors (I/c/t) |", "|---|---|---|---|---|---|---|"]
    for system in systems:
        r = report[system]
        errs = "/".join(str(r[s].get("errors", "-")) if s in r else "-" for s in SETS)
        icdar, cam, tab = r.get("icdar", {}), r.get("camelot", {}), r.get("tabula", {})
        lines.append(f"| {system} | {_cell(icdar, 'detection')} | {_cell(icdar, 'structure')} "
                     f"| {_cell(cam, 'structure')} | {_cell(tab, 'structure')} | {_cell(tab, 'detection')} | {errs} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", nargs="?", default="all", choices=("all", "predict", "score"))
    ap.add_argument("--shared", default=score_table_sets.DEFAULT_SHARED)
    ap.add_argument("--pred", default="/tmp/docrag-table-preds", help="root of PRED/<system>/<set>/")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--system", help="predict: the one system")
    ap.add_argument("--set", help="predict: the one set")
    ap.add_argument("--pred-dir", help="predict: output folder")
    ap.add_argument("--jobs", type=int, default=1, help="system x set predictions run at once")
    ap.add_argument("--out")
    ap.add_argument("--md")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    if args.command == "predict":
        predict_set(args.system, args.set, args.shared, Path(args.pred_dir))
        return
    systems, sets = args.systems.split(","), args.sets.split(",")
    if args.command == "all":
        def run(job):
            system, name = job
            cmd = [sys.executable, __file__, "predict", "--system", system, "--set", name, "--shared", args.shared,
                   "--pred-dir", str(Path(args.pred) / system / name)]
            code = subprocess.run(cmd).returncode
            if code != 0:
                logger.warning("%s on %s: predictions exited with %d", system, name, code)
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            list(pool.map(run, [(s, n) for s in systems for n in sets]))
    report = {s: {n: score(s, n, args.shared, Path(args.pred) / s / n) for n in sets} for s in systems}
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    table = markdown(report)
    if args.md:
        Path(args.md).write_text(table)
    print(table)


if __name__ == "__main__":
    main()
