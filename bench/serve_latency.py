#!/usr/bin/env python3
"""What the HTTP layer of `docrag serve` costs, against the in-process figure measured in the same run.

Builds a library of N synthetic elements the way bench/answer_latency.py does (its seeded documents and hashed
build-time vectors; queries use the real MiniLM), serves it with uvicorn on 127.0.0.1 (a real socket, the app of
serve.app) and measures:
  search      p50 / p95 of POST /api/search (k=10) over one keep-alive connection, vs Library.search in-process
  first token question in -> first `token` event of POST /api/ask {"stream": true}, vs Library.ask(on_token=...)
              in-process; the answer model is the chat tests' fake OpenAI server on 127.0.0.1 (streams at once)
  under ingest 20 clients searching at once, over and over, while an upload's ingest job runs: errors (any
              non-200 status or failed request), searches done, and their p50 / p95
Targets (issue 15): search p50 < 60 ms and first token < 400 ms over HTTP.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/serve_latency.py [--elements 10000] [--queries 200]
       [--questions 30] [--clients 20] [--ingest-files 6] [--out bench/results/serve.md]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from bench.answer_latency import WORDS, build_synthetic_store, percentile, synthetic_questions  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(app, port: int):
    """uvicorn serving `app` on 127.0.0.1:port in a thread; returns the server (stop: should_exit = True)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    threading.Thread(target=server.run, name="uvicorn", daemon=True).start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start in 60 s")
        time.sleep(0.05)
    return server


def _queries(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))) + f" {rng.randint(2015, 2023)}"
            for _ in range(count)]


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} | {percentile(values, 0.95):.1f}"


def _ingest_files(folder: Path, count: int) -> list[Path]:
    """Distinct documents to upload: the tests' report PDF (layout models, a table) and Markdown notes."""
    from tests.pdf_builders import make_report_pdf

    rng = random.Random(5)
    files = [make_report_pdf(folder / "report.pdf")]
    for n in range(count - 1):
        text = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(80)) for _ in range(40))
        path = folder / f"notes-{n}.md"
        path.write_text(f"# Notes {n}\n\n{text}\n", encoding="utf-8")
        files.append(path)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--elements", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--ingest-files", type=int, default=6)
    ap.add_argument("--store", help="library folder (reused when it already holds the elements)")
    ap.add_argument("--out", help="write a Markdown report here")
    args = ap.parse_args(argv)

    import httpx

    from chat.library import Library
    from serve.app import create_app
    from tests.chat.fake_openai_server import FakeOpenAIServer

    temporary = args.store is None
    store = Path(args.store or tempfile.mkdtemp(prefix="docrag-serve-bench-"))
    work = Path(tempfile.mkdtemp(prefix="docrag-serve-bench-files-"))
    fake = FakeOpenAIServer(reply="The answer is in the evidence [S1].").start()
    try:
        library = Library.open(store, llm="openai:serve-bench", base_url=fake.url, api_key="bench",
                               image_search=False)
        index = library.index
        if index.element_count() < args.elements:
            build_synthetic_store(index, args.elements)
        port = _free_port()
        server = _serve(create_app(library), port)
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=120)
        load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())

        # -- search: in-process and over HTTP, interleaved so both see the same machine load ----------------
        queries = _queries(args.queries + args.warmup)
        local, remote = [], []
        for n, query in enumerate(queries):
            started = time.perf_counter()
            library.search(query, k=10)
            t_local = time.perf_counter() - started
            started = time.perf_counter()
            response = client.post("/api/search", json={"query": query, "k": 10})
            t_remote = time.perf_counter() - started
            assert response.status_code == 200 and response.json()["hits"], response.text
            if n >= args.warmup:
                local.append(t_local * 1000)
                remote.append(t_remote * 1000)

        # -- first streamed token ---------------------------------------------------------------------------
        questions = synthetic_questions(args.questions + 2)
        first_local, first_remote = [], []
        for n, question in enumerate(questions):
            first: list[float] = []
            started = time.perf_counter()
            library.ask(question, on_token=lambda piece: first or first.append(time.perf_counter()))
            t_local = first[0] - started
            started = time.perf_counter()
            t_remote = None
            with client.stream("POST", "/api/ask", json={"question": question, "stream": True}) as response:
                assert response.status_code == 200, response.read()
                for line in response.iter_lines():
                    if t_remote is None and line == "event: token":
                        t_remote = time.perf_counter() - started
                    if line == "event: error":
                        raise RuntimeError(f"answer failed: {response.read()}")
            assert t_remote is not None
            if n >= 2:
                first_local.append(t_local * 1000)
                first_remote.append(t_remote * 1000)

        # -- concurrent searches while an ingest runs ------------------------------------------------------------
        files = _ingest_files(work, args.ingest_files)
        elements_before = index.element_count()
        upload = client.post("/api/documents", files=[("files", (f.name, f.read_bytes())) for f in files])
        assert upload.status_code == 202, upload.text
        job_id = upload.json()["job"]
        errors: list[str] = []
        during: list[float] = []
        lock = threading.Lock()
        stop = threading.Event()
        pool_queries = _queries(500, seed=9)

        def searcher(number: int) -> None:
            with httpx.Client(base_url=base, timeout=120) as own:
                n = number
                while not stop.is_set():
                    started = time.perf_counter()
                    try:
                        response = own.post("/api/search", json={"query": pool_queries[n % 500], "k": 10})
                        ok = response.status_code == 200
                        reason = f"{response.status_code}: {response.text[:200]}"
                    except httpx.HTTPError as err:
                        ok, reason = False, f"{type(err).__name__}: {err}"
                    with lock:
                        (during.append((time.perf_counter() - started) * 1000) if ok else errors.append(reason))
                    n += args.clients

        ingest_started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            for number in range(args.clients):
                pool.submit(searcher, number)
            while True:
                job = client.get(f"/api/jobs/{job_id}").json()
                if job["state"] in ("done", "failed"):
                    break
                time.sleep(0.2)
            stop.set()
        ingest_seconds = time.monotonic() - ingest_started
        server.should_exit = True
        client.close()

        rows = [f"| search (k=10) | {_summary(local)} | {_summary(remote)} | "
                f"{statistics.median(remote) - statistics.median(local):+.1f} |",
                f"| first streamed token | {_summary(first_local)} | {_summary(first_remote)} | "
                f"{statistics.median(first_remote) - statistics.median(first_local):+.1f} |"]
        report = "\n".join([
            f"elements: {elements_before} before the ingest; {len(remote)} searches "
            f"and {len(first_remote)} questions measured (after warm-up); answer model: fake OpenAI server on "
            f"127.0.0.1; load average before/after {load_before} / "
            + " ".join(f"{v:.1f}" for v in os.getloadavg()),
            "", "| measure | in-process p50 ms | p95 ms | HTTP p50 ms | p95 ms | HTTP - in-process p50 ms |",
            "|---|---|---|---|---|---|", *rows, "",
            f"{args.clients} clients searching during an ingest of {len(files)} uploaded files "
            f"({ingest_seconds:.1f} s, job {job['state']}, added {len(job['added'])}, failed {len(job['failed'])}): "
            f"{len(during) + len(errors)} searches, errors {len(errors)}, p50 {statistics.median(during):.0f} ms, "
            f"p95 {percentile(during, 0.95):.0f} ms" if during else f"no search finished; errors {len(errors)}",
        ])
        if errors:
            report += "\n\nfirst errors:\n" + "\n".join(f"- {e}" for e in errors[:5])
        print(report)
        print(json.dumps({"search_http_p50": statistics.median(remote), "search_local_p50": statistics.median(local),
                          "ttft_http_p50": statistics.median(first_remote),
                          "ttft_local_p50": statistics.median(first_local), "errors": len(errors)}),
              file=sys.stderr)
        if args.out:
            Path(args.out).write_text(report + "\n", encoding="utf-8")
    finally:
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)
        if temporary:
            shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
