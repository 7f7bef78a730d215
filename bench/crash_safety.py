#!/usr/bin/env python3
"""kill -9 during ingests, updates, renames, copies and removals, with a full consistency check after each.

Builds a folder of small PDFs (PyMuPDF), ingests it, then repeats: change the folder (rename, copy, edit, delete or
add a file) or pick a stored file to remove, run `docrag ingest FOLDER --sync` (or `docrag remove NAME`) as a
subprocess and kill it with SIGKILL, either at a commit point (DOCRAG_TEST_KILL_AT, retrieval/crash_points.py) or
after a random delay. After each kill it checks what a kill may leave (the catalog opens, no path listed twice,
every catalog view has its vector, searches answer), then runs the ingest again unkilled and checks that the
library agrees with the folder: one catalog path per file with that file's bytes, exactly one vector per catalog
view (no orphans, none missing, no duplicates), the lexical index built over exactly the catalog's views, a page
folder for every stored PDF and none for anything else, and each file found by a search restricted to its name.

Prints runs, kills, and inconsistencies (target 0) with the seed; each inconsistency is printed with its run.

  .venv/bin/python bench/crash_safety.py --kills 50 [--seed N]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = ["amber", "basalt", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "jasper", "kestrel",
         "lagoon", "meadow", "nectar", "onyx", "prairie", "quartz", "raven", "sierra", "tundra"]
POINTS = {  # crash points each kind of change reaches (retrieval/crash_points.py), plus random delays
    "rename": ["paths", "rename", "lexical"], "copy": ["paths", "rename", "lexical"],
    "edit": ["vectors", "commit", "lexical"], "add": ["vectors", "commit", "lexical"],
    "delete": ["paths", "remove", "lexical"], "remove": ["paths", "remove"],
}


def make_pdf(path: Path, token: str, pages: int = 2) -> None:
    """A small PDF whose text carries `token` (the word a search for this file looks for)."""
    import pymupdf

    doc = pymupdf.open()
    for page_number in range(1, pages + 1):
        page = doc.new_page()
        page.insert_text((72, 90), f"Report {token} page {page_number}", fontsize=16)
        page.insert_textbox(pymupdf.Rect(72, 120, 520, 700),
                            f"The {token} figures for page {page_number} show steady growth in every region. " * 6,
                            fontsize=11)
    doc.save(path)


def env(**extra: str) -> dict[str, str]:
    out = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": str(REPO)}
    out.pop("DOCRAG_TEST_KILL_AT", None)
    out.update(extra)
    return out


def docrag(*args: str, kill_at: str | None = None, delay: float | None = None) -> tuple[bool, int]:
    """Run docrag; returns (killed, exit code)."""
    extra = {"DOCRAG_TEST_KILL_AT": kill_at} if kill_at else {}
    proc = subprocess.Popen([sys.executable, "-m", "chat.cli", *args, "-q"], cwd=REPO, env=env(**extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(timeout=delay if delay is not None else 600)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"docrag {' '.join(args)} failed (rc {proc.returncode}): {err.strip()[-400:]}")
    return proc.returncode == -signal.SIGKILL, proc.returncode


def change_folder(folder: Path, kind: str, rng: random.Random, fresh: list[str]) -> str:
    """Apply one change of `kind` to the folder; returns a description."""
    files = sorted(folder.iterdir())
    victim = rng.choice(files)
    if kind == "rename":
        target = folder / f"{fresh.pop()}.pdf"
        victim.rename(target)
        return f"rename {victim.name} -> {target.name}"
    if kind == "copy":
        target = folder / f"{fresh.pop()}.pdf"
        shutil.copy(victim, target)
        return f"copy {victim.name} -> {target.name}"
    if kind == "edit":
        make_pdf(victim, fresh.pop(), pages=rng.randint(1, 3))
        return f"edit {victim.name}"
    if kind == "delete" and len(files) > 2:
        victim.unlink()
        return f"delete {victim.name}"
    target = folder / f"{fresh.pop()}.pdf"
    make_pdf(target, target.stem, pages=rng.randint(1, 3))
    return f"add {target.name}"


def tokens_of(path: Path) -> str:
    import pymupdf

    with pymupdf.open(path) as doc:
        return doc[0].get_text().split()[1]  # "Report <token> page 1"


def check_after_kill(store: Path) -> list[str]:
    """What must hold right after a kill: the catalog opens, no path twice, every view has its vector."""
    from chromadb.api.client import SharedSystemClient

    from retrieval.catalog import Catalog
    from retrieval.chroma_store import ChromaStore
    from retrieval.element_text import embedding_views, view_id

    if not (store / "catalog.sqlite").exists():
        return []
    problems = []
    catalog = Catalog(store)
    paths = [d.path for d in catalog.documents()]
    if len(paths) != len(set(paths)):
        problems.append(f"a path listed twice: {sorted(paths)}")
    _, elements = catalog.snapshot()
    views = {view_id(e.id, n) for e in elements for n, _ in enumerate(embedding_views(e))}
    SharedSystemClient.clear_system_cache()
    chroma = ChromaStore(root=store)
    try:
        vectors = set(chroma.collection.get(include=[])["ids"]) if (store / "chroma").exists() else set()
    finally:
        chroma.close()
    if views - vectors:
        problems.append(f"{len(views - vectors)} catalog views without a vector")
    return problems


def check_consistent(store: Path, folder: Path) -> list[str]:
    """The library agrees with the folder after an unkilled ingest --sync (see the module docstring)."""
    from chromadb.api.client import SharedSystemClient

    from chat.library import Library
    from docparse.base import file_doc_id
    from retrieval.catalog import Catalog
    from retrieval.chroma_store import ChromaStore
    from retrieval.element_text import embedding_views, view_id
    from retrieval.lexical_index import LexicalIndex
    from retrieval.page_images import PAGES_FOLDER

    problems = []
    catalog = Catalog(store)
    records = catalog.documents()
    stored = {d.path: d.doc_id for d in records}
    present = {str(p.resolve()): file_doc_id(p) for p in folder.iterdir()}
    if len(stored) != len(records):
        problems.append("a path listed twice")
    if stored != present:
        problems.append(f"catalog paths {sorted(Path(p).name for p in stored)} != files "
                        f"{sorted(Path(p).name for p in present)} (or other bytes)")
    _, elements = catalog.snapshot()
    views = [view_id(e.id, n) for e in elements for n, _ in enumerate(embedding_views(e))]
    SharedSystemClient.clear_system_cache()
    chroma = ChromaStore(root=store)
    try:
        vectors = chroma.collection.get(include=[])["ids"]
    finally:
        chroma.close()
    if len(vectors) != len(set(vectors)) or len(views) != len(set(views)):
        problems.append("duplicate vectors or catalog views")
    if set(views) != set(vectors):
        problems.append(f"{len(set(views) - set(vectors))} views without vectors, "
                        f"{len(set(vectors) - set(views))} orphan vectors")
    lexical = LexicalIndex(store, catalog)
    lexical.sync()
    if lexical.view_count() != len(views):
        problems.append(f"lexical index has {lexical.view_count()} views, the catalog {len(views)}")
    folders = {p.name for p in (store / PAGES_FOLDER).iterdir()} if (store / PAGES_FOLDER).is_dir() else set()
    if folders != set(stored.values()):
        problems.append(f"page folders {len(folders)} != stored contents {len(set(stored.values()))}")
    library = Library.open(store, image_search=False)
    for path in folder.iterdir():
        token = tokens_of(path)
        hits = library.search(f"{token} figures", k=3, sources=[path.name])
        if not hits or hits[0].element.source != path.name or token not in hits[0].element.text:
            problems.append(f"{path.name} ({token}) not found under its name")
    library.index.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=50, help="stop after this many kill -9 (default 50)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--files", type=int, default=4, help="PDFs in the folder at the start")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else time.time_ns() % 100_000
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="docrag-crash-"))
    folder, store = work / "docs", work / "store"
    folder.mkdir()
    fresh = [f"{a}-{b}" for a in WORDS for b in WORDS if a != b]
    rng.shuffle(fresh)
    for _ in range(args.files):
        name = fresh.pop()
        make_pdf(folder / f"{name}.pdf", name)
    docrag("ingest", str(folder), "--store", str(store), "--no-images")
    runs = kills = 0
    by_kind: dict[str, int] = {}
    inconsistencies: list[str] = []
    started = time.monotonic()
    while kills < args.kills:
        runs += 1
        kind = rng.choice(list(POINTS))
        point = rng.choice(POINTS[kind] + ["random"])
        kill_at = None if point == "random" else point
        delay = rng.uniform(0.5, 8.0) if point == "random" else None
        if kind == "remove":
            what = rng.choice(sorted(folder.iterdir()))
            killed, _ = docrag("remove", what.name, "--store", str(store), "--no-images", kill_at=kill_at, delay=delay)
            description = f"remove {what.name}"
        else:
            description = change_folder(folder, kind, rng, fresh)
            killed, _ = docrag("ingest", str(folder), "--store", str(store), "--no-images", "--sync",
                               kill_at=kill_at, delay=delay)
        kills += killed
        by_kind[kind] = by_kind.get(kind, 0) + killed
        label = f"run {runs} ({description}, kill at {point}, {'killed' if killed else 'finished'})"
        problems = check_after_kill(store) if killed else []
        docrag("ingest", str(folder), "--store", str(store), "--no-images", "--sync")
        problems += check_consistent(store, folder)
        inconsistencies += [f"{label}: {p}" for p in problems]
        print(f"{label}: {'; '.join(problems) or 'consistent'}", file=sys.stderr, flush=True)
    print(f"seed {seed}: {runs} runs, {kills} kill -9 ({', '.join(f'{k} {n}' for k, n in sorted(by_kind.items()))}), "
          f"{len(inconsistencies)} inconsistencies, {time.monotonic() - started:.0f} s")
    for line in inconsistencies:
        print(f"  {line}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if inconsistencies else 0


if __name__ == "__main__":
    sys.exit(main())
