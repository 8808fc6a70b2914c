"""The house plan holds: no two modules import each other (at module level or inside a function), and the engine
never imports the rooms built on it (DESIGN.md, principle 5: "one direction").

Imports are read from the source with ``ast``, so imports hidden inside functions count too.
"""

from __future__ import annotations

import ast
import importlib.util
import pathlib

PACKAGE = pathlib.Path(importlib.util.find_spec("glassnet").origin).parent

#: the engine: what training a Sequential needs, and nothing built on top of it
ENGINE = {"_constants", "_validation", "_registry", "_fast", "_fast.reference", "_fast.blas", "_fast.jit",
          "activations", "initializers", "losses", "schedules", "metrics", "layers", "optimizers", "callbacks",
          "training", "model", "io"}
#: the rooms built on the engine, which it must never import
ABOVE = ("builders", "estimators", "perceptron", "analysis", "plots", "report", "tour", "sweep", "cli", "display",
         "interop", "playground")


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: pathlib.Path, modules: dict) -> set[str]:
    """The glassnet modules ``name`` imports, anywhere in its source ("" is the package itself)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name.removeprefix("glassnet").lstrip(".") for a in node.names
                       if a.name.split(".")[0] == "glassnet"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "glassnet":
                target = node.module.removeprefix("glassnet").lstrip(".")
            else:
                continue
            targets = [f"{target}.{a.name}".lstrip(".") if f"{target}.{a.name}".lstrip(".") in modules else target
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def _graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}, modules


def test_no_module_imports_one_that_imports_it_back():
    """Cycles of any length, not counting a package's own ``__init__`` (the public face, which re-exports)."""
    graph, modules = _graph()
    faces = {name for name, path in modules.items() if path.name == "__init__.py"}
    graph = {m: {t for t in targets if t not in faces} for m, targets in graph.items()}
    cycles = []

    def visit(node, trail):
        for nxt in graph[node]:
            if nxt in trail:
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, trail + [nxt])
        done.add(node)

    done: set[str] = set()
    for start in graph:
        if start not in done:
            visit(start, [start])
    assert cycles == []


def test_the_engine_never_imports_the_rooms_built_on_it():
    graph, _ = _graph()
    assert ENGINE <= set(graph), sorted(ENGINE - set(graph))
    offending = {(m, t) for m in ENGINE for t in graph[m] if t.split(".")[0] in ABOVE}
    assert offending == set()


def test_the_structure_check_sees_imports_inside_functions():
    # the premise: an import inside a function counts (model imports io inside Sequential.save)
    graph, _ = _graph()
    assert "io" in graph["model"] and "training" in graph["model"]


def test_one_version_everywhere_and_announced_in_the_changelog():
    import re

    import glassnet

    root = pathlib.Path(__file__).resolve().parents[1]
    declared = re.search(r'^version = "([^"]+)"$', (root / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    assert glassnet.__version__ == declared
    assert f"## {declared}" in (root / "CHANGELOG.md").read_text().splitlines()
