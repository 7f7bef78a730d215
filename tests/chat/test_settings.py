"""One settings object: precedence, type and choice errors, the README table, and no environment reads elsewhere."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chat.settings import (SettingError, Settings, default_store, markdown_table, resolve_settings, setting_fields,
                           value_type)

REPO = Path(__file__).resolve().parents[2]
NO_FILE = {"XDG_CONFIG_HOME": "/nonexistent-docrag-test"}


def _store(tmp_path: Path, toml: str = "") -> Path:
    store = tmp_path / "store"
    store.mkdir(exist_ok=True)
    if toml:
        (store / "docrag.toml").write_text(toml, encoding="utf-8")
    return store


def test_option_then_environment_then_file_then_recorded_then_default(tmp_path):
    store = _store(tmp_path, 'search_k = 3\ntext_model = "from-file"\nocr = "off"\n')
    env = {**NO_FILE, "DOCRAG_SEARCH_K": "5"}
    assert resolve_settings(store, {"search_k": 7}, env).search_k == 7
    assert resolve_settings(store, {"search_k": None}, env).search_k == 5
    assert resolve_settings(store, {}, {**env, "DOCRAG_SEARCH_K": " "}).search_k == 3  # blank = unset
    assert resolve_settings(store, {}, NO_FILE).search_k == 3
    assert resolve_settings(tmp_path / "other", {}, NO_FILE).search_k == 10
    assert resolve_settings(store, {}, NO_FILE, recorded_text_model="recorded").text_model == "from-file"
    bare = tmp_path / "bare"
    assert resolve_settings(bare, {}, NO_FILE, recorded_text_model="recorded").text_model == "recorded"
    assert resolve_settings(bare, {}, NO_FILE).text_model == "all-MiniLM-L6-v2"


@pytest.mark.parametrize("name, raw, value", [
    ("search_rrf_k", "10", 10.0), ("search_script_check", "off", False), ("image_search", "YES", True),
    ("llm_timeout", "2.5", 2.5), ("korean_analyzer", "bigram", "bigram"), ("layout_features", "rf", "rf"),
])
def test_environment_values_take_the_field_type(tmp_path, name, raw, value):
    env_name = next(f.metadata["env"] for f in setting_fields() if f.name == name)
    assert getattr(resolve_settings(tmp_path, {}, {**NO_FILE, env_name: raw}), name) == value


@pytest.mark.parametrize("env, message", [
    ({"DOCRAG_SEARCH_K": "ten"}, "environment variable DOCRAG_SEARCH_K='ten': search_k must be an integer"),
    ({"DOCRAG_SEARCH_RRF_K": "x"}, "search_rrf_k must be a number"),
    ({"DOCRAG_SEARCH_SCRIPT_CHECK": "maybe"}, "search_script_check must be true or false"),
    ({"DOCRAG_OCR": "paddle"}, "ocr must be one of auto, off, tesseract, rapidocr; got 'paddle'"),
    ({"DOCRAG_LLM_TIMEOUT": "0"}, "llm_timeout must be more than 0 seconds"),
    ({"DOCRAG_SEARCH_K": "0"}, "search_k and answer_k must be at least 1"),
])
def test_bad_environment_values_name_the_variable_and_what_is_valid(tmp_path, env, message):
    with pytest.raises(SettingError, match=re.escape(message)):
        resolve_settings(tmp_path, {}, {**NO_FILE, **env})


def test_file_errors_name_the_file_key_and_type(tmp_path):
    store = _store(tmp_path, "search_rrf_k = 30\nanswer_k = 2.5\n")
    with pytest.raises(SettingError) as caught:
        resolve_settings(store, {}, NO_FILE)
    assert str(caught.value) == f"{store / 'docrag.toml'}: answer_k must be an integer, got 2.5"
    (store / "docrag.toml").write_text("search_rrf_k = 30\n")
    assert resolve_settings(store, {}, NO_FILE).search_rrf_k == 30.0  # a TOML integer is a number
    with pytest.raises(TypeError, match="unknown settings \\['serch_k'\\]"):
        resolve_settings(store, {"serch_k": 3}, NO_FILE)


def test_every_setting_declares_its_variable_meaning_and_type():
    names = [f.metadata["env"] for f in setting_fields()]
    assert len(set(names)) == len(names)
    for f in setting_fields():
        assert re.fullmatch(r"DOCRAG_[A-Z_]+", f.metadata["env"]), f.name
        assert f.metadata["meaning"] and value_type(f.name) in (str, int, float, bool)
        assert f.default is None or isinstance(f.default, value_type(f.name)), f.name
        assert not f.metadata["choices"] or f.default in f.metadata["choices"], f.name


def test_choices_match_the_registries_they_name():
    from docparse.layout_model import FEATURE_SETS
    from docparse.ocr import OCR_CHOICES
    from retrieval.text_embedder import TEXT_EMBEDDERS
    from retrieval.tokenize import KOREAN_ANALYZERS

    choices = {f.name: f.metadata["choices"] for f in setting_fields()}
    assert set(choices["text_backend"]) == set(TEXT_EMBEDDERS)
    assert choices["ocr"] == tuple(OCR_CHOICES)
    assert choices["layout_features"] == FEATURE_SETS
    assert set(choices["korean_analyzer"]) == set(KOREAN_ANALYZERS)


def test_search_settings_come_from_the_search_fields(tmp_path):
    settings = resolve_settings(tmp_path, {}, {**NO_FILE, "DOCRAG_SEARCH_ROUTES": "lexical:2, dense",
                                               "DOCRAG_SEARCH_PER_PAGE": "0"})
    search = settings.search_settings()
    assert search.routes == (("lexical", 2.0), ("dense", 1.0)) and search.per_page == 0
    with pytest.raises(SettingError, match="search settings: search routes 'dense:x': weight 'x' is not a number"):
        resolve_settings(tmp_path, {"search_routes": "dense:x"}, NO_FILE)
    with pytest.raises(SettingError, match="must be distinct names"):
        resolve_settings(tmp_path, {}, {**NO_FILE, "DOCRAG_SEARCH_ROUTES": "dense,colour"})
    assert resolve_settings(tmp_path, {"text_model": tmp_path / "model"}, NO_FILE).text_model == str(tmp_path / "model")


def test_default_store_comes_from_the_environment():
    assert default_store({}) == Path(".docrag")
    assert default_store({"DOCRAG_STORE": "/data/lib"}) == Path("/data/lib")


def test_library_search_without_k_uses_the_search_k_setting(tmp_path, monkeypatch):
    from chat.library import Library

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    monkeypatch.delenv("DOCRAG_CONFIG", raising=False)
    monkeypatch.delenv("DOCRAG_SEARCH_K", raising=False)
    library = Library.open(_store(tmp_path, "search_k = 3\n"))

    class Index:
        def search(self, query, k, **_):
            return [k]

        def settle_images(self):
            pass

    library._index = Index()
    assert library.search("anything") == [3]
    assert library.search("anything", k=4) == [4]


def test_readme_holds_the_generated_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings-table:start -->\n(.*?)<!-- settings-table:end -->", readme, re.S)
    assert block, "README.md lacks the settings-table markers"
    assert block.group(1) == markdown_table(), "README settings table is stale: python -m chat.settings --markdown"


# Files allowed to name a DOCRAG_* variable in code: the settings themselves, the config-file lookup
# ($DOCRAG_CONFIG locates the file, so it cannot be a key in it), and the kill -9 test hook (a subprocess started
# by the crash-safety tests must die at an exact commit point; threading a test hook through every constructor
# would put it in the product API).
_ALLOWED = {"chat/settings.py", "chat/config_file.py", "retrieval/crash_points.py"}


def test_no_other_module_reads_a_docrag_variable():
    offenders = []
    for package in ("chat", "retrieval", "docparse", "serve"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if relative in _ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                          if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                          and node.body and isinstance(node.body[0], ast.Expr)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                        and re.fullmatch(r"DOCRAG_[A-Z_]+", node.value):
                    offenders.append(f"{relative}:{node.lineno} {node.value}")
    assert offenders == []


def test_markdown_entry_point_prints_the_table(capsys):
    from chat.settings import main

    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown_table()
    assert Settings.__dataclass_params__.frozen


def test_client_variables_stay_with_their_backends(tmp_path):
    store = _store(tmp_path, 'base_url = "http://file:8000/v1"\n')
    # $OPENAI_BASE_URL is the openai: backend's own fallback, never the setting another backend (ollama:) gets.
    assert resolve_settings(store, {}, {**NO_FILE, "OPENAI_BASE_URL": "http://openai"}).base_url == \
        "http://file:8000/v1"
    assert resolve_settings(tmp_path / "bare", {}, {**NO_FILE, "OPENAI_BASE_URL": "http://openai"}).base_url is None
    assert resolve_settings(store, {}, {**NO_FILE, "DOCRAG_BASE_URL": "http://env"}).base_url == "http://env"
