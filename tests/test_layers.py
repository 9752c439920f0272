"""The layers only point down, and no two files import each other (README, "Architecture").

1. the facade (``strangler/``) may import anything;
2. ``infra/``, ``loadtests/`` and ``serverless/`` import the core and their own modules only;
3. the core (``strangler_core/``) imports nothing else of the project;
``monolith/`` is plain Django and imports nothing of the harness.

Imports are read from the source (every ``import`` statement, also those inside functions), so
a lazy import cannot hide a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("strangler", "strangler_core", "infra", "loadtests", "serverless", "monolith")
CORE = "strangler_core"


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module a dotted name lands in (``a.b.c`` may be a name inside ``a.b``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name)
                if target:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}")
                if target:
                    yield target, node.lineno


GRAPH = {
    module: sorted({target for target, _ in _imports(module, path) if target != module})
    for module, path in MODULES.items()
}


def _layer(module: str) -> str:
    if module == CORE or module.startswith(CORE + "."):
        return "core"
    return module.split(".")[0]


ALLOWED = {
    "core": {"core"},
    "infra": {"core", "infra"},
    "loadtests": {"core", "loadtests"},
    "serverless": {"core", "serverless"},
    "monolith": {"monolith"},
    "strangler": {"core", "strangler", "infra", "loadtests", "serverless"},
}


def test_the_graph_is_read() -> None:
    # the walk above must see the edges it is meant to police, or every check below passes
    assert "strangler_core.errors" in GRAPH["infra.local.lambda_service.errors"]
    assert "strangler_core.routes" in GRAPH["strangler_core.matching"]
    assert "infra.local.gateway.server" in GRAPH["infra.local.gateway"]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_point_down(layer: str) -> None:
    wrong = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}"
        for module, path in MODULES.items()
        if _layer(module) == layer
        for target, line in _imports(module, path)
        if _layer(target) not in ALLOWED[layer]
    ]
    assert wrong == [], f"{layer} may import only {sorted(ALLOWED[layer])}"


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


def test_no_file_imports_itself_through_others() -> None:
    assert _cycles(GRAPH) == []
