"""The compiler: gadgets, exact networks of the circuit's depth, the torch module."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given

from conftest import all_inputs, ceil_log, circuits, naive_table
from expressivity.circuits import metrics
from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.lower import lower
from expressivity.networks.compiler import compile_network
from expressivity.networks.gadgets import gadget


@pytest.mark.parametrize("kind,arities", [("and", range(1, 7)), ("or", range(1, 7)), ("xor", range(1, 7)), ("copy", [1])])
def test_gadget_truth_tables(kind, arities):
    reference = {
        "and": lambda v: int(sum(v) == len(v)),
        "or": lambda v: int(sum(v) > 0),
        "xor": lambda v: sum(v) & 1,
        "copy": lambda v: v[0],
    }[kind]
    for arity in arities:
        g = gadget(kind, arity)
        for values in itertools.product((0, 1), repeat=arity):
            units = np.maximum(0, np.array(g.weights) @ np.array(values) + np.array(g.biases))
            assert int(np.array(g.readout) @ units + g.offset) == reference(values), (kind, values)
    assert gadget("xor", 5).units == 5 and gadget("and", 5).units == 1


@pytest.mark.parametrize("arity", [2, 3, 4])
@pytest.mark.parametrize("n", range(1, 17))
def test_compiled_xor_tree_is_parity_with_log_depth(n, arity):
    net = compile_network(xor_tree(n, arity))
    x = all_inputs(n)
    assert np.array_equal(net.forward(x), (x.sum(axis=1) % 2)[:, None])
    assert net.depth == ceil_log(n, arity)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
@pytest.mark.parametrize("builder", [xor_chain, parity_dnf, lambda n: lower(xor_tree(n)).circuit])
def test_hidden_depth_equals_circuit_depth(builder, n):
    circuit = builder(n)
    net = compile_network(circuit)
    assert net.depth == metrics.depth(circuit)
    assert np.array_equal(net.forward(all_inputs(n)), naive_table(circuit))


@given(circuits())
def test_random_circuits_compile_exactly(circuit):
    net = compile_network(circuit)
    assert net.is_integral
    assert np.array_equal(net.forward(all_inputs(circuit.graph["n_inputs"])), naive_table(circuit))
    assert net.depth == metrics.depth(circuit)


@given(circuits(max_inputs=5))
def test_torch_module_equals_the_record_exactly(circuit):
    net = compile_network(circuit)
    module = net.to_torch()
    x = all_inputs(circuit.graph["n_inputs"])
    with torch.no_grad():
        out = module(torch.as_tensor(x, dtype=torch.float64)).numpy()
    assert np.array_equal(out, net.forward(x).astype(np.float64))
    assert sum(p.numel() for p in module.parameters()) == net.parameters
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    assert len(linears) == net.depth + 1
    assert all(torch.equal(l.weight, torch.round(l.weight)) for l in linears)


def test_counts_of_a_compiled_tree():
    net = compile_network(xor_tree(16))
    assert net.widths == (16, 8, 4, 2)
    assert net.neurons == 30
    module = net.to_torch()
    assert net.parameters == sum(p.numel() for p in module.parameters())
    assert net.nonzero_weights == sum(int((m.weight != 0).sum()) for m in module if isinstance(m, torch.nn.Linear))
