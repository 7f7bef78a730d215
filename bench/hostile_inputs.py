"""Hostile inputs: build a folder of broken, malicious, odd and special files (bench/hostile_folder.py), ingest it
with the CLI in a subprocess under a timeout, and account for every input.

Usage:
  .venv/bin/python bench/hostile_inputs.py [--workers N] [--timeout S] [--keep DIR] [--json] [--docrag DIR]
(--docrag: the source tree whose CLI is run, e.g. another checkout, to compare versions on the same folder.)

Prints, over the inputs:
- tried: inputs in the folder;
- handled with a reason: named in `failed` or `skipped` with a reason;
- stored: named in `added` / `unchanged` (a copy of stored bytes);
- crashed: the CLI exited non-zero, printed a traceback, or logged an unexpected error for the input;
- hung: the CLI ran past --timeout (then every input not yet reported counts as dropped);
- silently dropped (target 0): inputs the report does not name at all;
- text lost (target 0): stored inputs whose canary phrase a search does not find in them;
- peak memory: the largest resident set of the CLI process and its children together (psutil, every 0.1 s);
- written outside the store (target 0): files left in the run's HOME, XDG and TMPDIR folders, all empty and
  private to the run (docrag's own model cache, --cache, is the one folder it may write besides the store).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from hostile_folder import Input, build  # noqa: E402


def _default_cache() -> str:
    """docrag's own cache (retrieval.onnx_embedder.cache_dir), read before HOME is replaced for the run."""
    return (os.environ.get("DOCRAG_CACHE_DIR")
            or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "docrag"))


def _private_env(base: Path, cache: str, code: Path) -> dict[str, str]:
    home = base / "home"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "ORT_", "ANONYMIZED_", "DO_NOT_TRACK", "SCARF_", "HF_HUB_DISABLE"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_STATE_HOME=str(home / ".local/state"),
               TMPDIR=str(base / "tmp"), DOCRAG_CACHE_DIR=cache, HF_HUB_OFFLINE="1",
               PYTHONPATH=str(code) + os.pathsep + env.get("PYTHONPATH", ""))
    for folder in (home, base / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    return env


def _run(command: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str, str, int]:
    """(exit code or None when it timed out, stdout, stderr, peak RSS in bytes of the process tree)."""
    proc = psutil.Popen(command, env=env, cwd=env["HOME"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        text=True)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                tree = [proc, *proc.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        for child in proc.children(recursive=True):
            child.kill()
        proc.kill()
        out, err = proc.communicate()
        code = None
    done.set()
    watcher.join()
    return code, out, err, peak[0]


def _canaries_found(inputs: list[Input], stored: set[str], store: Path, env: dict[str, str],
                    timeout: float) -> dict[str, bool]:
    """For each stored input with a canary: whether a search for the canary finds that input among its hits."""
    wanted = [item for item in inputs if item.canary and item.name in stored]
    if not wanted:
        return {}
    queries = Path(env["TMPDIR"]).parent / "canaries.jsonl"
    queries.write_text("".join(json.dumps({"id": str(i), "query": item.canary}) + "\n"
                               for i, item in enumerate(wanted)))
    code, out, err, _ = _run([sys.executable, "-m", "chat.cli", "search", "--store", str(store), "--json", "-q",
                              "--k", "20", "--queries", str(queries)], env, timeout)
    queries.unlink()
    if code != 0:
        raise SystemExit(f"canary search failed ({code}): {err[-2000:]}")
    hits = {row["id"]: row["hits"] for row in map(json.loads, out.splitlines())}
    return {item.name: any(item.canary.lower() in h["text"].lower() for h in hits[str(i)])
            for i, item in enumerate(wanted)}


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


def run(workers: int, timeout: float, base: Path, cache: str, code: Path = ROOT) -> dict:
    """Build, ingest, account; returns the figures and the per-input outcomes."""
    folder, store = base / "hostile", base / "store"
    started = time.monotonic()
    inputs = build(folder, base / "outside")
    built = time.monotonic() - started
    env = _private_env(base, cache, code)
    command = [sys.executable, "-m", "chat.cli", "ingest", str(folder), "--store", str(store), "--json",
               "--workers", str(workers)]
    started = time.monotonic()
    code, out, err, peak = _run(command, env, timeout)
    seconds = time.monotonic() - started
    report = json.loads(out) if code == 0 and out.strip() else {}
    outcome: dict[str, str] = {}
    for key in ("added", "updated", "unchanged"):
        for name in report.get(key, []):
            outcome[name] = key
    reasons = {entry["source"]: entry["error"] for key in ("failed", "skipped") for entry in report.get(key, [])}
    unexpected = [line for line in err.splitlines() if "unexpected error ingesting" in line]
    crashed = [item.name for item in inputs if any(item.name in line for line in unexpected)]
    if code not in (0, None):
        crashed.append(f"(the CLI: exit {code}: {err.strip().splitlines()[-1] if err.strip() else ''})")
    stored = {name for name, how in outcome.items() if how in ("added", "unchanged", "updated")}
    found = _canaries_found(inputs, stored, store, env, timeout) if code == 0 else {}
    rows = []
    for item in inputs:
        how = outcome.get(item.name) or ("reported" if item.name in reasons else "DROPPED")
        rows.append({"input": item.name, "kind": item.kind, "outcome": how,
                     "reason": reasons.get(item.name, ""),
                     "canary": None if item.name not in found else ("found" if found[item.name] else "LOST")})
    outside = _files_under(base / "home") + [f"TMPDIR/{p}" for p in _files_under(base / "tmp")]
    return {
        "tried": len(inputs), "handled_with_reason": sum(r["outcome"] == "reported" for r in rows),
        "stored": len(stored & {i.name for i in inputs}), "crashed": len(crashed), "crashes": crashed,
        "hung": code is None, "silently_dropped": sum(r["outcome"] == "DROPPED" for r in rows),
        "text_lost": sum(r["canary"] == "LOST" for r in rows), "peak_rss_mb": round(peak / 2**20),
        "written_outside_store": len(outside), "outside_files": outside, "ingest_seconds": round(seconds, 1),
        "build_seconds": round(built, 1), "workers": workers, "inputs": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds the ingest may take (default 900)")
    parser.add_argument("--cache", default=_default_cache(), help="docrag's model cache (default: the user's)")
    parser.add_argument("--keep", type=Path, help="build in this (new) folder and keep it, instead of a temp one")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--docrag", type=Path, default=ROOT, help="source tree whose CLI runs (default: this one)")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True)
        result = run(args.workers, args.timeout, args.keep.resolve(), args.cache, args.docrag.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="docrag-hostile-") as tmp:
            result = run(args.workers, args.timeout, Path(tmp).resolve(), args.cache, args.docrag.resolve())
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return
    for row in result["inputs"]:
        canary = f" [text {row['canary']}]" if row["canary"] else ""
        print(f"{row['outcome']:<9} {row['input']!r:<32} {row['kind']}{canary}"
              + (f"\n          {row['reason']}" if row["reason"] else ""))
    print()
    for key in ("tried", "handled_with_reason", "stored", "crashed", "hung", "silently_dropped", "text_lost",
                "peak_rss_mb", "written_outside_store", "ingest_seconds", "workers"):
        print(f"{key}: {result[key]}")
    for item in result["crashes"] + result["outside_files"]:
        print(f"  {item}")


if __name__ == "__main__":
    main()
