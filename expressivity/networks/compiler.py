"""Circuit -> layered ReLU network, one gadget per gate, depth for depth.

Hidden layer ``l`` holds a gadget for every AND/OR/XOR gate of depth ``l``
(NOT is folded into the next affine map) and a copy unit for every value
computed earlier but still read later, so each layer reads only the one
before it.  The output layer reads the outputs' values off the last hidden
layer.  Hence the network has exactly ``depth(circuit)`` hidden layers.

Every value is tracked as an affine *form* over the units of one layer: a
sparse row ``{unit: coefficient}`` plus a constant.  A gadget's units read
``weights @ operand forms``; its value is ``readout @ units + offset``.

The returned network carries a *plan*: for each hidden layer, the
:class:`PlacedGadget` list saying which units compute which gate.  The plan is
a hint for :func:`expressivity.verify.compositional.certify`, which trusts
nothing in it without checking.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import networkx as nx
import numpy as np
import scipy.sparse as sp

from expressivity.circuits.metrics import node_depths
from expressivity.circuits.schema import NONLINEAR_GATES, check_circuit
from expressivity.networks.gadgets import gadget
from expressivity.networks.layered import LayeredNet


@dataclass(frozen=True, slots=True)
class PlacedGadget:
    """Units ``start .. stop-1`` of a hidden layer compute ``kind`` of ``operands`` = node ``node``."""

    node: Hashable
    kind: str
    operands: tuple
    start: int
    stop: int


def resolve(attributes: dict, node: Hashable) -> tuple[Hashable, bool]:
    """Strip NOT gates: ``node`` is ``base`` or, if ``negated``, ``1 - base``.

    ``attributes`` maps nodes to their attribute dicts (``circuit._node``).
    """
    negated = False
    while attributes[node]["gate"] == "not":
        node = attributes[node]["operands"][0]
        negated = not negated
    return node, negated


def compile_network(circuit: nx.DiGraph) -> LayeredNet:
    """Compile ``circuit`` into an exact integer ReLU network.

    Only the gates that some output reads (directly or not) are compiled.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> net = compile_network(xor_tree(8))
    >>> net.depth, net.widths, net.parameters
    (3, (8, 4, 2), 121)
    """
    order = check_circuit(circuit)
    attributes = circuit._node  # plain dicts: these loops run once per gate of million-gate circuits
    outputs = circuit.graph["outputs"]
    depths = node_depths(circuit, order=order)
    cone = _cone(circuit, outputs)
    hidden = max((depths[output] for output in outputs), default=0)

    # The last layer at which each value (a non-NOT, non-constant node) is read.
    last_read: dict = {}

    def need(node: Hashable, layer: int) -> None:
        base, _ = resolve(attributes, node)
        if attributes[base]["gate"] != "const" and last_read.get(base, -1) < layer:
            last_read[base] = layer

    gates_at: list[list] = [[] for _ in range(hidden + 1)]
    for node in order:
        data = attributes[node]
        if data["gate"] in NONLINEAR_GATES and node in cone:
            gates_at[depths[node]].append(node)
            for operand in data["operands"]:
                need(operand, depths[node] - 1)
    for output in outputs:
        need(output, hidden)

    # forms[node] = (columns, coefficients, constant) over the current layer.
    forms: dict = {
        node: ((data["index"],), (1,), 0)
        for node, data in circuit.nodes(data=True)
        if data["gate"] == "input"
    }
    weights, biases, plan = [], [], []
    width = circuit.graph["n_inputs"]
    carried = sorted((node for node, layer in last_read.items() if depths[node] == 0 and layer > 0), key=str)
    for layer in range(1, hidden + 1):
        placed = [(node, attributes[node]["gate"], attributes[node]["operands"]) for node in gates_at[layer]]
        placed += [(node, "copy", (node,)) for node in carried]
        rows, cols, vals, bias = [], [], [], []
        new_forms, layer_plan = {}, []
        for node, kind, operands in placed:
            g = gadget(kind, len(operands))
            operand_forms = [_form(attributes, forms, operand) for operand in operands]
            start = len(bias)
            for unit_weights, unit_bias in zip(g.weights, g.biases):
                unit = len(bias)
                constant = unit_bias
                for w, (columns, coefficients, offset) in zip(unit_weights, operand_forms):
                    constant += w * offset
                    rows.extend([unit] * len(columns))
                    cols.extend(columns)
                    vals.extend(w * c for c in coefficients)
                bias.append(constant)
            units = tuple(range(start, len(bias)))
            new_forms[node] = (units, g.readout, g.offset)
            layer_plan.append(PlacedGadget(node, kind, tuple(operands), start, len(bias)))
        weights.append(_csr(rows, cols, vals, (len(bias), width)))
        biases.append(np.asarray(bias, dtype=np.int64))
        plan.append(tuple(layer_plan))
        forms, width = new_forms, len(bias)
        carried = sorted(
            (node for node in forms if last_read.get(node, -1) > layer),
            key=str,
        )
    rows, cols, vals, bias = [], [], [], []
    for position, output in enumerate(outputs):
        columns, coefficients, offset = _form(attributes, forms, output)
        rows.extend([position] * len(columns))
        cols.extend(columns)
        vals.extend(coefficients)
        bias.append(offset)
    weights.append(_csr(rows, cols, vals, (len(outputs), width)))
    biases.append(np.asarray(bias, dtype=np.int64))
    return LayeredNet(tuple(weights), tuple(biases), None, tuple(plan), circuit.graph.get("name", ""))


def _form(attributes: dict, forms: dict, node: Hashable) -> tuple:
    base, negated = resolve(attributes, node)
    data = attributes[base]
    if data["gate"] == "const":
        return (), (), data["value"] ^ negated
    columns, coefficients, offset = forms[base]
    if negated:
        return columns, tuple(-c for c in coefficients), 1 - offset
    return columns, coefficients, offset


def _cone(circuit: nx.DiGraph, outputs) -> set:
    cone = set(outputs)
    stack = list(outputs)
    predecessors = circuit._pred
    while stack:
        for operand in predecessors[stack.pop()]:
            if operand not in cone:
                cone.add(operand)
                stack.append(operand)
    return cone


def _csr(rows, cols, vals, shape) -> sp.csr_array:
    matrix = sp.coo_array(
        (np.asarray(vals, dtype=np.int64), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=shape,
    ).tocsr()
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix
