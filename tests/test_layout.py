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


# The subjects of expressivity.prove and those each may import besides itself: the exact methods share no
# code with the MILP, the cubes build on the MILP, the census on the MILP and the exact methods; highs (the
# one silent HiGHS) is shared, and the standalone checker imports nothing of the package but its standalone
# siblings: the re-derivation of the three-unit refutation and the count of a cube split (test_check.py).
PROVE_SUBJECTS = {"milp": {"highs"}, "exact": {"highs"}, "cubes": {"milp"}, "census": {"milp", "exact", "cubes"},
                  "highs": set(), "rederive": set(), "split_cover": set(),
                  # the standalone checker, its files by subject: the report over census rows and cubes over evidence
                  "check": {"check_census", "check_cubes", "check_evidence"}, "check_evidence": set(),
                  "check_census": {"check_evidence", "check_cubes", "rederive", "split_cover"}, "check_cubes": {"check_evidence", "split_cover"}}


def prove_subject(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["expressivity", "prove"] and len(parts) > 2 else None


def test_each_subject_of_prove_imports_only_those_below_it():
    graph = import_graph()
    assert {prove_subject(m) for m in graph if prove_subject(m)} == set(PROVE_SUBJECTS), "a new subject needs its rule"
    crossing = [(a, b) for a, b in graph.edges if prove_subject(a) and prove_subject(b)
                and prove_subject(b) not in {prove_subject(a)} | PROVE_SUBJECTS[prove_subject(a)]]
    assert crossing == [], f"imports across the subjects of expressivity.prove: {crossing}"
    inward = [a for a, b in graph.edges if prove_subject(a) and b == "expressivity.prove"]
    assert inward == [], f"modules that import their own package's re-exports: {inward}"


def test_no_package_of_prove_binds_the_name_of_its_own_submodule_to_something_else():
    # `expressivity.prove.cubes` must stay the subpackage, never become the function `cubes` of its module cube
    # (checked in prove only: expressivity.circuits binds `balance`, expressivity.regions `sawtooth`)
    hiding = []
    for init in (PACKAGE / "prove").rglob("__init__.py"):
        package = module_name(init)
        children = {p.stem for p in init.parent.glob("*.py")} | {p.parent.name for p in init.parent.glob("*/__init__.py")}
        for node in ast.parse(init.read_text()).body:
            if isinstance(node, ast.ImportFrom):
                bound = [(alias.asname or alias.name, f"{node.module}.{alias.name}") for alias in node.names]
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound = [(node.name, None)]
            elif isinstance(node, ast.Assign):
                bound = [(t.id, None) for t in node.targets if isinstance(t, ast.Name)]
            else:
                bound = []
            hiding += [(package, name) for name, target in bound
                       if name in children - {"__init__"} and target != f"{package}.{name}"]
    assert hiding == [], f"names that hide a submodule: {hiding}"
