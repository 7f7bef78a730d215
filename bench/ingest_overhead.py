#!/usr/bin/env python3
"""What embedding and indexing add to parse time: issue 4's ingest target ("no more than half again").

Runs, alternately and `--runs` times, the parse alone (bench/parse_speed.py: its process_s, timed inside the
process from the first file to the last) and a full `docrag ingest` of the same files into a fresh store, timed
two ways: inside the process (the ingest report's `seconds`, from Library.add's start to its end: like for like
with process_s) and as the command's wall time (also interpreter start and the CLI's imports). Alternating keeps
a machine that slows down or speeds up during the run from favouring either side. Reports each run, the medians
and the overheads (median ingest / median parse - 1).

  .venv/bin/python bench/ingest_overhead.py --list ../shared/bench/speed_set.txt --data ../shared/eval \
      [--runs 3] [--workers 2] [--out bench/results/ingest-overhead.json]
"""
import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
log = logging.getLogger("ingest_overhead")


def parse_seconds(args: argparse.Namespace, scratch: Path) -> float:
    report = scratch / "parse.json"
    subprocess.run([sys.executable, str(HERE / "parse_speed.py"), "--list", args.list, "--data", args.data,
                    "--workers", str(args.workers), "--ocr", "off", "--out", str(report)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return float(json.loads(report.read_text())["process_s"])


def ingest_seconds(args: argparse.Namespace, files: list[str], scratch: Path) -> tuple[float, dict]:
    store = scratch / "store"
    shutil.rmtree(store, ignore_errors=True)
    docrag = Path(sys.executable).with_name("docrag")
    command = [str(docrag), "ingest", "--store", str(store), "--json", "--workers", str(args.workers),
               "--ocr", "off", *files]
    started = time.monotonic()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.monotonic() - started
    report = json.loads(done.stdout)
    shutil.rmtree(store, ignore_errors=True)
    return seconds, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    names = [line.strip() for line in open(args.list) if line.strip() and not line.startswith("#")]
    files = [str(Path(args.data) / name) for name in names]
    scratch = Path(tempfile.mkdtemp(prefix="docrag_overhead_"))
    runs = []
    try:
        for run in range(1, args.runs + 1):
            parse_s = parse_seconds(args, scratch)
            ingest_s, report = ingest_seconds(args, files, scratch)
            if report.get("failed"):
                raise SystemExit(f"ingest failed on some files: {report['failed']}")
            inside_s = float(report["seconds"])
            runs.append({"parse_s": round(parse_s, 2), "ingest_s": round(inside_s, 2),
                         "ingest_wall_s": round(ingest_s, 2), "pages": report["pages"]})
            log.info("run %d: parse %.1f s, ingest %.1f s in process (%+.0f%%), %.1f s wall (%+.0f%%)", run,
                     parse_s, inside_s, 100 * (inside_s / parse_s - 1), ingest_s, 100 * (ingest_s / parse_s - 1))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    parse_median = statistics.median(r["parse_s"] for r in runs)
    ingest_median = statistics.median(r["ingest_s"] for r in runs)
    wall_median = statistics.median(r["ingest_wall_s"] for r in runs)
    result = {"files": len(files), "workers": args.workers, "cpus": os.cpu_count(), "runs": runs,
              "parse_median_s": parse_median, "ingest_median_s": ingest_median, "ingest_wall_median_s": wall_median,
              "overhead": round(ingest_median / parse_median - 1, 3),
              "overhead_wall": round(wall_median / parse_median - 1, 3), "target": 0.5}
    text = json.dumps(result, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
