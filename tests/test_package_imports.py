"""The import packages resolve to this checkout, not to another installed package of the same name."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["docparse", "retrieval", "chat", "serve"])
def test_package_comes_from_this_project(name):
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().parent == ROOT / name


def test_cli_help_does_not_import_heavy_libraries():
    # `docrag --help` must stay instant: torch, chromadb, pymupdf and langchain load only when a command needs them.
    code = ("import sys; from chat import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'chromadb', 'pymupdf', 'langchain_core', 'sentence_transformers', 'mcp', 'serve')"
            " if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "HEAVY []" in out


def test_lower_layers_never_import_serve_at_module_level():
    # serve -> chat -> retrieval -> docparse; the CLI reaches serve only inside the command that starts a server.
    import ast

    for package in ("docparse", "retrieval", "chat"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n == "serve" or n.startswith("serve.") for n in names), f"{path}: {ast.dump(node)}"
