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
circuit's.  This is written independently of the compiler: it works with
sparse matrices where the compiler works with per-gate forms.
"""
from __future__ import annotations

import time

import networkx as nx
import numpy as np
import scipy.sparse as sp

from expressivity.circuits.schema import CircuitError, NONLINEAR_GATES, check_circuit
from expressivity.networks.gadgets import check_gadget, gadget
from expressivity.networks.layered import LayeredNet
from expressivity.verify.record import Verification


class _Rejected(Exception):
    pass


def certify(circuit: nx.DiGraph, net: LayeredNet) -> Verification:
    """Prove that ``net`` computes ``circuit`` on every input, or say why the proof fails.

    Returns ``status="verified"`` with ``method="compositional"``, or
    ``status="rejected"`` naming the first thing that does not check (a broken
    gadget, a weight that differs, a value read before it exists).  A rejected
    certificate does not show that the network is wrong; the exhaustive
    verifier can find out.

    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> circuit = xor_tree(1000)
    >>> certify(circuit, compile_network(circuit)).status
    'verified'
    """
    started = time.perf_counter()
    n = circuit.graph.get("n_inputs", 0)

    def record(status: str, reason: str) -> Verification:
        return Verification(status, "compositional", n, reason=reason, seconds=time.perf_counter() - started)

    if net.plan is None:
        return record("skipped", "the network has no gadget plan (it was not compiled from a circuit)")
    try:
        check_circuit(circuit)
        reason = _certify(circuit, net)
    except (_Rejected, CircuitError) as error:
        return record("rejected", str(error))
    return record("verified", reason)


def _certify(circuit: nx.DiGraph, net: LayeredNet) -> str:
    n = circuit.graph["n_inputs"]
    if net.n_inputs != n:
        raise _Rejected(f"the network reads {net.n_inputs} inputs, the circuit has {n}")
    if net.skip is not None:
        raise _Rejected("the network has a skip connection, which no gadget plan describes")
    if len(net.plan) != net.depth:
        raise _Rejected(f"the plan has {len(net.plan)} layers, the network {net.depth} hidden layers")
    # Weights are compared exactly as integers: by value, whatever the dtype (2.0**54 is an integer, 0.5 is not).
    integral = net.integer_form()
    if integral is None:
        raise _Rejected("the weights and biases are not all integers below 2^62, which every gadget's are")
    net = integral

    # Step 1: every gadget used, on all of its local inputs.
    used = {(placed.kind, len(placed.operands)) for layer in net.plan for placed in layer}
    for kind, arity in sorted(used):
        bad = check_gadget(gadget(kind, arity))
        if bad is not None:
            raise _Rejected(f"gadget {kind}/{arity} is wrong on local input {bad}")

    # Value rows over the inputs: row i reads x_i.
    inputs = {data["index"]: node for node, data in circuit.nodes(data=True) if data["gate"] == "input"}
    index = {inputs[i]: i for i in range(n)}
    values = sp.identity(n, dtype=np.int64, format="csr")
    constants = np.zeros(n, dtype=np.int64)
    gadgets_checked = 0
    for layer, (placed_list, weight, bias) in enumerate(zip(net.plan, net.weights, net.biases), start=1):
        rows, cols, coefs, local_bias, next_index = [], [], [], [], {}
        readout_rows, readout_cols, readout_vals, readout_const = [], [], [], []
        for placed in placed_list:
            _check_placement(circuit, placed, layer, len(local_bias), next_index)
            g = gadget(placed.kind, len(placed.operands))
            if placed.stop - placed.start != g.units:
                raise _Rejected(f"layer {layer}: gate {placed.node!r} needs {g.units} units, the plan gives it {placed.stop - placed.start}")
            resolved = [_resolve(circuit, operand, index, layer) for operand in placed.operands]
            for unit_weights, unit_bias in zip(g.weights, g.biases):
                unit = len(local_bias)
                constant = unit_bias
                for w, (row, sign, offset) in zip(unit_weights, resolved):
                    constant += w * offset
                    if row is not None:
                        rows.append(unit)
                        cols.append(row)
                        coefs.append(w * sign)
                local_bias.append(constant)
            next_index[placed.node] = len(readout_const)
            readout_rows.extend([len(readout_const)] * g.units)
            readout_cols.extend(range(placed.start, placed.stop))
            readout_vals.extend(g.readout)
            readout_const.append(g.offset)
            gadgets_checked += 1
        if len(local_bias) != weight.shape[0]:
            raise _Rejected(f"layer {layer}: the plan covers {len(local_bias)} units, the network has {weight.shape[0]}")
        wiring = sp.csr_array((coefs, (rows, cols)), shape=(len(local_bias), values.shape[0]), dtype=np.int64)
        _compare(layer, wiring @ values, np.asarray(local_bias, dtype=np.int64) + wiring @ constants, weight, bias)
        values = sp.csr_array((readout_vals, (readout_rows, readout_cols)), shape=(len(readout_const), weight.shape[0]), dtype=np.int64)
        constants = np.asarray(readout_const, dtype=np.int64)
        index = next_index

    # The output layer reads each output's value row.
    rows, cols, coefs, out_bias = [], [], [], []
    for position, output in enumerate(circuit.graph["outputs"]):
        row, sign, offset = _resolve(circuit, output, index, net.depth + 1)
        out_bias.append(offset)
        if row is not None:
            rows.append(position)
            cols.append(row)
            coefs.append(sign)
    if net.n_outputs != len(out_bias):
        raise _Rejected(f"the network has {net.n_outputs} outputs, the circuit {len(out_bias)}")
    wiring = sp.csr_array((coefs, (rows, cols)), shape=(len(out_bias), values.shape[0]), dtype=np.int64)
    _compare(net.depth + 1, wiring @ values, np.asarray(out_bias, dtype=np.int64) + wiring @ constants, net.weights[-1], net.biases[-1])
    return (
        f"{len(used)} gadget types (kind, arity) checked on all local inputs; {gadgets_checked} placed gadgets "
        f"wired as the circuit; all {net.depth + 1} weight layers match exactly"
    )


def _check_placement(circuit: nx.DiGraph, placed, layer: int, first_unit: int, seen: dict) -> None:
    if placed.node not in circuit:
        raise _Rejected(f"layer {layer}: the plan names {placed.node!r}, which is not in the circuit")
    if placed.start != first_unit:
        raise _Rejected(f"layer {layer}: gate {placed.node!r} starts at unit {placed.start}, expected {first_unit}")
    if placed.node in seen:
        raise _Rejected(f"layer {layer}: {placed.node!r} is computed twice")
    data = circuit._node[placed.node]
    if placed.kind == "copy":
        if placed.operands != (placed.node,) or data["gate"] in ("not", "const"):
            raise _Rejected(f"layer {layer}: bad copy of {placed.node!r}")
    elif placed.kind not in NONLINEAR_GATES or data["gate"] != placed.kind or tuple(data["operands"]) != tuple(placed.operands):
        raise _Rejected(f"layer {layer}: the plan's {placed.kind} gate {placed.node!r} is not the circuit's gate")


def _resolve(circuit: nx.DiGraph, node, index: dict, layer: int):
    """``(row, sign, offset)``: the node's value is ``sign * value_row + offset`` (row None: constant)."""
    sign, offset = 1, 0
    attributes = circuit._node  # a plain dict: this runs once per operand of million-gate circuits
    while attributes[node]["gate"] == "not":
        sign, offset = -sign, 1 - offset
        node = attributes[node]["operands"][0]
    if attributes[node]["gate"] == "const":
        return None, 0, sign * attributes[node]["value"] + offset
    if node not in index:
        raise _Rejected(f"layer {layer} reads {node!r}, which the previous layer does not hold")
    return index[node], sign, offset


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
