import subprocess
import sys

import pytest

from chat.backends import BACKENDS, make_backend


def test_registry_lists_every_backend_and_errors_name_them():
    assert set(BACKENDS) == {"openai", "ollama", "hf", "extractive"}
    with pytest.raises(ValueError) as info:
        make_backend("llamacpp:foo")
    for choice in ("'openai:<model>'", "'ollama:<model>'", "'hf:<model>'", "'extractive'"):
        assert choice in str(info.value)
    for prefix, example in (("ollama", "'ollama:llava'"), ("hf", "'hf:HuggingFaceTB/")):
        with pytest.raises(ValueError, match=example):
            make_backend(f"{prefix}:")


def test_new_backend_modules_import_nothing_heavy(tmp_path):
    # A folder with a config.json passes the construction check; torch and transformers wait for the first answer.
    (tmp_path / "config.json").write_text("{}")
    code = ("import sys; import chat.ollama_backend, chat.hf_backend, chat.query_rewrite; "
            "from chat.backends import make_backend; "
            f"b = make_backend('hf:{tmp_path}'); assert b.name.startswith('hf:'); "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'langchain_core', "
            "'langchain_ollama', 'ollama', 'langchain_openai', 'openai')]; print(heavy); assert not heavy, heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
