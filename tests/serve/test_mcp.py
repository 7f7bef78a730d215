"""`docrag mcp` through the MCP SDK's own stdio client: the tools and their schemas, search and ask with citations
(source, page, box), a page image, tool errors that leave the server running, a store that goes away, and a
stdout that carries nothing but the protocol (issue 15).

One server session (a subprocess on a copy of a small real library) runs every call; the tests read its record."""
from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.retrieval.cli_helpers import REPO, cli_env, run_docrag

QUESTION = "What was the revenue in the North region?"
# Stands in for a model loader that prints, from Python and from C (file descriptor 1), while the server serves.
NOISY_SERVER = """
import os, sys
from serve.library_tools import LibraryTools
quiet_warm_up = LibraryTools.warm_up
def noisy_warm_up(self):
    print("loader noise on stdout", flush=True)
    os.write(1, b"c-level noise on fd 1\\n")
    quiet_warm_up(self)
LibraryTools.warm_up = noisy_warm_up
from chat.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _server(store: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "chat.cli", "mcp", "--store", str(store),
                                                               "--llm", "extractive", *extra],
                                 env=cli_env(PYTHONPATH=str(REPO)), cwd=str(REPO))


async def _session(store: Path, errlog) -> dict[str, Any]:
    """Every call of the tests, in one server session; the store is moved away before the last two."""
    record: dict[str, Any] = {}
    async with stdio_client(_server(store), errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            record["tools"] = {tool.name: tool for tool in (await session.list_tools()).tools}
            call = session.call_tool
            record["documents"] = await call("list_documents", {})
            doc_id = record["documents"].structured_content["documents"][0]["doc_id"]
            record["search"] = await call("search", {"query": "revenue by region", "k": 3})
            record["search_other"] = await call("search", {"query": "revenue", "source": "other.pdf"})
            record["ask"] = await call("ask", {"question": QUESTION})
            record["unknown_doc"] = await call("get_page", {"doc_id": "no-such-document", "page": 1})
            record["page"] = await call("get_page", {"doc_id": doc_id, "page": 2})
            record["page_by_name"] = await call("get_page", {"doc_id": "report.pdf", "page": 1})
            record["page_out_of_range"] = await call("get_page", {"doc_id": doc_id, "page": 9})
            store.rename(store.with_name(store.name + "-moved"))
            record["moved_search"] = await call("search", {"query": "revenue"})
            record["moved_documents"] = await call("list_documents", {})
    return record


@pytest.fixture(scope="module")
def served(report_library, tmp_path_factory) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("mcp") / "store"
    shutil.copytree(report_library[0], store)
    errlog = tmp_path_factory.mktemp("mcp-log") / "stderr.txt"
    with open(errlog, "w") as handle:
        record = anyio.run(_session, store, handle)
    record["stderr"] = errlog.read_text()
    return record


def _text(result) -> str:
    return " ".join(block.text for block in result.content if block.type == "text")


def test_the_four_tools_and_their_parameters(served):
    tools = served["tools"]
    assert set(tools) == {"list_documents", "search", "ask", "get_page"}
    assert tools["list_documents"].input_schema.get("properties", {}) == {}
    search = tools["search"].input_schema
    assert search["required"] == ["query"] and search["properties"]["query"]["type"] == "string"
    assert search["properties"]["k"]["default"] == 5 and search["properties"]["k"]["type"] == "integer"
    assert search["properties"]["source"]["default"] is None
    assert tools["ask"].input_schema["required"] == ["question"]
    page = tools["get_page"].input_schema
    assert sorted(page["required"]) == ["doc_id", "page"] and page["properties"]["page"]["type"] == "integer"
    assert all(tool.description for tool in tools.values())


def test_list_documents_is_the_docs_json(served):
    result = served["documents"]
    assert not result.is_error
    [document] = result.structured_content["documents"]
    assert document["source"] == "report.pdf" and document["pages"] == 3 and len(document["doc_id"]) == 40
    assert json.loads(_text(result)) == result.structured_content  # the same object for clients reading text


def test_search_hits_carry_source_page_box_and_doc_id(served):
    result = served["search"]
    assert not result.is_error
    hits = result.structured_content["hits"]
    assert 1 <= len(hits) <= 3 and result.structured_content["query"] == "revenue by region"
    top = hits[0]
    assert (top["source"], top["page"]) == ("report.pdf", 2)  # the revenue table's page
    for hit in hits:
        x0, y0, x1, y1 = hit["bbox"]
        assert hit["source"] == "report.pdf" and 1 <= hit["page"] <= 3 and x0 < x1 and y0 < y1
    assert {hit["doc_id"] for hit in hits} == {served["documents"].structured_content["documents"][0]["doc_id"]}


def test_ask_answers_with_citations_to_source_page_and_box(served):
    result = served["ask"]
    assert not result.is_error
    answer = result.structured_content
    assert answer["question"] == QUESTION and "1,200" in answer["answer"] and answer["mode"] == "extractive"
    assert answer["answerable"] is True and answer["citations"]
    for citation in answer["citations"]:
        assert citation["source"] == "report.pdf" and citation["page"] == 2 and len(citation["bbox"]) == 4
        assert f"[{citation['key']}]" in answer["answer"] and citation["doc_id"]


def test_get_page_returns_a_png_of_the_page(served):
    from PIL import Image

    result = served["page"]
    assert not result.is_error
    [caption] = [block for block in result.content if block.type == "text"]
    [image] = [block for block in result.content if block.type == "image"]
    assert "report.pdf, page 2 of 3" in caption.text and image.mime_type == "image/png"
    png = base64.b64decode(image.data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as page:
        # An A4 page (595 x 842 points) rendered at 110 dpi.
        assert abs(page.width - 595 * 110 / 72) < 3 and abs(page.height - 842 * 110 / 72) < 3
    assert not served["page_by_name"].is_error and "page 1 of 3" in _text(served["page_by_name"])


def test_bad_calls_are_tool_errors_and_the_server_goes_on(served):
    unknown = served["unknown_doc"]
    assert unknown.is_error and "no-such-document" in _text(unknown) and "report.pdf" in _text(unknown)
    out_of_range = served["page_out_of_range"]
    assert out_of_range.is_error and "3 pages" in _text(out_of_range) and "no page 9" in _text(out_of_range)
    other = served["search_other"]
    assert other.is_error and "other.pdf" in _text(other) and "report.pdf" in _text(other)
    assert not served["page"].is_error  # called after the unknown id: the server is still there
    assert "Traceback" not in served["stderr"]


def test_a_store_moved_away_while_serving_says_so(served):
    for name in ("moved_search", "moved_documents"):
        result = served[name]
        assert result.is_error and "no library at" in _text(result) and "docrag ingest PATH --store" in _text(result)


def test_a_missing_store_exits_2_before_serving(tmp_path):
    result = run_docrag("mcp", "--store", str(tmp_path / "nothing"), timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert f"no library at {tmp_path / 'nothing'} (create one with docrag ingest PATH --store" in result.stderr
    assert not (tmp_path / "nothing").exists()


def _message(process: subprocess.Popen, message: dict[str, Any]) -> None:
    process.stdin.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
    process.stdin.flush()


@pytest.mark.timeout(300)
def test_stdout_carries_only_the_protocol(report_library, tmp_path):
    """A raw client (protocol 2025-06-18, as deployed clients speak it) reads every stdout line as JSON-RPC while
    a loader prints to stdout from Python and from C; the noise lands on stderr."""
    process = subprocess.Popen([sys.executable, "-c", NOISY_SERVER, "mcp", "--store", str(report_library[0]),
                                "--llm", "extractive"], cwd=REPO, env=cli_env(PYTHONPATH=str(REPO)),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _message(process, {"id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
    _message(process, {"method": "notifications/initialized"})
    _message(process, {"id": 2, "method": "tools/call", "params": {"name": "search", "arguments": {"query": "sales"}}})
    _message(process, {"id": 3, "method": "tools/call", "params": {"name": "ask", "arguments": {"question": QUESTION}}})
    lines: list[str] = []
    answered: set[Any] = set()
    while not {1, 2, 3} <= answered:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        answered.add(json.loads(line).get("id"))  # a stray line fails here
    process.stdin.close()
    process.wait(timeout=60)
    stderr = process.stderr.read()
    by_id = {message["id"]: message for message in map(json.loads, lines) if "id" in message}
    assert set(by_id) == {1, 2, 3}, stderr
    assert all(message["jsonrpc"] == "2.0" for message in map(json.loads, lines))
    assert not by_id[2]["result"]["isError"] and by_id[2]["result"]["structuredContent"]["hits"]
    assert not by_id[3]["result"]["isError"] and by_id[3]["result"]["structuredContent"]["citations"]
    assert "loader noise on stdout" in stderr and "c-level noise on fd 1" in stderr
    assert process.returncode == 0, stderr
