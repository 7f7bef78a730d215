#!/usr/bin/env python3
"""Answer-in-context: the share of short-answer dev questions whose packed context holds the gold answer.

docrag's side is the evidence text an answer model is sent: the question's hits (Library.search with the
library's answer_k, restricted to the question's documents as `docrag ask` restricts them), packed by
chat.context.select_evidence under each budget (items, tokens; crops at OpenAI-style tile costs take their share
of the budget, as an `openai:` backend sends them) and rendered by chat.context.format_evidence. Only the text is
scored: a gold answer that only a crop shows counts as absent.

The naive side is the tutorial RAG at equal tokens: each page's PyMuPDF text cut into fixed-size chunks (1,000
characters, 200 overlapping, cut at blanks, like RecursiveCharacterTextSplitter(1000, 200)), embedded with the
store's own text embedder (so only the chunking and packing differ), the question's documents' chunks ranked by
cosine similarity and taken best first until they hold as many tokens as docrag's context for that question
(the last chunk cut at a blank to fit).

Containment is bench/answer_accuracy.py's rule (short answers, normalised, word boundaries); tokens are counted
by chat.token_budget.configured_counter() (tiktoken when cached, else 4 characters a token) for both sides.

Usage (a store that already holds the documents; missing ones are ingested into it first):
  HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python bench/answer_in_context.py --sources mmlongbench-doc \
      --store /tmp/store --budgets 8:3000,20:8000 --out bench/results/answer-in-context.md
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answer_accuracy import DEFAULT_DATA, basename, contains_gold, gold_variants, is_short, load_questions  # noqa: E402

CHUNK_CHARS = 1000
CHUNK_OVERLAP = 200


def fixed_chunks(text: str, size: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """`text` in pieces of at most `size` characters cut at blanks, each starting about `overlap` characters
    before the previous one ended (a word longer than `size` is its own piece)."""
    words = text.split()
    chunks: list[str] = []
    start = 0
    while start < len(words):
        end, length = start, 0
        while end < len(words) and (end == start or length + 1 + len(words[end]) <= size):
            length += len(words[end]) + (end > start)
            end += 1
        chunks.append(" ".join(words[start:end]))
        if end >= len(words):
            break
        back, kept = end, 0
        while back - 1 > start and kept + len(words[back - 1]) + 1 <= overlap:
            back -= 1
            kept += len(words[back]) + 1
        start = back
    return chunks


def cut_to_tokens(text: str, budget: int, count) -> str:
    """The longest prefix of `text`, cut at a blank, that costs at most `budget` tokens."""
    words = text.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(" ".join(words[:mid])) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


class NaiveChunks:
    """The tutorial baseline's chunks of each document, embedded once with the store's embedder."""

    def __init__(self, embedder, paths: dict[str, Path]) -> None:
        self.embedder = embedder
        self.paths = paths
        self.cache: dict[str, tuple[list[str], np.ndarray]] = {}

    def of(self, name: str) -> tuple[list[str], np.ndarray]:
        if name not in self.cache:
            import pymupdf

            texts: list[str] = []
            with pymupdf.open(self.paths[name]) as doc:
                for page in doc:
                    texts.extend(fixed_chunks(page.get_text()))
            vectors = self.embedder.embed_documents(texts) if texts else np.zeros((0, 1), dtype=np.float32)
            self.cache[name] = (texts, np.asarray(vectors, dtype=np.float32))
        return self.cache[name]

    def context(self, question: str, names: list[str], tokens: int, count) -> str:
        """The best chunks of `names` for `question`, joined, up to `tokens` tokens."""
        texts: list[str] = []
        scores: list[float] = []
        query = np.asarray(self.embedder.embed_queries([question])[0], dtype=np.float32)
        for name in names:
            chunk_texts, vectors = self.of(name)
            if chunk_texts:
                norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(query) or 1.0)
                scores.extend((vectors @ query / np.where(norms == 0, 1, norms)).tolist())
                texts.extend(chunk_texts)
        out: list[str] = []
        used = 0
        for i in sorted(range(len(texts)), key=lambda j: -scores[j]):
            cost = count(texts[i])
            if used + cost > tokens:
                rest = cut_to_tokens(texts[i], tokens - used, count)
                if rest:
                    out.append(rest)
                break
            out.append(texts[i])
            used += cost
        return "\n\n".join(out)


def parse_budgets(spec: str) -> list[tuple[int, int]]:
    """"8:3000,20:8000" -> [(8, 3000), (20, 8000)] (max items, token budget)."""
    out = []
    for part in spec.split(","):
        items, _, tokens = part.partition(":")
        out.append((int(items), int(tokens)))
    return out


def measure(library, questions: list[dict], budgets: list[tuple[int, int]], naive: NaiveChunks, counter,
            max_images: int, table_rows: bool) -> list[dict]:
    """Per question and budget: tokens and whether docrag's packed context (before: the items alone; after: headed
    by the derived facts, as chat.messages sends it) and the naive chunks hold the gold."""
    from chat.context import derived_block, format_evidence, select_evidence
    from chat.derived_facts import select_with_facts
    from chat.evidence_excerpt import excerpt_for
    from chat.token_budget import openai_image_tokens
    from chat.untrusted_text import Fence

    k = max(library.config.answer_k, max(items for items, _ in budgets))
    rows = []
    for n, record in enumerate(questions, start=1):
        names = sorted({basename(d) for d in record["docs"]})
        hits = library.evidence(record["question"], k=k, sources=names)
        gold = gold_variants(record)
        row = {"qid": record["qid"], "source": record["source"], "types": record.get("evidence_types") or
               ["unknown"], "gold": gold, "budgets": {}}
        for items_max, tokens in budgets:
            fence = Fence.new()
            limits = dict(max_items=items_max, token_budget=tokens, count_tokens=counter.count,
                          max_images=max_images, image_cost=openai_image_tokens, fence=fence,
                          excerpt=excerpt_for(record["question"]) if table_rows else None)
            before = format_evidence(select_evidence(hits, **limits), fence)
            items, facts = select_with_facts(record["question"], hits, **limits)
            text = format_evidence(items, fence, facts)
            text_tokens = counter.count(text)
            plain = naive.context(record["question"], names, text_tokens, counter.count)
            row["budgets"][f"{items_max}:{tokens}"] = {
                "items": len(items), "images": sum(i.crop_size is not None for i in items),
                "text_tokens": text_tokens, "before": contains_gold(before, gold),
                "docrag": contains_gold(text, gold), "naive": contains_gold(plain, gold),
                "naive_tokens": counter.count(plain), "facts": len(facts),
                "in_facts": any(contains_gold(derived_block(f, fence), gold) for f in facts),
                "fact_lines": [f.line for f in facts]}
        rows.append(row)
        if n % 20 == 0:
            logging.info("%d/%d questions", n, len(questions))
    return rows


def summarise(rows: list[dict], budgets: list[tuple[int, int]]) -> dict:
    out = {}
    for items_max, tokens in budgets:
        key = f"{items_max}:{tokens}"
        per = [r["budgets"][key] for r in rows]
        by_type: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
        for r in rows:
            for kind in r["types"]:
                b = r["budgets"][key]
                by_type[kind].append((b["docrag"], b["naive"], b.get("before", b["docrag"])))
        gained = [p for p in per if p["docrag"] and not p.get("before", True)]
        out[key] = {"n": len(per), "before": _share([p.get("before", p["docrag"]) for p in per]),
                    "docrag": _share([p["docrag"] for p in per]), "naive": _share([p["naive"] for p in per]),
                    "with_facts": sum(bool(p.get("facts")) for p in per),
                    "facts_hold_gold": sum(bool(p.get("in_facts")) for p in per),
                    "gained": len(gained),
                    "lost": sum(1 for p in per if p.get("before") and not p["docrag"]),
                    # a gained question's gold stated by a computed line, or by an item (none left out held it)
                    "gained_by_fact": sum(bool(p["in_facts"]) for p in gained),
                    "median_text_tokens": statistics.median(p["text_tokens"] for p in per) if per else None,
                    "median_items": statistics.median(p["items"] for p in per) if per else None,
                    "median_images": statistics.median(p["images"] for p in per) if per else None,
                    "by_type": {t: {"n": len(v), "before": _share([c for _, _, c in v]),
                                    "docrag": _share([a for a, _, _ in v]), "naive": _share([b for _, b, _ in v])}
                                for t, v in sorted(by_type.items())}}
    return out


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def markdown(summary: dict, command: str, subset: str, counted_by: str) -> str:
    lines = [f"Subset: {subset}. Tokens counted by {counted_by}.", "", "```", command, "```", "",
             "| budget (items:tokens) | n | items alone hold gold | with computed values | naive chunks, equal "
             "tokens | questions with a computed value (it holds gold) | gained (gold in the computed line) | lost "
             "| median text tokens | median items | median crops |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, s in summary.items():
        lines.append(f"| {key} | {s['n']} | {s['before']} | **{s['docrag']}** | {s['naive']} | {s['with_facts']} "
                     f"({s['facts_hold_gold']}) | {s['gained']} ({s['gained_by_fact']}) | {s['lost']} | "
                     f"{s['median_text_tokens']} | {s['median_items']} | {s['median_images']} |")
    lines += ["", "| budget | evidence type | n | items alone | with computed values | naive |",
              "|---|---|---|---|---|---|"]
    for key, s in summary.items():
        lines += [f"| {key} | {t} | {v['n']} | {v['before']} | {v['docrag']} | {v['naive']} |"
                  for t, v in s["by_type"].items()]
    return "\n".join(lines) + "\n"


def pool(paths: list[str], out: str | None) -> int:
    """The questions of several --json-out files summarised together (e.g. every source of the dev split)."""
    rows = [row for path in paths for row in json.loads(Path(path).read_text(encoding="utf-8"))["questions"]]
    keys = list(rows[0]["budgets"]) if rows else []
    text = markdown(summarise(rows, [tuple(map(int, k.split(":"))) for k in keys]),
                    " ".join(["bench/answer_in_context.py --pool", *paths]),
                    f"{len(rows)} short answerable questions pooled", "each file's counter")
    print(text)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="eval folder (QA paths are relative to it)")
    ap.add_argument("--qa", help="QA JSONL (default DATA/qa/dev.jsonl)")
    ap.add_argument("--sources", help="comma-separated QA sources (prefix match)")
    ap.add_argument("--limit-docs", type=int, help="keep the first N documents (QA file order) and their questions")
    ap.add_argument("--store", help="store folder holding (or to hold) the documents (required unless --pool)")
    ap.add_argument("--budgets", default="8:3000,20:8000", help="max items:token budget pairs, comma-separated")
    ap.add_argument("--max-images", type=int, default=4, help="crops packed per question (they cost budget)")
    ap.add_argument("--packing", choices=("whole", "rows"), default="whole",
                    help="tables sent whole, or long tables as their header and the rows the question names")
    ap.add_argument("--out", help="Markdown report")
    ap.add_argument("--json-out", help="per-question results as JSON")
    ap.add_argument("--pool", nargs="+", metavar="JSON",
                    help="only summarise the questions of earlier --json-out files together (no store needed)")
    args = ap.parse_args(argv)
    if args.pool:
        return pool(args.pool, args.out)
    if not args.store:
        ap.error("--store is required (unless --pool)")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for noisy in ("httpx", "chromadb", "retrieval", "chat", "docparse"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from chat.library import Library
    from chat.token_budget import configured_counter

    data = Path(args.data)
    records = load_questions(Path(args.qa) if args.qa else data / "qa" / "dev.jsonl", args.sources, args.limit_docs)
    short = [r for r in records if is_short(r)]
    subset = (f"sources={args.sources or 'all'}, limit_docs={args.limit_docs or 'all'}: {len(records)} questions, "
              f"{len(short)} short answerable")
    logging.info(subset)
    paths = {basename(d): data / d for r in short for d in r["docs"]}
    library = Library.open(args.store)
    stored = {record.source for record in library.index.documents()}
    missing = [p for name, p in paths.items() if name not in stored]
    if missing:
        logging.info("ingesting %d documents missing from %s", len(missing), args.store)
        library.add(missing)
    counter = configured_counter()
    budgets = parse_budgets(args.budgets)
    rows = measure(library, short, budgets, NaiveChunks(library.index.embedder, paths), counter, args.max_images,
                   args.packing == "rows")
    summary = summarise(rows, budgets)
    shown = " ".join(["HF_HUB_OFFLINE=1", "PYTHONPATH=.", ".venv/bin/python", "bench/answer_in_context.py",
                      *map(shlex.quote, argv if argv is not None else sys.argv[1:])])
    text = markdown(summary, shown, subset, counter.name)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"summary": summary, "questions": rows}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
