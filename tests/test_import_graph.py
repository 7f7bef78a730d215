"""The import graph of the packages, read from the source with ast: imports go one way, serve -> chat ->
retrieval -> docparse, whether at module level or inside a function (a lazy import is still a dependency), and no
modules import each other in a cycle at module level (function-level imports run later, so they cannot deadlock
an import)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("docparse", "retrieval", "chat", "serve")  # each may import itself and the ones before it
# The CLI is the entry point of every command, servers included: its command functions (not its module level)
# may start a server from the layer above (docs/design.md).
UPWARD_IN_FUNCTIONS = {("chat.cli", "serve")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, at module level, line) for each import of a project module in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    # imports under `if TYPE_CHECKING:` only name types: they are not run
    type_only = {id(n) for node in tree.body if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
                 for n in ast.walk(node)}
    guarded = {id(n) for node in tree.body if isinstance(node, ast.Try) for n in node.body}  # module level too
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] in LAYERS:
                found.append((name, id(node) in top_level or id(node) in guarded, node.lineno))
    return found


def _sources() -> dict[str, Path]:
    return {_module_name(path): path for layer in LAYERS for path in sorted((REPO / layer).rglob("*.py"))}


def test_imports_go_one_way() -> None:
    wrong = []
    for module, path in _sources().items():
        rank = LAYERS.index(module.split(".")[0])
        for name, top, line in _imports(path):
            if not top and (module, name.split(".")[0]) in UPWARD_IN_FUNCTIONS:
                continue
            if LAYERS.index(name.split(".")[0]) > rank:
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert wrong == []


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The cycles a depth-first walk of `graph` meets, each as the path that closes it."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in graph.get(module, ()):
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module)
    return cycles


def test_no_import_cycles_at_module_level() -> None:
    modules = _sources()
    graph = {module: sorted({name for name, top, _ in _imports(path) if top and name in modules} - {module})
             for module, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": ["b"], "b": [], "c": ["a", "b"]}) == []


@pytest.mark.parametrize("source, bad", [
    ("from chat.library import Library\n", True),
    ("def f():\n    from serve import mcp_server\n", True),
    ("from docparse.base import ParseOptions\n", False),
])
def test_the_layering_check_sees_module_and_function_imports(tmp_path: Path, monkeypatch, source, bad) -> None:
    """The checker itself: a retrieval module importing chat (at module level) or serve (in a function) is
    caught; one importing docparse is not."""
    folder = tmp_path / "retrieval"
    folder.mkdir()
    (folder / "probe.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["REPO"]), "REPO", tmp_path)
    names = [name for name, _, _ in _imports(folder / "probe.py")]
    assert any(LAYERS.index(n.split(".")[0]) > LAYERS.index("retrieval") for n in names) is bad
