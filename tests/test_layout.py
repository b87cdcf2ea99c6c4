"""The layout's rules, checked on the source: no import circles, the library never imports the CLI, lower folders never import higher ones."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "expressivity"

# The pipeline's stages, lowest first: a module may import its own stage and the ones below
# (circuits come first: functions are read from circuits, circuits never need functions).
STAGES = ["errors", "circuits", "functions", "networks", "verify", "compiling", "counts", "search", "prove",
          "regions", "backends", "results", "cli"]
# Stages every other may use: the error type, files and records, and the backends that run tasks.
SHARED = {"errors", "results", "backends"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """Every ``expressivity`` module and the modules it imports, at any depth of its code (lazy imports too,
    not those under ``if TYPE_CHECKING:``, which never run)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        tree = ast.parse(path.read_text())
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                       for n in ast.walk(block)}  # imports for annotations only: no run-time edge
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("expressivity"):
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_circles():
    graph = import_graph()
    graph.remove_node("expressivity")  # the top-level package re-exports lazily by name, imports nothing back
    circles = [c for c in nx.simple_cycles(graph)]
    assert circles == [], f"import circles: {circles[:5]}"


def test_the_library_never_imports_the_cli():
    graph = import_graph()
    offenders = [(a, b) for a, b in graph.edges if stage(b) == "cli" and stage(a) not in ("cli", "__main__")]
    assert offenders == []


def test_lower_stages_never_import_higher_ones():
    graph = import_graph()
    rank = {name: i for i, name in enumerate(STAGES)}
    upward = [(a, b) for a, b in graph.edges
              if stage(a) in rank and stage(b) in rank and stage(b) not in SHARED and stage(a) not in ("cli",)
              and rank[stage(b)] > rank[stage(a)]]
    assert upward == [], f"imports that run upward: {upward}"
