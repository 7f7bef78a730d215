#!/usr/bin/env python3
"""Extractive answers on the dev questions: containment of the gold answer, abstention and false abstention.

One `docrag ask --questions FILE.jsonl --json` batch over every question of the subset (each restricted to its own
documents, as bench/answer_accuracy.py does), on a store that already holds them (ingest once with
bench/answer_accuracy.py or `docrag ingest`, then reuse it here). Reported:
  contains gold      short answerable questions (bench/answer_accuracy.py's rule) whose answer text holds a gold
                     answer, overall and per evidence type and QA source;
  abstention         unanswerable questions answered "answerable": false ("Not found in the documents");
  false abstention   answerable questions (all answer formats) answered "answerable": false;
  sweep              both rates for other thresholds, from each answer's "support" (the share of the question's
                     term weight the best evidence holds): what calibrates chat.abstention.SUPPORT_THRESHOLD.
The questions are also cut in two halves by a hash of their id: the threshold is chosen on the "calibrate"
half and both rates are reported on the "check" half, so the figure is not read off the data it was fitted to.

Usage
  PYTHONPATH=. HF_HUB_OFFLINE=1 python bench/abstention.py --store /tmp/answers-store --sources mmlongbench-doc \
      --docs-file DOCS.txt --out bench/results/answers-mmlb.md --json-out /tmp/answers.json
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answer_accuracy import (basename, contains_gold, gold_variants, is_short, load_questions,  # noqa: E402
                             write_reports)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval"
MAX_FALSE_ABSTENTION = 0.10
SWEEP = [round(0.05 * i, 2) for i in range(0, 17)]


def rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def half(qid: str) -> str:
    """"calibrate" or "check", by a hash of the question id (stable across runs and machines)."""
    return "calibrate" if hashlib.sha1(qid.encode()).digest()[0] % 2 == 0 else "check"


def rates_at(rows: list[dict], threshold: float) -> dict:
    """Abstention on unanswerable and false abstention on answerable rows if answers under `threshold` abstain."""
    unanswerable = [r["support"] < threshold for r in rows if r["unanswerable"]]
    answerable = [r["support"] < threshold for r in rows if not r["unanswerable"]]
    return {"threshold": threshold, "abstention": rate(unanswerable), "false_abstention": rate(answerable),
            "n_unanswerable": len(unanswerable), "n_answerable": len(answerable)}


def calibrate(rows: list[dict]) -> float:
    """The threshold that abstains on the most unanswerable questions while false abstention stays at or under
    MAX_FALSE_ABSTENTION; of thresholds that abstain alike, the one with the least false abstention (the lowest).
    Without unanswerable questions, the highest within the false-abstention bound."""
    best, best_key = 0.0, None
    for threshold in SWEEP:
        rates = rates_at(rows, threshold)
        if (rates["false_abstention"] or 0.0) > MAX_FALSE_ABSTENTION:
            continue
        key = (rates["abstention"] if rates["abstention"] is not None else threshold,
               -(rates["false_abstention"] or 0.0))
        if best_key is None or key > best_key:
            best, best_key = threshold, key
    return best


def summarise(rows: list[dict]) -> dict:
    short = [r for r in rows if r["short"]]
    by_type: dict[str, list[bool]] = defaultdict(list)
    by_source: dict[str, list[bool]] = defaultdict(list)
    for r in short:
        for kind in r["types"]:
            by_type[kind].append(r["correct"])
        by_source[r["source"]].append(r["correct"])
    shipped = {"abstention": rate([not r["answerable"] for r in rows if r["unanswerable"]]),
               "false_abstention": rate([not r["answerable"] for r in rows if not r["unanswerable"]]),
               "false_abstention_short": rate([not r["answerable"] for r in short])}
    out = {"n": len(rows), "n_short": len(short), "contains_gold": rate([r["correct"] for r in short]),
           "by_type": {k: {"n": len(v), "contains_gold": rate(v)} for k, v in sorted(by_type.items())},
           "by_source": {k: {"n": len(v), "contains_gold": rate(v)} for k, v in sorted(by_source.items())},
           "shipped_threshold": shipped, "sweep": [rates_at(rows, t) for t in SWEEP],
           "errors": sum(1 for r in rows if r.get("error"))}
    calibration = [r for r in rows if half(r["qid"]) == "calibrate"]
    check = [r for r in rows if half(r["qid"]) == "check"]
    if calibration and check:
        chosen = calibrate(calibration)
        out["split"] = {"chosen_on_calibrate_half": chosen, "check_half": rates_at(check, chosen)}
    return out


def markdown(summary: dict, command: str, subset: str, seconds: float) -> str:
    shipped = summary["shipped_threshold"]
    lines = ["# Extractive answers: containment, abstention, false abstention", "", f"Subset: {subset}.", "",
             "```", command, "```", "",
             f"Short answerable questions: {summary['n_short']}; answer text contains the gold answer: "
             f"**{summary['contains_gold']}**. All questions: {summary['n']}; errors: {summary['errors']}; batch "
             f"ask {seconds:.0f} s.", "",
             f"At the shipped threshold: unanswerable answered \"not found\" **{shipped['abstention']}**; "
             f"answerable answered \"not found\" (false abstention) **{shipped['false_abstention']}** (short "
             f"answerable only: {shipped['false_abstention_short']}).", "",
             "| evidence type | n | contains gold |", "|---|---|---|"]
    lines += [f"| {k} | {v['n']} | {v['contains_gold']} |" for k, v in summary["by_type"].items()]
    lines += ["", "| QA source | n | contains gold |", "|---|---|---|"]
    lines += [f"| {k} | {v['n']} | {v['contains_gold']} |" for k, v in summary["by_source"].items()]
    lines += ["", "| support threshold | abstention (unanswerable) | false abstention (answerable) |", "|---|---|---|"]
    lines += [f"| {s['threshold']} | {s['abstention']} | {s['false_abstention']} |" for s in summary["sweep"]]
    if "split" in summary:
        split = summary["split"]
        check = split["check_half"]
        lines += ["", f"Split by question-id hash: threshold chosen on the calibrate half (false abstention <= "
                  f"{MAX_FALSE_ABSTENTION}): {split['chosen_on_calibrate_half']}; on the check half "
                  f"({check['n_unanswerable']} unanswerable, {check['n_answerable']} answerable): abstention "
                  f"{check['abstention']}, false abstention {check['false_abstention']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="eval folder (QA paths are relative to it)")
    ap.add_argument("--qa", help="QA JSONL (default DATA/qa/dev.jsonl)")
    ap.add_argument("--sources", help="comma-separated QA sources (prefix match: 'uda' = all uda-*)")
    ap.add_argument("--docs-file", help="keep only questions whose documents are all listed (one path a line)")
    ap.add_argument("--store", required=True, help="a store that holds the documents")
    ap.add_argument("--llm", default="extractive", help="answer backend spec passed to docrag ask --llm")
    ap.add_argument("--docrag", default=f"{sys.executable} -m chat.cli", help="the docrag command (shell words)")
    ap.add_argument("--timeout", type=float, default=4 * 3600)
    ap.add_argument("--out", help="Markdown report")
    ap.add_argument("--json-out", help="per-question results as JSON")
    args = ap.parse_args(argv)

    data = Path(args.data)
    records = load_questions(Path(args.qa) if args.qa else data / "qa" / "dev.jsonl", args.sources, None)
    if args.docs_file:
        keep = {basename(line.strip()) for line in open(args.docs_file, encoding="utf-8") if line.strip()}
        records = [r for r in records if all(basename(d) in keep for d in r["docs"])]
    subset = (f"sources={args.sources or 'all'}, documents={args.docs_file or 'all'}: {len(records)} questions, "
              f"{sum(1 for r in records if r.get('unanswerable'))} unanswerable, "
              f"{sum(1 for r in records if is_short(r))} short answerable")
    print(subset, file=sys.stderr)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for r in records:
            handle.write(json.dumps({"id": r["qid"], "question": r["question"],
                                     "sources": sorted({basename(d) for d in r["docs"]})}) + "\n")
        questions_file = handle.name
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    command = [*shlex.split(args.docrag), "ask", "--store", args.store, "--json", "--llm", args.llm,
               "--questions", questions_file]
    started = time.monotonic()
    import subprocess
    proc = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, env=env, cwd=ROOT)
    seconds = time.monotonic() - started
    os.unlink(questions_file)
    if proc.returncode != 0:
        raise SystemExit(f"docrag ask failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    answers = {row.get("id"): row for row in map(json.loads, filter(str.strip, proc.stdout.splitlines()))}
    rows = []
    for r in records:
        row = answers.get(r["qid"]) or {"error": "no answer line"}
        text = row.get("answer", "")
        # The abstention's "Searched 20 passages ..." line states counts, not findings: it never counts as holding
        # a gold answer (the nearest evidence quoted after it does).
        scored = "\n".join(line for line in text.splitlines() if not line.startswith("Searched "))
        rows.append({"qid": r["qid"], "source": r["source"], "types": r.get("evidence_types") or ["unknown"],
                     "unanswerable": bool(r.get("unanswerable")), "short": is_short(r), "gold": gold_variants(r),
                     "answer": text, "error": row.get("error"), "answerable": row.get("answerable", True),
                     "support": row.get("support") if row.get("support") is not None else 1.0,
                     "correct": bool(scored) and is_short(r) and contains_gold(scored, gold_variants(r))})
    summary = summarise(rows)
    shown = " ".join(["PYTHONPATH=. HF_HUB_OFFLINE=1 python bench/abstention.py",
                      *map(shlex.quote, argv if argv is not None else sys.argv[1:])])
    write_reports(markdown(summary, shown, subset, seconds), summary, rows, args.out, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
