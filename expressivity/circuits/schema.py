"""What a circuit is: a networkx DiGraph with the attributes documented here, once.

A circuit over ``n`` input bits is a directed acyclic ``networkx.DiGraph``.
An edge ``u -> v`` means that gate ``v`` reads the value of ``u``.

Graph attributes
----------------
``n_inputs`` : int
    The number of input bits ``x_0 .. x_{n-1}``.
``outputs`` : tuple of nodes
    The nodes whose values the circuit computes, in order (usually one).
``name`` : str, optional
    A short description such as ``"xor_tree(n=8, arity=2)"``.

Node attributes
---------------
``gate`` : str
    One of :data:`GATES`: ``"input"``, ``"const"``, ``"not"``, ``"and"``,
    ``"or"``, ``"xor"``.
``index`` : int
    For ``"input"`` nodes only: which bit, ``0 <= index < n_inputs``.
``value`` : int
    For ``"const"`` nodes only: 0 or 1.
``operands`` : tuple of nodes
    For gates: the nodes read, in order (the same set as the in-edges, kept
    as a tuple because order matters to nothing but printing and it makes
    duplicated operands explicit).  ``"not"`` has exactly one operand;
    ``"and"``, ``"or"`` and ``"xor"`` have one or more (fan-in ``k``).

Depth convention
----------------
Inputs and constants have depth 0; an AND, OR or XOR gate has depth one more
than its deepest operand; a NOT gate has the depth of its operand.  NOT is free
because it is affine (``1 - v``) and folds into the next linear layer of a ReLU
network, so a circuit's depth is exactly the number of hidden layers of the
network it compiles to.  :func:`expressivity.circuits.metrics.depth` can also
count NOT gates, for the classical convention.
"""
from __future__ import annotations

from expressivity.errors import InputError, check_int, check_items, check_type, shown

from typing import Hashable

import networkx as nx

GATES = ("input", "const", "not", "and", "or", "xor")
#: Gates whose value needs a ReLU (a hidden layer) in the compiled network.
NONLINEAR_GATES = ("and", "or", "xor")


class CircuitError(InputError):
    """A graph that breaks the rules above."""


#: The most inputs of a networkx circuit: about 1 KB per node, so 2^22 inputs take 4 GB before any gate.
MAX_GRAPH_INPUTS = 1 << 22


def new_circuit(n_inputs: int, name: str = "") -> nx.DiGraph:
    """An empty circuit with input nodes ``("x", 0) .. ("x", n-1)``.

    Examples
    --------
    >>> c = new_circuit(3)
    >>> sorted(c.nodes)
    [('x', 0), ('x', 1), ('x', 2)]
    """
    check_int(n_inputs, "n_inputs", minimum=0, maximum=MAX_GRAPH_INPUTS,
              why="(a networkx graph of about 1 KB per node)", error=CircuitError)
    circuit = nx.DiGraph(n_inputs=n_inputs, outputs=(), name=name)
    circuit.add_nodes_from((("x", i), {"gate": "input", "index": i}) for i in range(n_inputs))
    return circuit


def input_node(i: int) -> tuple:
    """The node of input bit ``i`` in circuits made by :func:`new_circuit`."""
    return ("x", i)


def add_gate(circuit: nx.DiGraph, node: Hashable, gate: str, operands=(), value=None) -> Hashable:
    """Add gate ``node`` reading ``operands``; return ``node``."""
    check_type(circuit, "circuit", nx.DiGraph, "a networkx.DiGraph", CircuitError)
    if node is None or not isinstance(node, Hashable):
        raise CircuitError(f"node must be a hashable name other than None, got {shown(node)}")
    if not isinstance(gate, str) or gate not in GATES or gate == "input":
        raise CircuitError(f"unknown gate {shown(gate)}")
    if not isinstance(operands, tuple):
        operands = tuple(check_items(operands, "operands", "a sequence of nodes", lambda _: True, CircuitError))
    for operand in operands:
        if operand not in circuit:  # networkx says False for an unhashable operand
            raise CircuitError(f"operand {shown(operand)} of {shown(node)} is not in the circuit")
    if gate == "const":
        if value not in (0, 1) or operands:
            raise CircuitError("a constant has value 0 or 1 and no operands")
        circuit.add_node(node, gate="const", value=int(value))
        return node
    if gate == "not" and len(operands) != 1:
        raise CircuitError("NOT takes exactly one operand")
    if not operands:
        raise CircuitError(f"{gate.upper()} needs at least one operand")
    circuit.add_node(node, gate=gate, operands=operands)
    circuit.add_edges_from((operand, node) for operand in operands)
    return node


def set_outputs(circuit: nx.DiGraph, *outputs: Hashable) -> nx.DiGraph:
    """Mark ``outputs`` as the circuit's outputs; return the circuit."""
    check_type(circuit, "circuit", nx.DiGraph, "a networkx.DiGraph", CircuitError)
    for output in outputs:
        if not isinstance(output, Hashable) or output not in circuit:
            raise CircuitError(f"output {shown(output)} is not in the circuit")
    circuit.graph["outputs"] = tuple(outputs)
    return circuit


def check_circuit(circuit: nx.DiGraph) -> list:
    """Raise :class:`CircuitError` unless ``circuit`` follows the schema; return a topological order.

    The order (operands before the gates that read them) is what every pass
    over the circuit needs, so callers reuse it instead of sorting again.
    """
    if not isinstance(circuit, nx.DiGraph):
        raise CircuitError("a circuit is a networkx.DiGraph")
    n = circuit.graph.get("n_inputs")
    if not isinstance(n, int) or n < 0:
        raise CircuitError("graph attribute n_inputs must be a non-negative int")
    outputs = circuit.graph.get("outputs", ())
    if not outputs:
        raise CircuitError("the circuit has no outputs")
    try:
        order = list(nx.topological_sort(circuit))
    except nx.NetworkXUnfeasible:
        raise CircuitError("the circuit has a cycle") from None
    seen_index = set()
    predecessors = circuit._pred  # plain dicts: this loop runs once per node of million-gate circuits
    for node, data in circuit.nodes(data=True):
        gate = data.get("gate")
        if gate == "input":
            index = data.get("index")
            if not isinstance(index, int) or not 0 <= index < n or index in seen_index:
                raise CircuitError(f"input {node!r} has a bad or repeated index {index!r}")
            seen_index.add(index)
        elif gate == "const":
            if data.get("value") not in (0, 1):
                raise CircuitError(f"constant {node!r} needs value 0 or 1")
        elif gate in GATES:
            operands = data.get("operands", ())
            if not operands or (gate == "not" and len(operands) != 1):
                raise CircuitError(f"gate {node!r} ({gate}) has a bad operand list")
            incoming = predecessors[node]
            if len(incoming) != len(set(operands)) or any(operand not in incoming for operand in operands):
                raise CircuitError(f"gate {node!r}: operands and in-edges disagree")
        else:
            raise CircuitError(f"node {node!r} has unknown gate {gate!r}")
    if len(seen_index) != n:
        raise CircuitError(f"the circuit declares {n} inputs but has {len(seen_index)} input nodes")
    for output in outputs:
        if output not in circuit:
            raise CircuitError(f"output {output!r} is not in the circuit")
    return order
