"""The package's shape: no import cycles, and each layer imports only the layers below it.

Imports are read from the source (the AST), at any depth: an import inside a function is
still a dependency, and a cycle hidden by a late import is still a cycle.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sim"

#: Layers from the bottom up; a module may import its own layer and those before it.
#: Modules directly in sim/ that import nothing of the package (errors) sit at the bottom.
#: ``commands`` (the handlers of the command line, one module per group) sits under ``cli`` (the
#: parser): a handler calls studies and calibration, and the parser imports a handler only to run it.
LAYERS = ["errors", "reference", "engine", "scenario", "study", "calibration", "commands", "cli"]


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names[name] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that ``name`` imports, at any depth."""
    found = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


@functools.cache
def graph() -> dict[str, set[str]]:
    names = module_names()
    return {name: imports_of(name, path, set(names)) for name, path in names.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def test_no_import_cycles():
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", sorted(module_names()))
def test_each_module_imports_only_its_layer_and_below(module):
    mine = layer(module)
    if mine is None or mine not in LAYERS:
        return  # sim itself and sim.__main__ stand above everything
    allowed = set(LAYERS[: LAYERS.index(mine) + 1])
    above = {m for m in graph()[module] if layer(m) in LAYERS and layer(m) not in allowed}
    assert not above, f"{module} ({mine}) imports from a higher layer: {sorted(above)}"


def test_every_module_is_in_a_layer():
    strays = {m for m in module_names() if layer(m) not in LAYERS and m not in ("sim", "sim.__main__")}
    assert not strays, f"modules outside the layers {LAYERS}: {sorted(strays)}"
