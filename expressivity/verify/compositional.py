"""Compositional certificate: a proof, in time linear in the circuit, that a network computes it.

The check trusts nothing it is given but the circuit:

1. every gadget kind and arity used is checked on all of its local inputs
   (:func:`expressivity.networks.gadgets.check_gadget`);
2. the network's plan (which units compute which gate) is checked against the
   circuit: gate kinds, operand lists, units covering each layer once, and
   every operand available in the previous layer;
3. every weight and bias of the network is checked, exactly, to be what the
   gadgets wired by the plan require: ``W_l = A_l V_{l-1}`` and
   ``b_l = a_l + A_l c_{l-1}``, where row ``v`` of ``(V, c)`` reads the value of
   node ``v`` off layer ``l-1`` and ``A_l`` holds the gadgets' local weights.

By induction over the layers every value row then equals its node's Boolean
value on every input in {0,1}^n (each gadget is only ever fed {0,1} values,
the only inputs on which step 1 checked it), so the outputs equal the
circuit's.  This is written independently of the compiler: it multiplies
sparse matrices where the compiler expands per-gate forms, and it resolves
NOT gates in its own pass.  It runs on the array form of the circuit
(:mod:`expressivity.circuits.arrays`; a networkx circuit is converted first,
and checked), a few numpy calls per layer and gadget type, so that a circuit
of a million gates takes seconds.
"""
from __future__ import annotations

import time

import networkx as nx
import numpy as np
import scipy.sparse as sp

from expressivity.circuits.arrays import AND, CONST, INPUT, NOT, XOR, ArrayCircuit, as_arrays, n_inputs
from expressivity.circuits.schema import CircuitError
from expressivity.errors import check_type
from expressivity.networks.compiler import COPY, KIND_NAMES, ArrayPlan, gadget_types
from expressivity.networks.gadgets import check_gadget, gadget
from expressivity.networks.layered import LayeredNet
from expressivity.verify.record import Verification


class _Rejected(Exception):
    pass


def certify(circuit, net: LayeredNet) -> Verification:
    """Prove that ``net`` computes ``circuit`` (networkx or arrays) on every input, or say why the proof fails.

    Returns ``status="verified"`` with ``method="compositional"``, or
    ``status="rejected"`` naming the first thing that does not check (a broken
    gadget, a weight that differs, a value read before it exists).  A rejected
    certificate does not show that the network is wrong; the exhaustive
    verifier can find out.

    Examples
    --------
    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> circuit = xor_tree(1000)
    >>> certify(circuit, compile_network(circuit)).status
    'verified'
    """
    check_type(circuit, "circuit", (nx.DiGraph, ArrayCircuit), "a networkx.DiGraph or an ArrayCircuit", CircuitError)
    check_type(net, "net", LayeredNet, "a LayeredNet")
    started = time.perf_counter()
    try:
        n = n_inputs(circuit)
    except (KeyError, AttributeError):
        n = 0

    def record(status: str, reason: str) -> Verification:
        return Verification(status, "compositional", n, reason=reason, seconds=time.perf_counter() - started)

    if net.plan is None:
        return record("skipped", "the network has no gadget plan (it was not compiled from a circuit)")
    try:
        arrays = as_arrays(circuit)
        reason = _certify(arrays, _layers(net.plan, arrays), net)
    except (_Rejected, CircuitError) as error:
        return record("rejected", str(error))
    return record("verified", reason)


def _layers(plan, arrays: ArrayCircuit) -> list:
    """The plan as ``(nodes, kinds, starts, stops)`` per layer, numbered as ``arrays`` (a node not in it: -1)."""
    if isinstance(plan, ArrayPlan):
        source = plan.circuit
        if source is arrays or _same(source, arrays):
            return [(layer.nodes, layer.kinds, layer.starts, layer.stops) for layer in plan.layers]
        number = {arrays.label(v): v for v in range(arrays.size)}
        return [(np.array([number.get(source.label(v), -1) for v in layer.nodes.tolist()], dtype=np.int64),
                 layer.kinds, layer.starts, layer.stops) for layer in plan.layers]
    # A plan of PlacedGadget tuples, named by labels: checked gadget by gadget (meant for small circuits).
    number = {arrays.label(v): v for v in range(arrays.size)}
    layers = []
    for index, placed_list in enumerate(plan, start=1):
        nodes, kinds = [], []
        for placed in placed_list:
            node = number.get(placed.node)
            if node is None:
                raise _Rejected(f"layer {index}: the plan names {placed.node!r}, which is not in the circuit")
            if placed.kind not in KIND_NAMES[AND:]:
                raise _Rejected(f"layer {index}: the plan's gadget {placed.node!r} has unknown kind {placed.kind!r}")
            if placed.kind == "copy":
                wanted = (placed.node,)
            else:
                wanted = tuple(arrays.label(o) for o in arrays.operands[arrays.indptr[node]:arrays.indptr[node + 1]].tolist())
            if tuple(placed.operands) != wanted:
                raise _Rejected(f"layer {index}: the plan's {placed.kind} gadget {placed.node!r} does not read the circuit's operands")
            nodes.append(node)
            kinds.append(KIND_NAMES.index(placed.kind))
        layers.append((np.array(nodes, dtype=np.int64), np.array(kinds, dtype=np.int8),
                       np.array([p.start for p in placed_list], dtype=np.int64),
                       np.array([p.stop for p in placed_list], dtype=np.int64)))
    return layers


def _same(a: ArrayCircuit, b: ArrayCircuit) -> bool:
    return a.n_inputs == b.n_inputs and all(
        np.array_equal(x, y) for x, y in ((a.kinds, b.kinds), (a.indptr, b.indptr), (a.operands, b.operands)))


def _resolve(arrays: ArrayCircuit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(base, sign, offset)`` per node: its value is ``sign * value(base) + offset``, NOTs followed in node order."""
    base = np.arange(arrays.size, dtype=np.int64)
    sign = np.ones(arrays.size, dtype=np.int64)
    offset = np.zeros(arrays.size, dtype=np.int64)
    nots = np.flatnonzero(arrays.kinds == NOT)
    if nots.size:
        base_list, sign_list, offset_list = base.tolist(), sign.tolist(), offset.tolist()
        for node, operand in zip(nots.tolist(), arrays.operands[arrays.indptr[nots]].tolist()):
            base_list[node], sign_list[node], offset_list[node] = base_list[operand], -sign_list[operand], 1 - offset_list[operand]
        base, sign, offset = (np.array(x, dtype=np.int64) for x in (base_list, sign_list, offset_list))
    constant = arrays.kinds[base] == CONST
    offset = np.where(constant, sign * arrays.values[base] + offset, offset)
    return base, np.where(constant, 0, sign), offset


def _certify(arrays: ArrayCircuit, layers: list, net: LayeredNet) -> str:
    n = int(arrays.n_inputs)
    if net.n_inputs != n:
        raise _Rejected(f"the network reads {net.n_inputs} inputs, the circuit has {n}")
    if net.skip is not None:
        raise _Rejected("the network has a skip connection, which no gadget plan describes")
    if len(layers) != net.depth:
        raise _Rejected(f"the plan has {len(layers)} layers, the network {net.depth} hidden layers")
    # Weights are compared exactly as integers: by value, whatever the dtype (2.0**54 is an integer, 0.5 is not).
    integral = net.integer_form()
    if integral is None:
        problem = net.nonfinite()
        raise _Rejected(f"{problem}, and every gadget's weights are integers" if problem else
                        "the weights and biases are not all integers below 2^62, which every gadget's are")
    net = integral
    base, sign, offset = _resolve(arrays)
    arities = arrays.arities

    # Step 2 first, so that step 1 knows every (kind, arity) used; then step 1 before any weight.
    for index, (nodes, kinds, starts, stops) in enumerate(layers, start=1):
        _check_placement(arrays, arities, index, nodes, kinds, starts, stops, net.weights[index - 1].shape[0])
    used = sorted({pair for nodes, kinds, _, _ in layers for pair in gadget_types(kinds, _arity(kinds, nodes, arities))})
    for kind, arity in used:
        bad = check_gadget(gadget(KIND_NAMES[kind], arity))
        if bad is not None:
            raise _Rejected(f"gadget {KIND_NAMES[kind]}/{arity} is wrong on local input {bad}")

    # Step 3: value rows over the inputs (row i reads x_i), then layer by layer.
    row_of = np.full(arrays.size, -1, dtype=np.int64)
    previous = np.arange(n)
    row_of[previous] = previous
    values, constants = sp.identity(n, dtype=np.int64, format="csr"), np.zeros(n, dtype=np.int64)
    placed = 0
    for index, (nodes, kinds, starts, _) in enumerate(layers, start=1):
        width = net.weights[index - 1].shape[0]
        wiring_rows, wiring_cols, wiring_vals, local_bias = [], [], [], np.zeros(width, dtype=np.int64)
        readout_vals, readout_const = np.zeros(width, dtype=np.int64), np.zeros(nodes.size, dtype=np.int64)
        layer_arity = _arity(kinds, nodes, arities)
        for kind, arity in gadget_types(kinds, layer_arity):
            members = np.flatnonzero((kinds == kind) & (layer_arity == arity))
            g = gadget(KIND_NAMES[kind], arity)
            if kind == COPY:
                operands = nodes[members][:, None]
            else:
                operands = arrays.operands[arrays.indptr[nodes[members]][:, None] + np.arange(arity)]
            row = row_of[base[operands]]
            live = sign[operands] != 0
            if np.any(row[live] < 0):
                gate, operand = np.argwhere(live & (row < 0))[0]
                raise _Rejected(f"layer {index} reads {arrays.label(int(base[operands[gate, operand]]))!r} "
                                f"(for {arrays.label(int(nodes[members[gate]]))!r}), which the previous layer does not hold")
            units = starts[members][:, None] + np.arange(g.units)
            local = np.array(g.weights, dtype=np.int64)  # (units, arity)
            local_bias[units] = offset[operands] @ local.T + np.array(g.biases, dtype=np.int64)
            coefficient = local[None, :, :] * sign[operands][:, None, :]
            wired = coefficient != 0
            wiring_rows.append(np.broadcast_to(units[:, :, None], coefficient.shape)[wired])
            wiring_cols.append(np.broadcast_to(row[:, None, :], coefficient.shape)[wired])
            wiring_vals.append(coefficient[wired])
            readout_vals[units] = np.array(g.readout, dtype=np.int64)
            readout_const[members] = g.offset
        wiring = _sparse(wiring_rows, wiring_cols, wiring_vals, (width, values.shape[0]))
        _compare(index, wiring @ values, local_bias + wiring @ constants, net.weights[index - 1], net.biases[index - 1])
        placed += nodes.size
        # value row p reads the units of gadget p (contiguous, as step 2 checked) weighted by its readout
        values = sp.csr_array((readout_vals, np.arange(width), np.append(starts, width)), shape=(nodes.size, width))
        constants = readout_const
        row_of[previous] = -1
        row_of[nodes] = np.arange(nodes.size)
        previous = nodes

    # The output layer reads each output's value row.
    outputs = arrays.outputs
    if net.n_outputs != outputs.size:
        raise _Rejected(f"the network has {net.n_outputs} outputs, the circuit {outputs.size}")
    live = sign[outputs] != 0
    row = row_of[base[outputs]]
    if np.any(row[live] < 0):
        missing = int(base[outputs][live & (row < 0)][0])
        raise _Rejected(f"layer {net.depth + 1} reads {arrays.label(missing)!r}, which the previous layer does not hold")
    wiring = _sparse([np.flatnonzero(live)], [row[live]], [sign[outputs][live]], (outputs.size, values.shape[0]))
    _compare(net.depth + 1, wiring @ values, offset[outputs] + wiring @ constants, net.weights[-1], net.biases[-1])
    return (
        f"{len(used)} gadget types (kind, arity) checked on all local inputs; {placed} placed gadgets "
        f"wired as the circuit; all {net.depth + 1} weight layers match exactly"
    )


def _check_placement(arrays: ArrayCircuit, arities, layer: int, nodes, kinds, starts, stops, width: int) -> None:
    """Step 2 for one layer: nodes of the circuit, each once, gadgets of its gates, units covering the layer once."""
    outside = np.flatnonzero((nodes < 0) | (nodes >= arrays.size))
    if outside.size:
        raise _Rejected(f"layer {layer}: the plan names node {int(nodes[outside[0]])}, which is not in the circuit")
    circuit_kinds = arrays.kinds[nodes]
    wrong = np.flatnonzero(np.where(kinds == COPY, (circuit_kinds != INPUT) & (circuit_kinds < AND),
                                    (kinds < AND) | (kinds > XOR) | (kinds != circuit_kinds)))
    if wrong.size:
        node = arrays.label(int(nodes[wrong[0]]))
        kind = int(kinds[wrong[0]])
        if kind == COPY:
            raise _Rejected(f"layer {layer}: bad copy of {node!r}")
        name = KIND_NAMES[kind] if 0 <= kind < len(KIND_NAMES) else kind
        raise _Rejected(f"layer {layer}: the plan's {name} gate {node!r} is not the circuit's gate")
    unique, counts = np.unique(nodes, return_counts=True)
    if np.any(counts > 1):
        raise _Rejected(f"layer {layer}: {arrays.label(int(unique[counts > 1][0]))!r} is computed twice")
    arity = _arity(kinds, nodes, arities)
    units = np.zeros(nodes.size, dtype=np.int64)
    for kind, k in gadget_types(kinds, arity):
        units[(kinds == kind) & (arity == k)] = gadget(KIND_NAMES[kind], k).units
    expected = np.cumsum(units) - units
    bad = np.flatnonzero((starts != expected) | (stops - starts != units))
    if bad.size:
        i = int(bad[0])
        raise _Rejected(f"layer {layer}: gate {arrays.label(int(nodes[i]))!r} has units {int(starts[i])}..{int(stops[i]) - 1}, "
                        f"the gadgets need {int(expected[i])}..{int(expected[i] + units[i]) - 1}")
    if int(units.sum()) != width:
        raise _Rejected(f"layer {layer}: the plan covers {int(units.sum())} units, the network has {width}")


def _arity(kinds: np.ndarray, nodes: np.ndarray, arities: np.ndarray) -> np.ndarray:
    """Each gadget's operand count: the gate's for gates, 1 for copies."""
    return np.where(kinds == COPY, 1, arities[nodes])


def _sparse(rows, cols, vals, shape) -> sp.csr_array:
    join = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)  # noqa: E731
    return sp.csr_array((join(vals).astype(np.int64), (join(rows), join(cols))), shape=shape, dtype=np.int64)


def _compare(layer: int, expected_weight, expected_bias, weight, bias) -> None:
    if weight.shape != expected_weight.shape:
        raise _Rejected(f"layer {layer}: weight shape {weight.shape}, the plan needs {expected_weight.shape}")
    difference = sp.csr_array(weight, dtype=np.int64) - sp.csr_array(expected_weight, dtype=np.int64)
    difference.eliminate_zeros()
    if difference.nnz:
        coo = difference.tocoo()
        unit, column = int(coo.row[0]), int(coo.col[0])
        raise _Rejected(f"layer {layer}: weight [{unit}, {column}] differs from what the gadgets require")
    wrong = np.flatnonzero(np.asarray(bias, dtype=np.int64) != np.asarray(expected_bias, dtype=np.int64))
    if wrong.size:
        raise _Rejected(f"layer {layer}: bias of unit {int(wrong[0])} differs from what the gadgets require")
