#!/usr/bin/env python3
"""Extractive answer accuracy on the dev questions: how often the answer text contains the gold answer.

Reads a QA file in the `qa/dev.jsonl` layout, keeps the answerable questions with SHORT answers, ingests the
documents they need into one store with one `docrag ingest` call, answers them all with one batch call
`docrag ask --questions FILE.jsonl --json` (each question restricted to its own documents through `sources`, as
the retrieval scorer's "within" mode does), and reports the share of answers whose text contains a gold answer,
per evidence type and per QA source, plus the median context per question that an LLM backend would have been
sent (the `context` object of each answer line: text tokens, images, image tokens).

Short answers (the rule, decided from answer_format and length, never from individual questions):
  kept      answer_format not in {long-form, List, multi-span, None}, not unanswerable, and the first gold answer
            (a "['22.91']" list string is unwrapped) has at most 5 words and is not a bare yes/no;
  variants  every string in `answers` counts (FinQA rows carry the written and the computed value).
Containment, after normalising both texts: lower case; blanks collapsed; thousands separators dropped
(1,577 -> 1577); $, EUR, GBP and % signs dropped ("-$182" reads -182); trailing decimal zeros dropped
(1577.00 -> 1577, 3.50 -> 3.5).
The gold answer must match at word boundaries (gold 8 is not found in 18 or 8.5).

Usage
  HF_HUB_OFFLINE=1 .venv/bin/python bench/answer_accuracy.py --sources mmlongbench-doc --limit-docs 15 \
      --store /tmp/answer-store --out bench/results/answer-extractive.md
  --skip-ingest reuses a store that already holds the documents.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval"
EXCLUDED_FORMATS = frozenset({"long-form", "List", "multi-span", "None"})
MAX_ANSWER_WORDS = 5


def basename(path: str) -> str:
    return re.split(r"[\\/]", str(path))[-1]


def load_questions(qa_file: Path, sources: str | None, limit_docs: int | None) -> list[dict]:
    """Questions of the QA file; `sources`: comma-separated source names (prefix match); `limit_docs`: keep the
    first N documents in file order and the questions that need only those (as score_retrieval.py does)."""
    records = [json.loads(line) for line in qa_file.open(encoding="utf-8") if line.strip()]
    if sources:
        wanted = [s.strip() for s in sources.split(",") if s.strip()]
        records = [r for r in records if any(r["source"] == w or r["source"].startswith(w) for w in wanted)]
    if limit_docs:
        order: OrderedDict[str, None] = OrderedDict()
        for r in records:
            for d in r["docs"]:
                order.setdefault(basename(d), None)
        keep = set(list(order)[:limit_docs])
        records = [r for r in records if all(basename(d) in keep for d in r["docs"])]
    return records


def gold_variants(record: dict) -> list[str]:
    """The gold answers as strings, list strings ("['22.91']") unwrapped."""
    out: list[str] = []
    for answer in record.get("answers") or []:
        text = str(answer).strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, (list, tuple)):
                out.extend(str(v).strip() for v in value if str(v).strip())
                continue
        if text:
            out.append(text)
    return out


def is_short(record: dict) -> bool:
    """Whether the question is answerable with a short answer (see the module docstring)."""
    if record.get("unanswerable") or record.get("answer_format") in EXCLUDED_FORMATS:
        return False
    variants = gold_variants(record)
    if not variants:
        return False
    first = variants[0]
    return len(first.split()) <= MAX_ANSWER_WORDS and first.strip(" .").lower() not in ("yes", "no")


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_CURRENCY = re.compile(r"[$€£%]")
_SIGNED_CURRENCY = re.compile(r"(-)\s*[$€£]")
_ZEROS_ONLY = re.compile(r"(\d)\.0+(?!\d)")
_TRAILING_ZEROS = re.compile(r"(\d\.\d*?[1-9])0+(?!\d)")


def normalise(text: str) -> str:
    """Lower case, thousands separators, currency and % signs and trailing decimal zeros dropped, blanks
    collapsed."""
    text = text.lower().replace("\u2212", "-")
    text = _SIGNED_CURRENCY.sub(r"\1", text)  # "-$182" is -182
    text = _THOUSANDS.sub("", text)
    text = _CURRENCY.sub(" ", text)
    text = _ZEROS_ONLY.sub(r"\1", text)
    text = _TRAILING_ZEROS.sub(r"\1", text)
    return " ".join(text.split())


def contains_gold(answer: str, variants: list[str]) -> bool:
    """Whether the normalised answer holds one normalised gold variant at word boundaries."""
    haystack = normalise(answer)
    for variant in variants:
        needle = normalise(variant)
        if needle and re.search(r"(?<![\w.])" + re.escape(needle) + r"(?![\w]|\.\d)", haystack):
            return True
    return False


def run(command: list[str], timeout: float, env: dict[str, str]) -> tuple[str, float]:
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {shlex.join(command[:6])} ...\n{proc.stderr[-3000:]}")
    return proc.stdout, time.monotonic() - started


def rate(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.3f}" if values else "-"


def summarise(scored: list[dict]) -> dict:
    by_type: dict[str, list[bool]] = defaultdict(list)
    by_source: dict[str, list[bool]] = defaultdict(list)
    for q in scored:
        for kind in q["types"]:
            by_type[kind].append(q["correct"])
        by_source[q["source"]].append(q["correct"])
    contexts = [q["context"] for q in scored if q.get("context")]

    def median(key: str) -> float | None:
        return statistics.median(c[key] for c in contexts) if contexts else None

    return {"n": len(scored), "contains_gold": rate([q["correct"] for q in scored]),
            "by_type": {k: {"n": len(v), "contains_gold": rate(v)} for k, v in sorted(by_type.items())},
            "by_source": {k: {"n": len(v), "contains_gold": rate(v)} for k, v in sorted(by_source.items())},
            "median_context": {"text_tokens": median("text_tokens"), "images": median("images"),
                               "image_tokens": median("image_tokens"),
                               "counted_by": contexts[0]["counted_by"] if contexts else None},
            "errors": sum(1 for q in scored if q.get("error")),
            "no_citation": sum(1 for q in scored if not q.get("citations"))}


def markdown(summary: dict, command: str, subset: str, seconds: dict[str, float]) -> str:
    lines = ["# Extractive answers: does the answer text contain the gold answer?", "",
             f"Subset: {subset}. Command:", "", "```", command, "```", "",
             f"Short answerable questions: {summary['n']}; answer text contains the gold answer: "
             f"**{summary['contains_gold']}**; errors: {summary['errors']}; answers without a citation: "
             f"{summary['no_citation']}. Ingest {seconds['ingest']:.0f} s, batch ask {seconds['ask']:.0f} s "
             "(one process, models loaded once).", "",
             "| evidence type | n | contains gold |", "|---|---|---|"]
    lines += [f"| {k} | {v['n']} | {v['contains_gold']} |" for k, v in summary["by_type"].items()]
    lines += ["", "| QA source | n | contains gold |", "|---|---|---|"]
    lines += [f"| {k} | {v['n']} | {v['contains_gold']} |" for k, v in summary["by_source"].items()]
    ctx = summary["median_context"]
    lines += ["", f"Median context per question an LLM backend (openai:, default limits) would have been sent: "
              f"{ctx['text_tokens']} text tokens ({ctx['counted_by']}), {ctx['images']} images "
              f"({ctx['image_tokens']} image tokens at OpenAI-style tile costs)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="eval folder (QA paths are relative to it)")
    ap.add_argument("--qa", help="QA JSONL (default DATA/qa/dev.jsonl)")
    ap.add_argument("--sources", help="comma-separated QA sources (prefix match: 'uda' = all uda-*)")
    ap.add_argument("--limit-docs", type=int, help="keep the first N documents (QA file order) and their questions")
    ap.add_argument("--store", help="store folder (default: a temporary one)")
    ap.add_argument("--skip-ingest", action="store_true", help="reuse --store as it is")
    ap.add_argument("--llm", default="extractive", help="answer backend spec passed to docrag ask --llm")
    ap.add_argument("--docrag", default=str(ROOT / ".venv" / "bin" / "docrag"))
    ap.add_argument("--timeout", type=float, default=4 * 3600)
    ap.add_argument("--out", help="Markdown report")
    ap.add_argument("--json-out", help="per-question results as JSON")
    args = ap.parse_args(argv)

    data = Path(args.data)
    records = load_questions(Path(args.qa) if args.qa else data / "qa" / "dev.jsonl", args.sources, args.limit_docs)
    short = [r for r in records if is_short(r)]
    subset = (f"sources={args.sources or 'all'}, limit_docs={args.limit_docs or 'all'}: {len(records)} questions, "
              f"{len(short)} short answerable")
    print(subset, file=sys.stderr)
    if not short:
        raise SystemExit("no short answerable questions in this subset")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    store = Path(args.store or tempfile.mkdtemp(prefix="docrag-answers-"))
    seconds = {"ingest": 0.0, "ask": 0.0}
    if not args.skip_ingest:
        paths = list(OrderedDict((basename(d), str(data / d)) for r in short for d in r["docs"]).values())
        out, seconds["ingest"] = run([args.docrag, "ingest", "--store", str(store), "--json", *paths], args.timeout,
                                     env)
        report = json.loads(out)
        print(f"ingested {len(paths)} documents in {seconds['ingest']:.0f}s; failed: {report.get('failed')}",
              file=sys.stderr)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for r in short:
            handle.write(json.dumps({"id": r["qid"], "question": r["question"],
                                     "sources": sorted({basename(d) for d in r["docs"]})}) + "\n")
        questions_file = handle.name
    command = [args.docrag, "ask", "--store", str(store), "--json", "--llm", args.llm, "--questions", questions_file]
    out, seconds["ask"] = run(command, args.timeout, env)
    os.unlink(questions_file)
    answers = {row.get("id"): row for row in map(json.loads, filter(str.strip, out.splitlines()))}
    scored = []
    for r in short:
        row = answers.get(r["qid"]) or {"error": "no answer line"}
        scored.append({"qid": r["qid"], "source": r["source"], "types": r.get("evidence_types") or ["unknown"],
                       "gold": gold_variants(r), "answer": row.get("answer", ""), "error": row.get("error"),
                       "citations": row.get("citations"), "context": row.get("context"),
                       "correct": bool(row.get("answer")) and contains_gold(row.get("answer", ""),
                                                                            gold_variants(r))})
    summary = summarise(scored)
    threads = [f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}"] if os.environ.get("OMP_NUM_THREADS") else []
    shown = " ".join(shlex.quote(a) for a in [*threads, "HF_HUB_OFFLINE=1", ".venv/bin/python",
                                              "bench/answer_accuracy.py", *(argv if argv is not None else sys.argv[1:])])
    write_reports(markdown(summary, shown, subset, seconds), summary, scored, args.out, args.json_out)
    return 0


def write_reports(text: str, summary: dict, rows: list, out: str | None, json_out: str | None) -> None:
    """Print the Markdown report and write it (`out`) and the per-question JSON (`json_out`) where asked."""
    print(text)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    if json_out:
        Path(json_out).write_text(json.dumps({"summary": summary, "questions": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
