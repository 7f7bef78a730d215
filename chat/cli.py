"""The `docrag` command: parses arguments, calls one `Library` method, formats the result.

JSON goes to stdout, logs and progress to stderr (docs/design.md, CLI contract); `docrag mcp` speaks the Model
Context Protocol on stdin/stdout instead (docs/design.md, MCP server). Exit status: 0 on success; 1 with
a one-line reason on failure (also: an ingest in which files failed and none was added, updated, renamed or
repaired; `doctor` finding something to repair); 2 for a usage error: bad options, a store that does not exist for
a command that reads one (nothing is created), a `--source` that names no stored document; 130 when interrupted;
141 (128 + SIGPIPE, as for other Unix tools) when the reader of stdout went away (`docrag search ... | head -1`),
quietly.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any, Iterator

log = logging.getLogger("docrag")


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _read_jsonl(path: str, field: str) -> Iterator[dict[str, Any]]:
    """Rows of a JSON Lines file; a row without the required text field raises with the line number."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as err:
                raise ValueError(f"{path}: line {number}: not JSON ({err})") from None
            if not isinstance(row, dict) or not isinstance(row.get(field), str):
                raise ValueError(f"{path}: line {number}: needs a string {field!r} field")
            yield row


# Commands that only read a library: pointed at a folder that holds none, they say so (exit 2) and create nothing.
_READERS = ("search", "ask", "chat", "docs", "doctor", "remove", "mcp")
_OPTION_SETTINGS = {"chroma_url": "chroma_url", "collection": "chroma_collection", "text_model": "text_model",
                    "clip_model": "clip_model", "clip_pretrained": "clip_pretrained", "llm": "llm",
                    "base_url": "base_url", "rerank_model": "rerank_model", "ocr": "ocr", "token": "serve_token"}


def _library(args: argparse.Namespace):
    """The Library the options name (a subcommand has only the options it uses; the rest stay unset)."""
    from chat.library import Library
    settings = {field: getattr(args, option) for option, field in _OPTION_SETTINGS.items()
                if getattr(args, option, None)}
    if getattr(args, "no_images", False):
        settings["image_search"] = False
    if getattr(args, "no_send_images", False):
        settings["send_images"] = False
    return Library.open(args.store, must_exist=args.command in _READERS, **settings)


# -- commands -------------------------------------------------------------------------------------------------
def cmd_parse(args: argparse.Namespace) -> int:
    parsed = _library(args).parse(args.file)
    if args.json:
        _print_json(parsed.to_contract())
        return 0
    print(f"{parsed.info.source}: {parsed.info.pages} pages, {len(parsed.elements)} elements")
    for element in parsed.elements:
        text = " ".join(element.text.split())
        print(f"  p{element.page:<4} {element.kind.value:<8} {text[:100]}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm
    bar = tqdm(unit="file", file=sys.stderr, disable=args.json and not sys.stderr.isatty() or args.quiet,
               desc="ingest")
    pages_done = [0]

    def on_file(source: str, pages: int, done: int, total: int) -> None:
        bar.total = total
        pages_done[0] += pages
        rate = pages_done[0] / bar.format_dict["elapsed"] if bar.format_dict["elapsed"] else 0.0
        bar.set_postfix_str(f"{source[:30]} ({pages} pages) | {pages_done[0]} pages in all, {rate:.1f} pages/s")
        bar.update(1)

    if not args.paths and not args.rebuild:
        raise ValueError("give the files or folders to ingest (or --rebuild to rebuild the store from its catalog)")
    library = _library(args)
    run = library.rebuild if args.rebuild else library.add
    report = run(args.paths, sync=args.sync, on_file=on_file, workers=args.workers, follow_links=args.follow_links)
    bar.close()
    if args.json:
        _print_json(report.to_contract())
    else:
        rebuilt = f"rebuilt {len(report.rebuilt)}, " if args.rebuild else ""
        repaired = f"repaired {len(report.repaired)}, " if report.repaired else ""
        print(f"{rebuilt}added {len(report.added)}, updated {len(report.updated)}, renamed {len(report.renamed)}, "
              f"unchanged {len(report.unchanged)}, {repaired}removed {len(report.removed)}, "
              f"failed {len(report.failed)}, skipped {len(report.skipped)}; "
              f"{report.elements} elements from {report.pages} pages in {report.seconds:.1f}s")
        for old_name, new_name in report.renamed:
            print(f"renamed {old_name} -> {new_name}")
    for failure in report.failed:
        print(f"warning: failed: {failure.error}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"warning: skipped: {skipped.error}", file=sys.stderr)
    changed = report.added or report.updated or report.renamed or report.repaired or report.rebuilt
    return 1 if report.failed and not changed else 0


def cmd_search(args: argparse.Namespace) -> int:
    library = _library(args)
    kinds, pages = _kinds(args.kind), _pages(args.pages)
    if args.image:
        hits = library.search_by_image(args.image, k=args.k, sources=args.source, kinds=kinds)
        if args.json:
            _print_json({"query": args.query, "image": args.image, "hits": [h.to_contract() for h in hits]})
            return 0
        _print_hits(hits, None)
        return 0
    if args.queries:
        rows = list(_read_jsonl(args.queries, "query"))
        results = library.search_many([(r["query"], r.get("sources") or args.source) for r in rows], k=args.k,
                                      kinds=kinds, pages=pages)
        for row, hits in zip(rows, results):
            _print_json({"id": row.get("id"), "hits": [h.to_contract() for h in hits]})
        return 0
    if args.query is None:
        raise ValueError("give a QUERY or --queries FILE.jsonl")
    hits = library.search(args.query, k=args.k, sources=args.source, kinds=kinds, pages=pages)
    if args.json:
        _print_json({"query": args.query, "hits": [h.to_contract() for h in hits]})
        return 0
    _print_hits(hits, args.query)
    return 0


def _print_hits(hits, query: str | None) -> None:
    from chat.hit_view import hit_lines
    if not hits:
        print("no results")
    for hit in hits:
        print("\n".join(hit_lines(hit, query)))


def cmd_ask(args: argparse.Namespace) -> int:
    library = _library(args)
    images = [args.image] if args.image else []
    if args.questions:
        for row in _read_jsonl(args.questions, "question"):
            try:  # one bad question (empty, failing model) gets its own error line; the batch goes on
                out = library.ask(row["question"], k=args.k, sources=row.get("sources")).to_contract()
            except ValueError as err:
                _print_json({"id": row.get("id"), "error": str(err)})
                continue
            _print_json({"id": row.get("id"), "answer": out["answer"], "mode": out["mode"],
                         "citations": out["citations"], "usage": out["usage"], "context": out["context"],
                         "answerable": out["answerable"], "support": out["support"]})
        return 0
    if args.question is None:
        raise ValueError("give a QUESTION or --questions FILE.jsonl")
    stream = not args.json and sys.stdout.isatty()
    streamed: list[str] = []

    def show_piece(piece: str) -> None:
        streamed.append(piece)
        print(piece, end="", flush=True)

    answer = library.ask(args.question, k=args.k, sources=args.source, images=images,
                         on_token=show_piece if stream else None)
    shown = [str(p) for p in library.show(answer)] if args.show else []
    if args.json:
        _print_json({**answer.to_contract(), **({"shown": shown} if args.show else {})})
        return 0
    from chat.render import format_answer
    if streamed and not streamed[-1].endswith("\n"):
        print()  # the sources start on their own line
    print(format_answer(answer, already_streamed=stream))
    for path in shown:
        print(f"shown: {path}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from chat.chat_loop import run_chat
    return run_chat(_library(args))


def cmd_mcp(args: argparse.Namespace) -> int:
    library = _library(args)
    # The one import of serve from chat: the server layer sits above the CLI's other commands (docs/design.md).
    try:
        from serve.mcp_server import serve_stdio
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith("mcp"):
            raise
        raise RuntimeError(f"docrag mcp needs the MCP SDK: pip install 'docrag[serve]' ({err})") from None
    if sys.stdin.isatty():
        print(f"docrag mcp: serving {library.config.root} over MCP on stdin/stdout; start it from an MCP client "
              "(Claude Desktop, Cursor), not a terminal. Ctrl-C stops it.", file=sys.stderr)
    serve_stdio(library, version())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from serve.http_server import loopback_refusal, run_server
    except ModuleNotFoundError as err:
        raise RuntimeError(f"docrag serve needs its web stack: pip install 'docrag[serve]' ({err})") from None
    library = _library(args)  # creates nothing until the first write
    token = library.config.serve_token  # --token, else $DOCRAG_TOKEN, else the config file (chat.settings)
    refusal = loopback_refusal(args.host, token)
    if refusal:
        print(f"docrag serve: {refusal}", file=sys.stderr)
        return 2
    run_server(library, host=args.host, port=args.port, token=token,
               max_upload_bytes=args.max_upload_mb * 1024 * 1024)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    library = _library(args)
    records, images = library.documents(), library.image_search_state()
    if args.json:
        _print_json({"documents": [r.to_dict() for r in records], "image_search": images})
        return 0
    if not records:
        print("no documents")
    for r in records:
        print(f"{r.source}  {r.pages} pages  {r.n_elements} elements  {r.path}")
    print(f"image search: {images['state']} ({images['reason']})")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    report = _library(args).doctor()
    if args.json:
        _print_json(report.to_dict())
    else:
        print(f"{report.store}: {report.documents} documents, {report.elements} elements, {report.vectors} vectors")
        for finding in report.findings:
            label = "problem" if finding.problem else "note"
            where = f"{finding.document}: " if finding.document else ""
            print(f"{label}: {finding.part} {finding.what}: {where}{finding.detail}")
        print("ok: catalog, vectors, lexical index, page images and crops agree" if report.ok
              else f"to repair: {report.hint}")
    return 0 if report.ok else 1


def cmd_remove(args: argparse.Namespace) -> int:
    removed = _library(args).remove(args.name)
    if args.json:
        _print_json({"removed": [r.source for r in removed]})
    elif removed:
        print("removed " + ", ".join(r.source for r in removed))
    if not removed:
        raise ValueError(f"no stored document matches {args.name!r} (see `docrag docs`)")
    return 0


# -- argument parsing -----------------------------------------------------------------------------------------
def _kinds(text: str | None) -> list[str] | None:
    """"table,figure" -> ["table", "figure"] (validated by the search filter, which names the valid kinds)."""
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _pages(text: str | None) -> tuple[int, int] | None:
    """"3-7" -> (3, 7); "4" -> (4, 4)."""
    if not text:
        return None
    first, dash, last = text.strip().partition("-")
    try:
        return (int(first), int(last) if dash else int(first))
    except ValueError:
        raise ValueError(f"--pages {text!r}: write a page or a range such as 3 or 3-7") from None


COMMANDS = {"parse": cmd_parse, "ingest": cmd_ingest, "search": cmd_search, "ask": cmd_ask, "chat": cmd_chat,
            "docs": cmd_docs, "doctor": cmd_doctor, "remove": cmd_remove, "mcp": cmd_mcp,
            "serve": cmd_serve}


def version() -> str:
    """The installed distribution's version, else the package's own (a source checkout run in place)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version
    try:
        return installed_version("docrag")
    except PackageNotFoundError:
        from chat import __version__
        return __version__


def build_parser() -> argparse.ArgumentParser:
    from chat.cli_parser import build_parser as build
    return build(COMMANDS, version())


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "openai"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    """Run `docrag ARGV`; returns the exit status (see the module docstring)."""
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # here, not at interpreter exit, so that a closed pipe is seen below
    except BrokenPipeError:
        # The reader of stdout is gone: stop quietly. stdout points at /dev/null from here on, so the flush at
        # interpreter exit does not raise again.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout without a file descriptor (redirected in this process)
            pass
        return 141


def _run(argv: list[str] | None) -> int:
    from retrieval.errors import NoLibraryError, UnknownSourceError
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `docrag`: what it can do
        parser.print_help()
        return 0
    _configure_logging(args)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("docrag: interrupted", file=sys.stderr)
        return 130
    except (SystemExit, BrokenPipeError):
        raise
    except (NoLibraryError, UnknownSourceError) as err:  # the command line names what is not there
        print(f"docrag: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # one line for people; the traceback with -v
        if args.verbose:
            log.exception("failed")
        reason = str(err) or type(err).__name__
        print(f"docrag: error: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
