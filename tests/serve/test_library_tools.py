"""The tool calls behind `docrag mcp` (serve.library_tools), in this process: an empty library, a file name that two
stored documents share, and documents without page images each get an error that says what to do."""
from __future__ import annotations

import pytest

from chat.library import Library
from serve.library_tools import LibraryTools, ToolInputError
from serve.page_png import PageImageError


def test_an_empty_library_lists_nothing_and_says_how_to_fill_it(tmp_path):
    (tmp_path / "nothing").mkdir()
    store = tmp_path / "store"
    Library.open(store).add([tmp_path / "nothing"])  # an ingest of nothing makes an empty library
    tools = LibraryTools(Library.open(store, must_exist=True, llm="extractive"))
    assert tools.list_documents()["documents"] == []
    hint = rf"the library at {store} holds no documents yet \(add some with docrag ingest PATH --store {store}\)"
    with pytest.raises(ToolInputError, match=hint):
        tools.search("revenue")
    with pytest.raises(ToolInputError, match=hint):
        tools.ask("What was the revenue?")
    with pytest.raises(ToolInputError, match=r"no document 'x' in the library at .*: it holds no documents"):
        tools.get_page("x", 1)


def test_a_shared_file_name_asks_for_a_doc_id_and_text_has_no_pages(tmp_path):
    for folder, text in (("a", "Harbour freight rose in the north."), ("b", "Rail freight fell in the south.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# Notes\n\n{text}\n", encoding="utf-8")
    tools = LibraryTools(Library.open(tmp_path / "store", llm="extractive", image_search=False))
    tools.library.add([tmp_path / "a", tmp_path / "b"])
    ids = sorted(d["doc_id"] for d in tools.list_documents()["documents"])
    assert len(set(ids)) == 2
    with pytest.raises(ToolInputError, match=rf"2 different documents are named 'notes.md'; give one doc_id: "
                                             rf"({ids[0]}, {ids[1]}|{ids[1]}, {ids[0]})"):
        tools.get_page("notes.md", 1)
    with pytest.raises(PageImageError, match=r"notes\.md is a \w+ document: it has no page images"):
        tools.get_page(ids[0], 1)
    with pytest.raises(ToolInputError, match="empty query"):
        tools.search("  ")
    hits = tools.search("harbour freight", k=1)["hits"]
    assert hits[0]["doc_id"] in ids and hits[0]["source"] == "notes.md"
