"""`docrag docs`, `docrag remove` and `docrag --help` load no model: they never import torch or open_clip, also
on a store whose CLIP index holds images (where searches and ingests start loading CLIP)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.image_route import CLIP_MARKER
from tests.retrieval.cli_helpers import REPO, cli_env
from tests.retrieval.test_index import HashingEmbedder, make_doc

HEAVY = ("torch", "open_clip", "sentence_transformers", "onnxruntime")
# Runs `docrag ARGS` in this interpreter, waits for the threads it started, then prints which heavy modules were
# imported and the names of the threads started (a CLIP load runs in a "clip-load" thread; without the weights
# it stops before importing open_clip, so the thread is what shows that a load was tried). Exit status kept.
_PROBE = ("import json, sys, threading; from chat.cli import main\n"
          "started = []; start = threading.Thread.start\n"
          "def record(thread):\n    started.append(thread); start(thread)\n"
          "threading.Thread.start = record\n"
          "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as stop:\n    code = stop.code\n"
          "for thread in started:\n    thread.join(60)\n"
          f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
          "print(json.dumps(heavy + [t.name for t in started if t.name.startswith('clip-load')]))\n"
          "sys.exit(code or 0)")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A library with two documents, built with the model's real name and size, that says it holds images (so
    a search would start loading CLIP)."""
    from retrieval.index import LibraryIndex

    root = tmp_path / "lib"
    index = LibraryIndex(root, HashingEmbedder(name="all-MiniLM-L6-v2", dimension=384))
    for name in ("a.txt", "b.txt"):
        index.add(*make_doc(tmp_path, name, [f"text of {name}", "more text"]))
    index.close()
    (root / CLIP_MARKER).write_text(json.dumps({"clip_model": "ViT-B-32", "complete": True}), encoding="utf-8")
    return root


def _probe(*args: str) -> tuple[int, list[str], str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=REPO, env=cli_env(), capture_output=True,
                          text=True, timeout=300)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


@pytest.mark.parametrize("args", [("--help",), ("ingest", "--help"), ("search", "--help")],
                         ids=["help", "ingest-help", "search-help"])
def test_help_imports_no_model(args) -> None:
    code, heavy, out = _probe(*args)
    assert code == 0 and heavy == [], out


def test_docs_and_remove_import_no_model(store: Path) -> None:
    code, heavy, out = _probe("docs", "--store", str(store), "--json")
    assert code == 0 and heavy == [], out
    assert '"a.txt"' in out and '"b.txt"' in out
    code, heavy, out = _probe("remove", "a.txt", "--store", str(store), "--json")
    assert code == 0 and heavy == [], out
    assert not (store / "clip-unavailable.json").exists()  # no CLIP load was tried, so none failed
    from retrieval.catalog import Catalog
    assert [r.source for r in Catalog(store).documents()] == ["b.txt"]
