"""The package's import graph: no cycles, and every import goes down the pipeline's layers.

Every import counts: at the top of a module, inside a function, and under `TYPE_CHECKING`
(which is where cycles used to hide).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src"
PACKAGE = SRC / "deckgen"

LAYERS = (
    ("model", "errors", "config", "srplugin", "shown", "text", "lang", "files", "codec"),
    ("notes",),
    ("rules",),
    ("rank",),
    ("cards",),
    ("identity",),
    ("write",),
    ("build",),
    ("push",),
    ("",),  # deckgen/__init__.py: the library API
    ("cli",),
)
"""Bottom to top: a module imports only from its own layer or the layers below it."""


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The deckgen modules `name` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] != "deckgen":
                continue
            for alias in node.names:  # `from . import cache` imports the module cache
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer: add its folder to LAYERS in {__file__}")


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "deckgen.build.settle" in graph["deckgen.build.run"]
    assert "deckgen.model" in graph["deckgen.notes.reader"]
    assert len(graph) > 40


def test_every_import_goes_down_the_layers() -> None:
    upward = [
        f"{name} (layer {_layer(name)}) imports {dep} (layer {_layer(dep)})"
        for name, deps in sorted(_graph().items())
        for dep in sorted(deps)
        if _layer(dep) > _layer(name)
    ]
    assert upward == []


def test_there_is_no_import_cycle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert [" → ".join(c) for c in cycles] == []


@pytest.mark.parametrize("module", sorted(_modules()))
def test_modules_stay_small(module: str) -> None:
    lines = _modules()[module].read_text("utf-8").count("\n")
    assert lines <= 400, f"{module} has {lines} lines: split it by concept"
