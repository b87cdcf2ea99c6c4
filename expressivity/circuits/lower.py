"""Rewrite a circuit into another basis and report what that costs in depth and size."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from expressivity.circuits.metrics import depth, size
from expressivity.circuits.schema import CircuitError, add_gate, check_circuit, new_circuit, set_outputs

BASES = ("xor", "and-or-not")


@dataclass(frozen=True)
class Lowered:
    """A circuit rewritten into ``basis``, with depth and size before and after."""

    circuit: nx.DiGraph
    basis: str
    depth: int
    size: int
    original_depth: int
    original_size: int


def lower(circuit: nx.DiGraph, basis: str = "and-or-not") -> Lowered:
    """Rewrite ``circuit`` using only the gates of ``basis``.

    ``"and-or-not"`` replaces each XOR of k operands by a balanced tree of
    two-input XORs, each written ``(a AND NOT b) OR (NOT a AND b)``: two levels
    of AND/OR per XOR level, so an XOR tree's depth doubles (the lecture's
    "an XOR takes a few layers").  ``"xor"`` keeps every gate (a copy).

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> low = lower(xor_tree(8))
    >>> (low.original_depth, low.depth), (low.original_size, low.size)
    ((3, 6), (7, 35))
    """
    if basis not in BASES:
        raise CircuitError(f"basis must be one of {BASES}, got {basis!r}"[:200])
    check_circuit(circuit)
    n = circuit.graph["n_inputs"]
    name = circuit.graph.get("name", "")
    result = new_circuit(n, name=f"{name} in {basis}" if name else basis)
    fresh = itertools.count()
    made: dict = {}
    for node in nx.topological_sort(circuit):
        data = circuit.nodes[node]
        gate = data["gate"]
        if gate == "input":
            made[node] = node
        elif gate == "const":
            made[node] = add_gate(result, node, "const", value=data["value"])
        elif gate == "xor" and basis == "and-or-not":
            made[node] = _xor_tree(result, [made[op] for op in data["operands"]], fresh)
        else:
            made[node] = add_gate(result, node, gate, [made[op] for op in data["operands"]])
    set_outputs(result, *(made[output] for output in circuit.graph["outputs"]))
    return Lowered(result, basis, depth(result), size(result), depth(circuit), size(circuit))


def _xor_tree(circuit: nx.DiGraph, operands: list, fresh) -> object:
    level = list(operands)
    while len(level) > 1:
        paired = [_xor2(circuit, level[i], level[i + 1], fresh) for i in range(0, len(level) - 1, 2)]
        level = paired + (level[-1:] if len(level) % 2 else [])
    return level[0]


def _xor2(circuit: nx.DiGraph, a, b, fresh):
    not_a = add_gate(circuit, ("lowered", next(fresh)), "not", (a,))
    not_b = add_gate(circuit, ("lowered", next(fresh)), "not", (b,))
    left = add_gate(circuit, ("lowered", next(fresh)), "and", (a, not_b))
    right = add_gate(circuit, ("lowered", next(fresh)), "and", (not_a, b))
    return add_gate(circuit, ("lowered", next(fresh)), "or", (left, right))
