"""Circuits as integer arrays: the form the compiler and the certificate run on when a circuit has millions of gates.

An :class:`ArrayCircuit` is the circuit of :mod:`expressivity.circuits.schema`
with its nodes numbered ``0 .. N-1`` so that every gate reads only nodes of
smaller number (a topological order), the inputs first (node ``i`` is bit
``x_i``).  Per node it holds a gate code (:data:`CODES`: the position in
:data:`~expressivity.circuits.schema.GATES`), its operands as a slice of one
flat array (``operands[indptr[v]:indptr[v+1]]``, in order, repeats kept), the
value of a constant, and the depth (the convention of the schema: NOT is free).
Building one takes numpy calls per level, not Python calls per gate;
:func:`from_networkx` and :meth:`ArrayCircuit.to_networkx` convert from and to
the networkx graphs users see, and :meth:`ArrayCircuit.label` gives a node's
networkx name.

The generated parity circuits are in :mod:`expressivity.circuits.arrays_build`.

Examples
--------
>>> from expressivity.circuits.build import xor_tree
>>> arrays = from_networkx(xor_tree(4))
>>> arrays.kinds.tolist(), arrays.operands.tolist(), arrays.depths.tolist()
([0, 0, 0, 0, 5, 5, 5], [0, 1, 2, 3, 4, 5], [0, 0, 0, 0, 1, 1, 2])
>>> summary(arrays)
{'n_inputs': 4, 'depth': 2, 'size': 3, 'fan_in': 2, 'gates': {'xor': 3}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable

import networkx as nx
import numpy as np

from expressivity.circuits.schema import GATES, CircuitError, check_circuit

#: Gate codes: the position of each gate in ``GATES``.
CODES = {gate: code for code, gate in enumerate(GATES)}
INPUT, CONST, NOT, AND, OR, XOR = (CODES[gate] for gate in GATES)


@dataclass(frozen=True, eq=False)
class ArrayCircuit:
    """A circuit as arrays (see the module docstring); check it with :meth:`check`.

    Parameters
    ----------
    n_inputs : int
        Nodes ``0 .. n_inputs-1`` are the inputs, in order.
    kinds : ndarray of int8
        Gate code of every node (:data:`CODES`).
    indptr : ndarray of int64
        ``N + 1`` offsets into ``operands``.
    operands : ndarray of int64
        Every gate's operands, in order, each smaller than the gate's own number.
    outputs : ndarray of int64
        The output nodes, in order.
    values : ndarray of int8
        The value of every constant (0 elsewhere).
    depths : ndarray of int64
        Every node's depth; :meth:`check` confirms it.
    name : str
        As the graph attribute ``name``.
    labels : sequence, callable or None
        The networkx name of each node: a sequence indexed by number, a
        function of the number, or None for ``("x", i)`` and ``("g", v)``.
    """

    n_inputs: int
    kinds: np.ndarray
    indptr: np.ndarray
    operands: np.ndarray
    outputs: np.ndarray
    values: np.ndarray
    depths: np.ndarray = field(repr=False)
    name: str = ""
    labels: Any = field(default=None, repr=False)

    @property
    def size(self) -> int:
        """Number of nodes, inputs and constants included."""
        return int(self.kinds.shape[0])

    @property
    def arities(self) -> np.ndarray:
        """Operands per node."""
        return np.diff(self.indptr)

    @property
    def depth(self) -> int:
        """The deepest output's depth."""
        return int(self.depths[self.outputs].max(initial=0))

    def label(self, node: int) -> Hashable:
        """The networkx name of node ``node``."""
        if callable(self.labels):
            return self.labels(node)
        if self.labels is not None:
            return self.labels[node]
        return ("x", node) if node < self.n_inputs else ("g", node)

    def check(self) -> "ArrayCircuit":
        """Raise :class:`CircuitError` unless the arrays describe a circuit; return it.

        Checks the codes, that inputs come first and only there, the operand
        counts (none for inputs and constants, one for NOT, at least one
        otherwise), that every operand precedes its gate (so there is no
        cycle), the constants' values, the outputs, and every depth, each in
        one pass of numpy.

        Examples
        --------
        >>> bad = ArrayCircuit(1, np.array([0, 5], np.int8), np.array([0, 0, 1]), np.array([1]),
        ...                    np.array([1]), np.zeros(2, np.int8), np.array([0, 1]))
        >>> bad.check()
        Traceback (most recent call last):
        ...
        expressivity.circuits.schema.CircuitError: node 1 reads node 1, which does not precede it
        """
        n, kinds, indptr, operands = self.n_inputs, self.kinds, self.indptr, self.operands
        size = kinds.shape[0]
        if not isinstance(n, (int, np.integer)) or not 0 <= n <= size:
            raise CircuitError(f"n_inputs must lie in 0..{size}, got {n!r}")
        if kinds.ndim != 1 or indptr.shape != (size + 1,) or self.values.shape != (size,) or self.depths.shape != (size,):
            raise CircuitError("kinds, values and depths need one entry per node, indptr one more")
        if size and (kinds.min() < 0 or kinds.max() >= len(GATES)):
            raise CircuitError(f"gate codes lie in 0..{len(GATES) - 1}")
        if np.any(kinds[:n] != INPUT) or np.any(kinds[n:] == INPUT):
            raise CircuitError("the inputs must be nodes 0 .. n_inputs-1, and only those")
        arity = np.diff(indptr)
        if indptr[0] != 0 or np.any(arity < 0) or indptr[-1] != operands.shape[0]:
            raise CircuitError("indptr must rise from 0 to the number of operands")
        bad = np.flatnonzero(((kinds <= CONST) & (arity != 0)) | ((kinds == NOT) & (arity != 1)) | ((kinds > CONST) & (arity < 1)))
        if bad.size:
            raise CircuitError(f"node {int(bad[0])} ({GATES[kinds[bad[0]]]}) has a bad operand count {int(arity[bad[0]])}")
        owner = np.repeat(np.arange(size), arity)
        late = np.flatnonzero((operands < 0) | (operands >= owner))
        if late.size:
            raise CircuitError(f"node {int(owner[late[0]])} reads node {int(operands[late[0]])}, which does not precede it")
        if np.any((self.values != 0) & ((kinds != CONST) | (self.values != 1))):
            raise CircuitError("constants have value 0 or 1, other nodes 0")
        if self.outputs.ndim != 1 or not self.outputs.size or self.outputs.min() < 0 or self.outputs.max() >= size:
            raise CircuitError("the circuit needs one or more outputs, each one of its nodes")
        expected = np.zeros(size, dtype=np.int64)
        gates = np.flatnonzero(arity > 0)
        if gates.size:
            deepest = np.maximum.reduceat(self.depths[operands], indptr[gates])
            expected[gates] = deepest + (kinds[gates] >= AND)
        wrong = np.flatnonzero(expected != self.depths)
        if wrong.size:
            raise CircuitError(f"node {int(wrong[0])} has depth {int(expected[wrong[0]])}, not {int(self.depths[wrong[0]])}")
        return self

    def to_networkx(self) -> nx.DiGraph:
        """The same circuit as a networkx graph (node names from :meth:`label`).

        Examples
        --------
        >>> from expressivity.circuits.build import xor_chain
        >>> back = from_networkx(xor_chain(3)).to_networkx()
        >>> sorted(back.nodes(data="gate"))[:2], back.graph["outputs"]
        ([(('x', 0), 'input'), (('x', 1), 'input')], (('xor', 2),))
        """
        labels = [self.label(v) for v in range(self.size)]
        kinds, indptr, operands, values = self.kinds.tolist(), self.indptr.tolist(), self.operands.tolist(), self.values.tolist()
        circuit = nx.DiGraph(n_inputs=int(self.n_inputs), outputs=tuple(labels[v] for v in self.outputs.tolist()), name=self.name)
        nodes, edges = [], []
        for v, label in enumerate(labels):
            kind = kinds[v]
            if kind == INPUT:
                nodes.append((label, {"gate": "input", "index": v}))
            elif kind == CONST:
                nodes.append((label, {"gate": "const", "value": values[v]}))
            else:
                read = tuple(labels[o] for o in operands[indptr[v]:indptr[v + 1]])
                nodes.append((label, {"gate": GATES[kind], "operands": read}))
                edges.extend((operand, label) for operand in read)
        circuit.add_nodes_from(nodes)
        circuit.add_edges_from(edges)
        return circuit


def from_networkx(circuit: nx.DiGraph) -> ArrayCircuit:
    """Number ``circuit``'s nodes (inputs by index, then a topological order) and store it as arrays.

    The circuit is checked first (:func:`~expressivity.circuits.schema.check_circuit`);
    the result keeps the networkx names as its labels.
    """
    if isinstance(circuit, ArrayCircuit):
        return circuit
    order = check_circuit(circuit)
    attributes = circuit._node  # plain dicts: this loop runs once per node of million-gate circuits
    n = circuit.graph["n_inputs"]
    inputs = [None] * n
    others = []
    for node in order:
        data = attributes[node]
        if data["gate"] == "input":
            inputs[data["index"]] = node
        else:
            others.append(node)
    labels = inputs + others
    number = {node: v for v, node in enumerate(labels)}
    gates = [attributes[node]["gate"] for node in others]
    kinds = np.array([INPUT] * n + [CODES[gate] for gate in gates], dtype=np.int8)
    read = [attributes[node].get("operands", ()) for node in others]
    arity = np.array([0] * n + [len(operands) for operands in read], dtype=np.int64)
    indptr = np.zeros(len(labels) + 1, dtype=np.int64)
    np.cumsum(arity, out=indptr[1:])
    operands = np.array([number[o] for operands in read for o in operands], dtype=np.int64)
    values = np.array([0] * n + [attributes[node].get("value", 0) if gate == "const" else 0 for node, gate in zip(others, gates)],
                      dtype=np.int8)
    outputs = np.array([number[o] for o in circuit.graph["outputs"]], dtype=np.int64)
    return ArrayCircuit(n, kinds, indptr, operands, outputs, values, compute_depths(kinds, indptr, operands),
                        circuit.graph.get("name", ""), tuple(labels))


def compute_depths(kinds: np.ndarray, indptr: np.ndarray, operands: np.ndarray) -> np.ndarray:
    """Every node's depth, in one pass over the nodes in order (NOT free; see the schema).

    Examples
    --------
    >>> compute_depths(np.array([0, 0, 2, 3]), np.array([0, 0, 0, 1, 3]), np.array([0, 1, 2])).tolist()
    [0, 0, 0, 1]
    """
    kinds_list, bounds, read = kinds.tolist(), indptr.tolist(), operands.tolist()
    depths = [0] * len(kinds_list)
    for v, kind in enumerate(kinds_list):
        if kind > CONST:
            start, stop = bounds[v], bounds[v + 1]
            deepest = depths[read[start]] if stop - start == 1 else max([depths[o] for o in read[start:stop]])
            depths[v] = deepest + 1 if kind >= AND else deepest
    return np.array(depths, dtype=np.int64)


def as_arrays(circuit) -> ArrayCircuit:
    """``circuit`` as an :class:`ArrayCircuit`, converting a networkx graph (an ArrayCircuit is returned checked)."""
    if isinstance(circuit, ArrayCircuit):
        return circuit.check()
    return from_networkx(circuit)


def circuit_name(circuit) -> str:
    """The ``name`` of a networkx circuit or an :class:`ArrayCircuit`."""
    return circuit.name if isinstance(circuit, ArrayCircuit) else circuit.graph.get("name", "")


def n_inputs(circuit) -> int:
    """The number of input bits of a networkx circuit or an :class:`ArrayCircuit`."""
    return int(circuit.n_inputs) if isinstance(circuit, ArrayCircuit) else circuit.graph["n_inputs"]


def summary(arrays: ArrayCircuit) -> dict:
    """Depth, size, fan-in and gate counts, as :func:`expressivity.circuits.metrics.summary` gives them."""
    counts = np.bincount(arrays.kinds, minlength=len(GATES))
    gates = {gate: int(counts[CODES[gate]]) for gate in sorted(GATES[NOT:]) if counts[CODES[gate]]}
    return {
        "n_inputs": int(arrays.n_inputs),
        "depth": arrays.depth,
        "size": sum(gates.values()),
        "fan_in": int(arrays.arities.max(initial=0)),
        "gates": gates,
    }


def resolve_not(arrays: ArrayCircuit) -> tuple[np.ndarray, np.ndarray]:
    """Strip NOT gates: node ``v`` is ``base[v]`` or, where ``negated[v]``, ``1 - base[v]``.

    By pointer jumping: ``log2`` of the longest chain of NOTs rounds of numpy.

    Examples
    --------
    >>> from expressivity.circuits.build import parity_dnf
    >>> base, negated = resolve_not(from_networkx(parity_dnf(2)))
    >>> base[:4].tolist(), negated[:4].tolist()
    ([0, 1, 0, 1], [0, 0, 1, 1])
    """
    size = arrays.size
    base = np.arange(size, dtype=np.int64)
    negated = np.zeros(size, dtype=np.int8)
    nots = np.flatnonzero(arrays.kinds == NOT)
    base[nots] = arrays.operands[arrays.indptr[nots]]
    negated[nots] = 1
    pending = nots
    while pending.size:
        target = base[pending]
        negated[pending] ^= negated[target]
        base[pending] = base[target]
        pending = pending[arrays.kinds[base[pending]] == NOT]
    return base, negated


__all__ = ["ArrayCircuit", "CODES", "as_arrays", "circuit_name", "compute_depths", "from_networkx", "n_inputs",
           "resolve_not", "summary"]
