"""`docrag mcp`: the library as a Model Context Protocol server on stdio, for agent clients (Claude Desktop, Cursor,
IDE agents), built on the official SDK's MCPServer.

Tools: list_documents(), search(query, k=5, source=None), ask(question), get_page(doc_id, page) -> PNG. Their
results are the CLI's JSON objects (serve.library_tools). A failed call is a tool error whose text says what was
wrong (an unknown doc_id lists the stored ones); the server itself goes on. On stdio, stdout is the protocol
channel: while it serves, the SDK points file descriptor 1 at stderr, so a model loader that prints (even from C)
cannot corrupt it, and models are loaded only inside that window (a warm-up thread started with the server).
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any, AsyncIterator, Iterator

from mcp.server.mcpserver import Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import TextContent, ToolAnnotations
from pydantic import Field

from chat.library import Library
from retrieval.errors import StoreError
from serve.library_tools import LibraryTools

log = logging.getLogger(__name__)

INSTRUCTIONS = ("docrag answers questions about a library of documents (PDFs, office files, scans) with citations "
                "to the page and the box on it. Use `ask` for an answer with citations, `search` for ranked "
                "evidence (text, table rows, figures), `list_documents` to see what is stored, and "
                "`get_page(doc_id, page)` to look at a cited page. Boxes are PDF points [x0, y0, x1, y1] from the "
                "page's top left.")
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                             open_world_hint=False)
# Errors whose message is the whole story for the client: bad input, store trouble, unreadable files.
_EXPECTED = (ValueError, LookupError, StoreError, OSError)


@contextmanager
def _as_tool_error(tool: str) -> Iterator[None]:
    """Any failure becomes a tool error the client can read; the traceback goes to the log when unexpected."""
    try:
        yield
    except ToolError:
        raise
    except _EXPECTED as err:
        raise ToolError(str(err) or type(err).__name__) from None
    except Exception as err:  # a bug or a failing model: the client gets the reason, the server goes on
        log.exception("%s failed", tool)
        raise ToolError(f"{tool} failed: {type(err).__name__}: {err}") from None


def build_server(library: Library, version: str = "") -> MCPServer:
    """The MCP server over `library` (not started; `serve_stdio` runs it)."""
    tools = LibraryTools(library)

    @asynccontextmanager
    async def warm_up(_server: MCPServer) -> AsyncIterator[None]:
        # In a thread, so the client's handshake is answered at once; the first call waits for it on the lock.
        loader = threading.Thread(target=_warm_up, args=(tools,), name="docrag-warm-up", daemon=True)
        loader.start()
        try:
            yield
        finally:
            loader.join()  # an import cut off by the interpreter's exit would print errors

    server = MCPServer("docrag", version=version, instructions=INSTRUCTIONS, lifespan=warm_up)

    @server.tool(annotations=_READ_ONLY)
    def list_documents() -> dict[str, Any]:
        """The stored documents: doc_id (use it with get_page), file name (source), path, page count, format and
        element count; and whether image search is on."""
        with _as_tool_error("list_documents"):
            return tools.list_documents()

    @server.tool(annotations=_READ_ONLY)
    def search(query: Annotated[str, Field(description="what to look for, in words")],
               k: Annotated[int, Field(ge=1, le=50, description="how many hits to return")] = 5,
               source: Annotated[str | None, Field(description="only the document with this file name")] = None,
               ) -> dict[str, Any]:
        """Evidence for a query, best first: text passages, table rows and figures, each with its file name
        (source), doc_id, page, kind, box (bbox, PDF points [x0, y0, x1, y1]) and text."""
        with _as_tool_error("search"):
            return tools.search(query, k=k, source=source)

    @server.tool(annotations=_READ_ONLY)
    def ask(question: Annotated[str, Field(description="a question about the documents")]) -> dict[str, Any]:
        """Answer a question from the documents. The answer cites its evidence as [S1], [S2], ...; each citation
        gives the file name (source), doc_id, page and box (bbox, PDF points [x0, y0, x1, y1]; span_bbox: the
        cell, row or sentence used). "Not found in the documents." (answerable false) when they do not say."""
        with _as_tool_error("ask"):
            return tools.ask(question)

    @server.tool(annotations=_READ_ONLY)
    def get_page(doc_id: Annotated[str, Field(description="a doc_id from list_documents, search or ask (a "
                                                          "stored file name also works)")],
                 page: Annotated[int, Field(ge=1, description="the page number, 1 for the first page")],
                 ) -> list[TextContent | Image]:
        """The image of one page of a stored document (PNG), to look at a cited page."""
        with _as_tool_error("get_page"):
            record, png = tools.get_page(doc_id, page)
        caption = f"{record.source}, page {page} of {record.pages} (doc_id {record.doc_id})"
        return [TextContent(type="text", text=caption), Image(data=png, format="png")]

    return server


def _warm_up(tools: LibraryTools) -> None:
    try:
        tools.warm_up()
    except Exception as err:  # the tools report it, call by call
        log.warning("could not load the library yet: %s", err)


def serve_stdio(library: Library, version: str = "") -> None:
    """Serve `library` over MCP on stdin/stdout until the client closes stdin."""
    # Progress bars (a model export, a long load) would only clutter the client's log of the server's stderr.
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    build_server(library, version).run("stdio")
