"""End to end through the CLI contract: ingest a folder with good and bad files, search, ask, parse, remove.

Real components throughout (PyMuPDF parser, the real MiniLM weights, embedded Chroma); fixture files are built
in code. One store is shared by the module; tests that change it work on a copy.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from chat import cli
from tests.pdf_builders import make_bad_files, make_korean_pdf, make_report_pdf

DOCRAG = [sys.executable, "-m", "chat.cli"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "DOCRAG_LLM": ""}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")
    make_report_pdf(folder / "report.pdf")
    make_korean_pdf(folder / "korean.pdf")
    (folder / "notes.md").write_text("# Field notes\n\nThe pump station at Lakeside was rebuilt in 2019.\n",
                                     encoding="utf-8")
    bad = make_bad_files(folder / "bad")
    return folder, bad


@pytest.fixture(scope="module")
def ingested(corpus, tmp_path_factory):
    folder, _ = corpus
    store = tmp_path_factory.mktemp("store")
    proc = subprocess.run(DOCRAG + ["ingest", str(folder), "--store", str(store), "--json"],
                          capture_output=True, text=True, env=ENV, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return store, json.loads(proc.stdout), proc.stderr


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ingest_reports_every_file(ingested):
    _, report, stderr = ingested
    assert sorted(report["added"]) == ["korean.pdf", "notes.md", "report.pdf"]
    failed = {f["source"]: f["error"] for f in report["failed"]}
    assert set(failed) == {"empty.pdf", "truncated.pdf", "encrypted.pdf", "renamed.pdf"}
    for name, reason in failed.items():
        assert name in reason and "\n" not in reason
    assert "encrypted" in failed["encrypted.pdf"]
    assert [s["source"] for s in report["skipped"]] == ["notes.xyz"]
    assert report["elements"] > 5
    assert "warning" in stderr.lower()


def test_reingest_unchanged_does_nothing(ingested, corpus, capsys):
    store, _, _ = ingested
    folder, _ = corpus
    code, out, _ = run_cli(capsys, "ingest", str(folder / "report.pdf"), "--store", str(store), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["unchanged"] == ["report.pdf"] and report["elements"] == 0


def test_search_contract_and_ranking(ingested, capsys):
    store, _, _ = ingested
    code, out, _ = run_cli(capsys, "search", "--store", str(store), "--json", "--k", "5",
                           "quarterly revenue of Zentrix Corp")
    assert code == 0
    result = json.loads(out)
    assert result["query"] == "quarterly revenue of Zentrix Corp"
    top = result["hits"][0]
    assert set(top) >= {"rank", "score", "source", "page", "kind", "bbox", "text", "image"}
    assert (top["source"], top["page"], top["rank"]) == ("report.pdf", 1, 1)
    assert "4,812" in top["text"]
    assert len(result["hits"]) <= 5


def test_search_source_filter(ingested, capsys):
    store, _, _ = ingested
    code, out, _ = run_cli(capsys, "search", "--store", str(store), "--json", "--source", "korean.pdf", "revenue")
    assert code == 0
    hits = json.loads(out)["hits"]
    assert hits and {h["source"] for h in hits} == {"korean.pdf"}


def test_search_batch_keeps_order(ingested, tmp_path, capsys):
    store, _, _ = ingested
    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "a", "query": "pump station rebuilt"},
        {"id": "b", "query": "감염병 분류", "sources": ["korean.pdf"]},
        {"id": "c", "query": "revenue by region table", "sources": ["report.pdf"]},
    ]), encoding="utf-8")
    code, out, _ = run_cli(capsys, "search", "--store", str(store), "--json", "--k", "3", "--queries", str(queries))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["hits"][0]["source"] == "notes.md"
    assert {h["source"] for h in rows[1]["hits"]} == {"korean.pdf"}
    assert any(h["kind"] == "table" and h["page"] == 2 for h in rows[2]["hits"])


def test_ask_extractive_cites_the_page(ingested, capsys):
    store, _, _ = ingested
    code, out, _ = run_cli(capsys, "ask", "--store", str(store), "--json",
                           "What was the quarterly revenue of Zentrix Corp?")
    assert code == 0
    answer = json.loads(out)
    assert answer["mode"] == "extractive"
    assert "4,812" in answer["answer"]
    assert any(c["source"] == "report.pdf" and c["page"] == 1 for c in answer["citations"])
    for c in answer["citations"]:
        assert set(c) >= {"key", "source", "page", "bbox", "kind"}
        assert f"[{c['key']}]" in answer["answer"]


def test_ask_table_question(ingested, capsys):
    store, _, _ = ingested
    code, out, _ = run_cli(capsys, "ask", "--store", str(store), "--json", "--source", "report.pdf",
                           "What was the total revenue across regions in 2023?")
    assert code == 0
    answer = json.loads(out)
    assert "2,455" in answer["answer"]
    assert any(c["kind"] == "table" and c["page"] == 2 for c in answer["citations"])


def test_parse_contract(corpus, tmp_path, capsys):
    folder, _ = corpus
    code, out, _ = run_cli(capsys, "parse", str(folder / "report.pdf"), "--json", "--store", str(tmp_path))
    assert code == 0
    parsed = json.loads(out)
    assert parsed["source"] == "report.pdf" and parsed["pages"] == 3 and len(parsed["doc_id"]) == 40
    tables = [e for e in parsed["elements"] if e["kind"] == "table"]
    assert tables and ["Total", "2,180", "2,455"] in tables[0]["cells"]
    for e in parsed["elements"]:
        x0, y0, x1, y1 = e["bbox"]
        assert 0 <= x0 <= x1 <= 612 and 0 <= y0 <= y1 <= 842 and 1 <= e["page"] <= 3


def test_parse_of_a_bad_file_fails_with_one_line(corpus, tmp_path, capsys):
    _, bad = corpus
    code, out, err = run_cli(capsys, "parse", str(bad["encrypted.pdf"]), "--json", "--store", str(tmp_path))
    assert code == 1 and out == ""
    assert "encrypted.pdf" in err and "encrypted" in err and len(err.strip().splitlines()) == 1


def test_changed_file_is_updated_and_remove_deletes(ingested, tmp_path, capsys):
    store, _, _ = ingested
    store_copy = tmp_path / "store"
    shutil.copytree(store, store_copy)
    # The same path with new content replaces the old version.
    moved = tmp_path / "elsewhere" / "plan.md"
    moved.parent.mkdir()
    moved.write_text("# Plan\n\nThe pump station at Lakeside was rebuilt in 2019.\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "ingest", str(moved), "--store", str(store_copy), "--json")
    assert code == 0 and json.loads(out)["added"] == ["plan.md"]
    moved.write_text("# Plan\n\nThe pump station at Lakeside was demolished in 2024.\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "ingest", str(moved), "--store", str(store_copy), "--json")
    assert code == 0 and json.loads(out)["updated"] == ["plan.md"]
    code, out, _ = run_cli(capsys, "search", "--store", str(store_copy), "--json", "--source", "plan.md",
                           "pump station")
    texts = " ".join(h["text"] for h in json.loads(out)["hits"])
    assert "demolished" in texts and "rebuilt" not in texts

    code, out, _ = run_cli(capsys, "remove", "report.pdf", "--store", str(store_copy), "--json")
    assert code == 0 and json.loads(out)["removed"] == ["report.pdf"]
    code, out, _ = run_cli(capsys, "search", "--store", str(store_copy), "--json", "Zentrix revenue")
    assert all(h["source"] != "report.pdf" for h in json.loads(out)["hits"])
    code, out, _ = run_cli(capsys, "docs", "--store", str(store_copy), "--json")
    assert sorted(d["source"] for d in json.loads(out)["documents"]) == ["korean.pdf", "notes.md", "plan.md"]
    code, _, err = run_cli(capsys, "remove", "nothing-like-this.pdf", "--store", str(store_copy))
    assert code == 1 and "nothing-like-this.pdf" in err


def test_ask_empty_library_is_a_clear_message(tmp_path, capsys):
    (tmp_path / "nothing").mkdir()
    assert run_cli(capsys, "ingest", str(tmp_path / "nothing"), "--store", str(tmp_path / "empty"), "--no-images",
                   "--json")[0] == 0
    code, out, err = run_cli(capsys, "ask", "--store", str(tmp_path / "empty"), "--json", "anything?")
    assert code == 0
    answer = json.loads(out)
    assert "empty" in answer["answer"].lower() and answer["citations"] == []
    assert "Traceback" not in err


def test_empty_query_is_an_error_not_a_crash(ingested, capsys):
    store, _, _ = ingested
    code, _, err = run_cli(capsys, "search", "--store", str(store), "--json", "   ")
    assert code == 1 and "empty query" in err
