"""Helpers for tests that drive the real `docrag` command: in a subprocess (when it must be killed or run
beside another process) or in this process (models then stay loaded between calls), plus store consistency checks
that read the catalog and the Chroma collection directly."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

REPO = Path(__file__).resolve().parents[2]


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("DOCRAG_TEST_KILL_AT", None)
    env.update(extra)
    return env


def docrag_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "chat.cli", *args]


def start_docrag(*args: str, **env: str) -> subprocess.Popen:
    """`docrag ARGS` in a subprocess (stdout/stderr piped, text)."""
    return subprocess.Popen(docrag_command(*args), cwd=REPO, env=cli_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_docrag(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(docrag_command(*args), cwd=REPO, env=cli_env(**env), capture_output=True, text=True,
                          timeout=timeout)


def cli(*args: str) -> tuple[int, str, str]:
    """`docrag ARGS` in this process through chat.cli.main: (exit code, stdout, stderr)."""
    from chromadb.api.client import SharedSystemClient

    from chat.cli import main

    # Each call builds a new Library that is never closed (a real `docrag` process exits); Chroma shares one
    # cached system per folder within a process, so forget it: the next call then sees other processes' writes.
    SharedSystemClient.clear_system_cache()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def cli_json(*args: str) -> Any:
    code, out, err = cli(*args, "--json")
    assert code == 0, f"docrag {' '.join(args)} failed: {err}"
    return json.loads(out)


def documents(store: Path) -> dict[str, dict[str, Any]]:
    """`docrag docs --json`, by doc_id."""
    return {d["doc_id"]: d for d in cli_json("docs", "--store", str(store), "--no-images")["documents"]}


def search_hits(store: Path, query: str, k: int = 10, *extra: str) -> list[dict[str, Any]]:
    return cli_json("search", "--store", str(store), "--no-images", "--k", str(k), *extra, query)["hits"]


def hit_key(hit: Mapping[str, Any]) -> tuple:
    return (hit["source"], hit["page"], hit["kind"], tuple(hit["bbox"] or ()), hit["text"])


def check_searchable(store: Path, queries: tuple[str, ...] = ("revenue", "table total", "결핵")) -> None:
    """Searches answer, every hit belongs to a listed document, and no hit appears twice."""
    sources = {d["source"] for d in documents(store).values()}
    for query in queries:
        hits = search_hits(store, query)
        assert {h["source"] for h in hits} <= sources, (query, hits)
        duplicates = [key for key, n in Counter(hit_key(h) for h in hits).items() if n > 1]
        assert not duplicates, f"duplicate hits for {query!r}: {duplicates}"


def check_vectors_match_catalog(store: Path) -> int:
    """Chroma holds exactly one vector per catalog view: no duplicates, no orphans, none missing. Returns the
    number of vectors."""
    from retrieval.catalog import Catalog
    from retrieval.chroma_store import ChromaStore
    from retrieval.element_text import embedding_views, view_id

    _, elements = Catalog(store).snapshot()
    expected = [view_id(e.id, n) for e in elements for n, _ in enumerate(embedding_views(e))]
    chroma = ChromaStore(root=store)
    try:
        ids = chroma.collection.get(include=[])["ids"]
    finally:
        chroma.close()
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    assert len(expected) == len(set(expected)), "duplicate catalog views"
    missing, orphans = set(expected) - set(ids), set(ids) - set(expected)
    assert not missing and not orphans, f"{len(missing)} views without vectors, {len(orphans)} orphan vectors"
    return len(ids)
