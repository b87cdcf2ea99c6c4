"""Circuit metrics: depth, size, fan-in, gate counts, and each gate's support."""
from __future__ import annotations

from collections import Counter

import networkx as nx

from expressivity.circuits.schema import NONLINEAR_GATES, CircuitError


def _graph(circuit) -> nx.DiGraph:
    """``circuit``, after the cheap check that it is a graph at all (the metrics trust the schema)."""
    if not isinstance(circuit, nx.DiGraph):
        raise CircuitError(f"a circuit is a networkx.DiGraph, got {type(circuit).__name__}")
    return circuit


def node_depths(circuit: nx.DiGraph, count_not: bool = False, order=None) -> dict:
    """Depth of every node (see the depth convention in :mod:`expressivity.circuits.schema`).

    ``order`` is a topological order, if the caller has one already.
    """
    depths: dict = {}
    attributes = circuit._node  # a plain dict: much faster than circuit.nodes[node]
    for node in order if order is not None else nx.topological_sort(circuit):
        data = attributes[node]
        gate = data["gate"]
        if gate in ("input", "const"):
            depths[node] = 0
        else:
            deepest = max(depths[operand] for operand in data["operands"])
            counts = gate in NONLINEAR_GATES or (count_not and gate == "not")
            depths[node] = deepest + 1 if counts else deepest
    return depths


def depth(circuit: nx.DiGraph, count_not: bool = False) -> int:
    """Longest path to an output, counting AND/OR/XOR gates (and NOT if ``count_not``).

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree, parity_dnf
    >>> depth(xor_tree(5)), depth(parity_dnf(3)), depth(parity_dnf(3), count_not=True)
    (3, 2, 3)
    """
    depths = node_depths(_graph(circuit), count_not)
    return max((depths[output] for output in circuit.graph["outputs"]), default=0)


def size(circuit: nx.DiGraph) -> int:
    """Number of gates, NOT included (inputs and constants are not gates)."""
    return sum(gate_counts(circuit).values())


def gate_counts(circuit: nx.DiGraph) -> Counter:
    """How many gates of each kind."""
    return Counter(gate for _, gate in _graph(circuit).nodes(data="gate") if gate != "input" and gate != "const")


def fan_in(circuit: nx.DiGraph) -> int:
    """The largest number of operands of any gate (0 for a circuit with no gates)."""
    return max((len(operands) for _, operands in _graph(circuit).nodes(data="operands") if operands), default=0)


def supports(circuit: nx.DiGraph) -> dict:
    """Each node's support (receptive field): the frozenset of input bits it reads, directly or not.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> sorted(supports(xor_tree(4))[("xor", 2, 0)])
    [0, 1, 2, 3]
    """
    _graph(circuit)
    result: dict = {}
    for node in nx.topological_sort(circuit):
        data = circuit.nodes[node]
        if data["gate"] == "input":
            result[node] = frozenset((data["index"],))
        elif data["gate"] == "const":
            result[node] = frozenset()
        else:
            result[node] = frozenset().union(*(result[operand] for operand in data["operands"]))
    return result


def summary(circuit: nx.DiGraph) -> dict:
    """Depth, size, fan-in and gate counts as a plain dict."""
    counts = gate_counts(circuit)
    return {
        "n_inputs": circuit.graph["n_inputs"],
        "depth": depth(circuit),
        "size": sum(counts.values()),
        "fan_in": fan_in(circuit),
        "gates": dict(sorted(counts.items())),
    }
