"""Library settings from docrag.toml: lookup order, precedence (option > environment > file), bad files."""
from __future__ import annotations

from pathlib import Path

import pytest

from chat.config_file import ConfigFileError, config_path
from chat.library import Library
from chat.settings import resolve_settings


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lookup_order(tmp_path):
    store, home = tmp_path / "store", tmp_path / "xdg"
    user = _write(home / "docrag" / "config.toml", 'llm = "ollama:llava"\n')
    assert config_path(store, {"XDG_CONFIG_HOME": str(home)}) == user
    local = _write(store / "docrag.toml", 'llm = "openai:local"\n')
    assert config_path(store, {"XDG_CONFIG_HOME": str(home)}) == local  # the library's own file first
    named = _write(tmp_path / "elsewhere.toml", "")
    assert config_path(store, {"XDG_CONFIG_HOME": str(home), "DOCRAG_CONFIG": str(named)}) == named
    with pytest.raises(ConfigFileError, match="does not exist"):
        config_path(store, {"DOCRAG_CONFIG": str(tmp_path / "missing.toml")})
    assert config_path(tmp_path / "other", {"XDG_CONFIG_HOME": str(tmp_path / "none")}) is None


def test_option_beats_environment_beats_file(tmp_path):
    store = tmp_path / "store"
    _write(store / "docrag.toml", 'llm = "openai:from-file"\nbase_url = "http://file:8000/v1"\nsearch_k = 7\n'
                                  'ocr = "off"\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "none")}
    from_file = resolve_settings(store, {"llm": None}, env)
    assert (from_file.llm, from_file.base_url, from_file.search_k, from_file.ocr) == (
        "openai:from-file", "http://file:8000/v1", 7, "off")
    assert resolve_settings(store, {}, {**env, "DOCRAG_LLM": "ollama:env"}).llm == "ollama:env"
    assert resolve_settings(store, {"llm": "extractive"}, {**env, "DOCRAG_LLM": "ollama:env"}).llm == "extractive"
    assert resolve_settings(tmp_path / "bare", {}, env).llm == "extractive"  # the default


def test_library_open_reads_the_store_file(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCRAG_LLM", raising=False)
    monkeypatch.delenv("DOCRAG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    _write(tmp_path / "store" / "docrag.toml", 'llm = "openai:qwen"\nanswer_k = 5\n')
    library = Library.open(tmp_path / "store")
    assert library.config.llm == "openai:qwen" and library.config.answer_k == 5
    assert Library.open(tmp_path / "store", llm="extractive").config.llm == "extractive"


def test_text_backend_setting_picks_what_runs_the_text_model(tmp_path, monkeypatch):
    from retrieval.onnx_embedder import OnnxTextEmbedder
    from retrieval.text_embedder import SentenceTransformerEmbedder

    monkeypatch.delenv("DOCRAG_TEXT_BACKEND", raising=False)
    monkeypatch.delenv("DOCRAG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    default = Library.open(tmp_path / "default").index.embedder
    assert isinstance(default, OnnxTextEmbedder) and default.int8
    _write(tmp_path / "store" / "docrag.toml", 'text_backend = "sentence-transformers"\n')
    assert isinstance(Library.open(tmp_path / "store").index.embedder, SentenceTransformerEmbedder)
    monkeypatch.setenv("DOCRAG_TEXT_BACKEND", "onnx")  # the environment beats the file
    float32 = Library.open(tmp_path / "store").index.embedder
    assert isinstance(float32, OnnxTextEmbedder) and not float32.int8
    with pytest.raises(ValueError, match="text_backend must be one of onnx-int8, onnx, sentence-transformers"):
        Library.open(tmp_path / "bad", text_backend="torch")


@pytest.mark.parametrize("text, message", [
    ('lm = "openai:x"\n', "unknown setting 'lm'; valid settings: answer_k, api_key"),
    ("search_k = \"ten\"\n", "search_k must be an integer, got 'ten'"),
    ("search_k = true\n", "search_k must be an integer"),
    ('ocr = "paddle"\n', "ocr must be one of auto, off, tesseract, rapidocr; got 'paddle'"),
    ("send_images = 1\n", "send_images must be true or false"),
    ("llm = openai\n", "not valid TOML"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = _write(tmp_path / "docrag.toml", text)
    with pytest.raises(ConfigFileError) as caught:
        resolve_settings(tmp_path, {}, {"DOCRAG_CONFIG": str(path)})
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_search_k_from_the_store_file_sets_the_cli_default(tmp_path, monkeypatch):
    import json

    from chat.cli import main

    monkeypatch.delenv("DOCRAG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(6):
        (folder / f"note{i}.md").write_text(f"# Note {i}\n\nThe harbour crane number {i} lifts containers.\n")
    store = tmp_path / "store"
    assert main(["ingest", str(folder), "--store", str(store), "--no-images", "--json"]) == 0
    (store / "docrag.toml").write_text("search_k = 3\n")
    monkeypatch.setattr("sys.argv", ["docrag"])
    import io
    import sys

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["search", "harbour crane", "--store", str(store), "--no-images", "--json"]) == 0
    assert len(json.loads(out.getvalue())["hits"]) == 3
