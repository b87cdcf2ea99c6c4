"""Circuit -> layered ReLU network, one gadget per gate, depth for depth.

Hidden layer ``l`` holds a gadget for every AND/OR/XOR gate of depth ``l``
(NOT is folded into the next affine map) and a copy unit for every value
computed earlier but still read later, so each layer reads only the one
before it.  The output layer reads the outputs' values off the last hidden
layer.  Hence the network has exactly ``depth(circuit)`` hidden layers.

The compiler runs on the array form of the circuit
(:class:`~expressivity.circuits.arrays.ArrayCircuit`; a networkx circuit is
converted first), a few numpy calls per layer and gadget type.  Every value
of a layer is an affine *form* over that layer's units: its gadget's units
weighted by the gadget's readout, plus its offset.  A gadget's units read
``weights @ operand forms``, so each weight row is an operand's form scaled
by a local weight: rows are expanded form by form, never multiplied as
matrices (which is how the certificate checks them).

The returned network carries a *plan* (:class:`ArrayPlan`): for each hidden
layer, which node each gadget computes, its kind and its first unit.  The
plan is a hint for :func:`expressivity.verify.compositional.certify`, which
trusts nothing in it without checking.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import scipy.sparse as sp

from expressivity.circuits.arrays import AND, CONST, XOR, ArrayCircuit, as_arrays, resolve_not
from expressivity.circuits.schema import GATES
from expressivity.networks.gadgets import gadget
from expressivity.networks.layered import LayeredNet

#: Plan code of a copy unit; gates keep their codes (:data:`expressivity.circuits.arrays.CODES`).
COPY = len(GATES)
KIND_NAMES = GATES + ("copy",)


@dataclass(frozen=True, slots=True)
class PlacedGadget:
    """Units ``start .. stop-1`` of a hidden layer compute ``kind`` of ``operands`` = node ``node``."""

    node: Hashable
    kind: str
    operands: tuple
    start: int
    stop: int


@dataclass(frozen=True, eq=False)
class LayerPlan:
    """One hidden layer's gadgets, in unit order: node numbers, kind codes, first units, and the layer's width."""

    nodes: np.ndarray
    kinds: np.ndarray
    starts: np.ndarray
    width: int

    @property
    def stops(self) -> np.ndarray:
        return np.append(self.starts[1:], self.width).astype(np.int64)


@dataclass(frozen=True, eq=False)
class ArrayPlan:
    """The gadget plan of a compiled network: a :class:`LayerPlan` per hidden layer, numbered as ``circuit``.

    Indexing gives the layer's gadgets as :class:`PlacedGadget` tuples named
    by the circuit's networkx labels (built on demand: meant for small networks).

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> plan = compile_network(xor_tree(4)).plan
    >>> len(plan), plan[1]
    (2, (PlacedGadget(node=('xor', 2, 0), kind='xor', operands=(('xor', 1, 0), ('xor', 1, 1)), start=0, stop=2),))
    """

    layers: tuple
    circuit: ArrayCircuit

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        layer, circuit = self.layers[index], self.circuit
        placed = []
        for node, kind, start, stop in zip(layer.nodes.tolist(), layer.kinds.tolist(), layer.starts.tolist(), layer.stops.tolist()):
            label = circuit.label(node)
            operands = (label,) if kind == COPY else tuple(
                circuit.label(o) for o in circuit.operands[circuit.indptr[node]:circuit.indptr[node + 1]].tolist())
            placed.append(PlacedGadget(label, KIND_NAMES[kind], operands, start, stop))
        return tuple(placed)

    def __iter__(self):
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True, eq=False)
class Layout:
    """What the compiler needs before building a layer: resolved NOTs, the gates by layer, and how long values live."""

    circuit: ArrayCircuit
    base: np.ndarray          # node -> the node it is, NOTs stripped
    negated: np.ndarray       # node -> 1 where it is 1 - base
    gates: np.ndarray         # the nonlinear gates an output reads, by depth, then in order
    bounds: np.ndarray        # the gates of layer l are gates[bounds[l-1]:bounds[l]]
    last_read: np.ndarray     # value -> the last layer reading it (-1: none)
    hidden: int

    def gates_at(self, layer: int) -> np.ndarray:
        """The gates of hidden layer ``layer`` (1 .. hidden), in order."""
        return self.gates[self.bounds[layer - 1]:self.bounds[layer]]

    @property
    def neurons(self) -> int:
        """Hidden units: the gadgets' units, and a copy per layer a value is carried through."""
        units = int(np.where(self.circuit.kinds[self.gates] == XOR, self.circuit.arities[self.gates], 1).sum())
        live = self.last_read >= 0
        copies = np.maximum(0, self.last_read[live] - self.circuit.depths[live])
        return units + int(copies.sum())


def layout(circuit) -> Layout:
    """The :class:`Layout` of a circuit (networkx or arrays), checked, in numpy passes over its nodes."""
    arrays = as_arrays(circuit)
    base, negated = resolve_not(arrays)
    kinds, depths, indptr = arrays.kinds, arrays.depths, arrays.indptr
    gates = np.flatnonzero(_cone(arrays) & (kinds >= AND))
    hidden = int(depths[arrays.outputs].max(initial=0))
    last_read = np.full(arrays.size, -1, dtype=np.int64)
    positions, counts = ragged(indptr, gates)
    read = base[arrays.operands[positions]]
    reader = np.repeat(depths[gates] - 1, counts)
    keep = kinds[read] != CONST
    np.maximum.at(last_read, read[keep], reader[keep])
    outputs = base[arrays.outputs]
    outputs = outputs[kinds[outputs] != CONST]
    last_read[outputs] = hidden
    by_depth = gates[np.argsort(depths[gates], kind="stable")]
    bounds = np.searchsorted(depths[by_depth], np.arange(1, hidden + 2))
    return Layout(arrays, base, negated, by_depth, bounds, last_read, hidden)


def compile_network(circuit) -> LayeredNet:
    """Compile ``circuit`` (networkx or :class:`~expressivity.circuits.arrays.ArrayCircuit`) into an exact integer ReLU network.

    Only the gates that some output reads (directly or not) are compiled.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> net = compile_network(xor_tree(8))
    >>> net.depth, net.widths, net.parameters
    (3, (8, 4, 2), 121)
    """
    plan = layout(circuit)
    arrays, base, negated = plan.circuit, plan.base, plan.negated
    n = int(arrays.n_inputs)
    row_of = np.full(arrays.size, -1, dtype=np.int64)
    present = np.arange(n, dtype=np.int64)  # the values of the current layer, in row order
    row_of[present] = present
    # offsets has one more entry, 0, read for constant operands (which have no row)
    form_start, coefficients, offsets = np.arange(n + 1, dtype=np.int64), np.ones(n, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    weights, biases, layers = [], [], []
    all_arities = arrays.arities
    for layer in range(1, plan.hidden + 1):
        gates = plan.gates_at(layer)
        copies = present[plan.last_read[present] >= layer]
        nodes = np.concatenate([gates, copies])
        kinds = np.concatenate([arrays.kinds[gates], np.full(copies.size, COPY, dtype=np.int8)])
        arity = np.concatenate([all_arities[gates], np.ones(copies.size, dtype=np.int64)])
        units = np.where(kinds == XOR, arity, 1)
        starts = np.zeros(nodes.size + 1, dtype=np.int64)
        np.cumsum(units, out=starts[1:])
        width = int(starts[-1])
        rows, cols, vals, bias = [], [], [], np.zeros(width, dtype=np.int64)
        next_coefficients, next_offsets = np.zeros(width, dtype=np.int64), np.zeros(nodes.size, dtype=np.int64)
        for kind, k in gadget_types(kinds, arity):
            members = np.flatnonzero((kinds == kind) & (arity == k))
            g = gadget(KIND_NAMES[kind], k)
            w = np.array(g.weights, dtype=np.int64)  # (units, k)
            if kind == COPY:
                operands = nodes[members][:, None]
            else:
                operands = arrays.operands[arrays.indptr[nodes[members]][:, None] + np.arange(k)]
            read, sign = base[operands], 1 - 2 * negated[operands].astype(np.int64)
            constant = arrays.kinds[read] == CONST
            row = _rows(row_of, read, constant, offsets.size - 1)
            offset = np.where(constant, arrays.values[read] ^ negated[operands], sign * offsets[row] + negated[operands])
            unit = starts[members][:, None] + np.arange(g.units)  # (m, units)
            bias[unit] = offset @ w.T + np.array(g.biases, dtype=np.int64)
            scale = w[None, :, :] * sign[:, None, :]  # (m, units, k)
            wired = (scale != 0) & ~constant[:, None, :]
            entry_unit = np.broadcast_to(unit[:, :, None], scale.shape)[wired]
            entry_row = np.broadcast_to(row[:, None, :], scale.shape)[wired]
            _expand(entry_unit, entry_row, scale[wired], form_start, coefficients, rows, cols, vals)
            next_coefficients[unit] = np.array(g.readout, dtype=np.int64)
            next_offsets[members] = g.offset
        weights.append(_csr(rows, cols, vals, (width, form_start[-1])))
        biases.append(bias)
        layers.append(LayerPlan(nodes, kinds, starts[:-1].copy(), width))
        row_of[present] = -1
        present = nodes
        row_of[present] = np.arange(present.size)
        form_start, coefficients, offsets = starts, next_coefficients, np.append(next_offsets, 0)
    read, negation = base[arrays.outputs], negated[arrays.outputs]
    constant = arrays.kinds[read] == CONST
    row = _rows(row_of, read, constant, offsets.size - 1)
    sign = 1 - 2 * negation.astype(np.int64)
    bias = np.where(constant, arrays.values[read] ^ negation, sign * offsets[row] + negation).astype(np.int64)
    rows, cols, vals = [], [], []
    wired = ~constant
    _expand(np.flatnonzero(wired), row[wired], sign[wired], form_start, coefficients, rows, cols, vals)
    weights.append(_csr(rows, cols, vals, (arrays.outputs.size, form_start[-1])))
    biases.append(bias)
    return LayeredNet(tuple(weights), tuple(biases), None, ArrayPlan(tuple(layers), arrays), arrays.name)


def _rows(row_of: np.ndarray, read: np.ndarray, constant: np.ndarray, sentinel: int) -> np.ndarray:
    """The previous layer's row of every non-constant operand (``sentinel`` for constants)."""
    rows = np.where(constant, sentinel, row_of[read])
    if np.any(rows < 0):
        raise RuntimeError("compiler error: an operand is not in the previous layer")  # the layout guarantees it is
    return rows


def gadget_types(kinds: np.ndarray, arity: np.ndarray) -> list[tuple[int, int]]:
    """The distinct ``(kind, arity)`` pairs, sorted.

    Examples
    --------
    >>> gadget_types(np.array([5, 3, 5, 5]), np.array([2, 4, 2, 3]))
    [(3, 4), (5, 2), (5, 3)]
    """
    keys = np.unique((kinds.astype(np.int64) << 40) | arity.astype(np.int64))
    return [(int(key >> 40), int(key & ((1 << 40) - 1))) for key in keys]


def ragged(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``indptr[r] .. indptr[r+1]-1`` for every ``r`` in ``rows``, concatenated, and their counts.

    Examples
    --------
    >>> [a.tolist() for a in ragged(np.array([0, 2, 2, 5]), np.array([2, 0]))]
    [[2, 3, 4, 0, 1], [3, 2]]
    """
    first = indptr[rows]
    counts = indptr[rows + 1] - first
    total = int(counts.sum())
    shift = np.repeat(first - (np.cumsum(counts) - counts), counts)
    return shift + np.arange(total, dtype=np.int64), counts


def _expand(units, value_rows, scale, form_start, coefficients, rows, cols, vals) -> None:
    """Append the entries of ``scale * form(value_row)`` to row ``unit``, for every triple."""
    positions, counts = ragged(form_start, value_rows)
    rows.append(np.repeat(units, counts))
    cols.append(positions)
    vals.append(np.repeat(scale, counts) * coefficients[positions])


def _cone(arrays: ArrayCircuit) -> np.ndarray:
    """Which nodes an output reads, directly or not: peel off the nodes nobody reads, round by round."""
    size, indptr, operands = arrays.size, arrays.indptr, arrays.operands
    readers = np.bincount(operands, minlength=size)
    wanted = np.zeros(size, dtype=bool)
    wanted[arrays.outputs] = True
    live = np.ones(size, dtype=bool)
    dead = np.flatnonzero((readers == 0) & ~wanted)
    while dead.size:
        live[dead] = False
        positions, _ = ragged(indptr, dead)
        freed, times = np.unique(operands[positions], return_counts=True)
        readers[freed] -= times
        dead = freed[(readers[freed] == 0) & ~wanted[freed]]
    return live


def _csr(rows, cols, vals, shape) -> sp.csr_array:
    join = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)  # noqa: E731
    matrix = sp.coo_array((join(vals).astype(np.int64), (join(rows), join(cols))), shape=shape).tocsr()
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix
