"""docrag keeps nothing on the machine but its library folder and its own cache: a full ingest and search, run
as the CLI in a fresh process whose home, XDG folders and temp folder are empty, leave no file in any of them
(onnxruntime's telemetry database and device id were one; see docparse.telemetry)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pymupdf")

from tests.docparse.office_builders import make_docx  # noqa: E402
from tests.pdf_builders import _png, make_report_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir()}


def test_ingest_and_search_write_nothing_outside_the_store_and_cache(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    make_report_pdf(docs / "report.pdf")  # its table page runs the ONNX layout models
    make_docx(docs / "plan.docx")
    (docs / "photo.png").write_bytes(_png())
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("XDG_", "HF_", "ORT_", "ANONYMIZED_", "DO_NOT_TRACK", "SCARF_"))}
    cache = env.get("DOCRAG_CACHE_DIR") or str(tmp_path / "docrag-cache")  # docrag's own cache is allowed
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_STATE_HOME=str(home / ".local" / "state"),
               TMPDIR=str(tmp), HF_HUB_OFFLINE="1", DOCRAG_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
    store = tmp_path / "store"
    for command in (["ingest", str(docs), "--store", str(store), "--json", "-q"],
                    ["search", "--store", str(store), "--json", "-q", "revenue by region"]):
        done = subprocess.run([sys.executable, "-m", "chat.cli", *command], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert '"report.pdf"' in done.stdout
    assert _files(home) == set() and _files(tmp) == set()
