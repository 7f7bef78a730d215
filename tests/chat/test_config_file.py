"""Library settings from docrag.toml: lookup order, precedence (option > environment > file), bad files."""
from __future__ import annotations

from pathlib import Path

import pytest

from chat.config_file import ConfigFileError, config_path, merged_settings, read_config
from chat.library import Library


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
    assert merged_settings(store, {"llm": None}, env) == {
        "llm": "openai:from-file", "base_url": "http://file:8000/v1", "search_k": 7, "ocr": "off"}
    with_env = merged_settings(store, {}, {**env, "DOCRAG_LLM": "ollama:env"})
    assert "llm" not in with_env  # left to $DOCRAG_LLM, read where the backend is chosen
    assert merged_settings(store, {"llm": "extractive", "ocr": "auto"}, env)["llm"] == "extractive"


def test_library_open_reads_the_store_file(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCRAG_LLM", raising=False)
    monkeypatch.delenv("DOCRAG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    _write(tmp_path / "store" / "docrag.toml", 'llm = "openai:qwen"\nanswer_k = 5\n')
    library = Library.open(tmp_path / "store")
    assert library.config.llm_spec == "openai:qwen" and library.config.answer_k == 5
    assert Library.open(tmp_path / "store", llm="extractive").config.llm_spec == "extractive"


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
    with pytest.raises(ValueError, match="valid: onnx, onnx-int8, sentence-transformers"):
        Library.open(tmp_path / "bad", text_backend="torch").index


@pytest.mark.parametrize("text, message", [
    ('lm = "openai:x"\n', "unknown setting 'lm'; valid settings: answer_k, api_key"),
    ("search_k = \"ten\"\n", "search_k must be an integer"),
    ("search_k = true\n", "search_k must be an integer"),
    ("llm = openai\n", "not valid TOML"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = _write(tmp_path / "docrag.toml", text)
    with pytest.raises(ConfigFileError) as caught:
        read_config(path)
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
