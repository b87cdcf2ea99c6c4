"""Graphviz DOT output for circuits (no pydot needed)."""
from __future__ import annotations

import os

import networkx as nx

from expressivity.results.atomic import write_text_atomic


def to_dot(circuit: nx.DiGraph) -> str:
    """The circuit as a DOT digraph: inputs at the top, outputs double-circled.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> print(to_dot(xor_tree(2)))
    digraph circuit {
      rankdir=BT;
      n0 [label="x0", shape=box];
      n1 [label="x1", shape=box];
      n2 [label="XOR", shape=doublecircle];
      n0 -> n2;
      n1 -> n2;
    }
    """
    ids = {node: f"n{i}" for i, node in enumerate(circuit.nodes)}
    outputs = set(circuit.graph.get("outputs", ()))
    lines = ["digraph circuit {", "  rankdir=BT;"]
    for node, data in circuit.nodes(data=True):
        gate = data["gate"]
        if gate == "input":
            label, shape = f"x{data['index']}", "box"
        elif gate == "const":
            label, shape = str(data["value"]), "box"
        else:
            label, shape = gate.upper(), "circle"
        if node in outputs:
            shape = "doublecircle"
        lines.append(f'  {ids[node]} [label="{label}", shape={shape}];')
    lines += [f"  {ids[u]} -> {ids[v]};" for u, v in circuit.edges]
    lines.append("}")
    return "\n".join(lines)


def write_dot(circuit: nx.DiGraph, path: str | os.PathLike) -> None:
    """Write :func:`to_dot` to ``path`` atomically."""
    write_text_atomic(path, to_dot(circuit) + "\n")
