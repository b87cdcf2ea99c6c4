"""The torch module with sparse weight matrices: the dense module's outputs, torch's counts, networks too big to hold densely."""
from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
import torch
from hypothesis import given

from conftest import all_inputs, circuits, naive_table
from expressivity.circuits.arrays_build import xor_tree_arrays
from expressivity.circuits.build import xor_tree
from expressivity.compiling import sampled_check
from expressivity.networks import shallow
from expressivity.networks.compiler import compile_network
from expressivity.networks.export import SparseLinear
from expressivity.networks.layered import MAX_DENSE_PARAMETERS


def run(module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.as_tensor(x, dtype=torch.float64)).numpy()


@given(circuits(max_inputs=5))
def test_the_sparse_module_equals_the_dense_one_and_the_circuit_on_every_input(circuit):
    net = compile_network(circuit)
    x = all_inputs(circuit.graph["n_inputs"])
    sparse, dense = net.to_torch(sparse=True), net.to_torch()
    assert np.array_equal(run(sparse, x), run(dense, x))
    assert np.array_equal(run(sparse, x), naive_table(circuit).astype(np.float64))
    assert sum(p.numel() for p in sparse.parameters()) == sum(p.numel() for p in dense.parameters()) == net.parameters
    stored = sum(m.weight._nnz() for m in sparse.modules() if isinstance(m, SparseLinear))
    assert stored == sum(int((m.weight != 0).sum()) for m in dense.modules() if isinstance(m, torch.nn.Linear))


@pytest.mark.parametrize("construction", ["skip", "zigzag", "symmetric", "minterm"])
def test_shallow_constructions_with_and_without_a_direct_link(construction):
    net = shallow.build(construction, 6)
    x = all_inputs(6)
    assert np.array_equal(run(net.to_torch(sparse=True), x), run(net.to_torch(), x))


def test_one_input_and_batches_of_any_shape():
    module = compile_network(xor_tree(5)).to_torch(sparse=True)
    x = torch.as_tensor(all_inputs(5), dtype=torch.float64)
    with torch.no_grad():
        assert module(x[7]).shape == (1,) and module(x.reshape(4, 8, 5)).shape == (4, 8, 1)
        assert torch.equal(module(x.reshape(4, 8, 5)).reshape(-1), module(x).reshape(-1))


def test_the_module_pickles_and_its_weights_are_frozen():
    module = compile_network(xor_tree(6)).to_torch(sparse=True)
    buffer = io.BytesIO()
    torch.save(module, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    x = all_inputs(6)
    assert np.array_equal(run(loaded, x), run(module, x)) and type(loaded[0]) is SparseLinear
    assert not any(p.requires_grad for p in module.parameters())


def test_a_network_too_big_to_hold_densely_is_exported_sparse_and_checked_on_samples():
    n = 1 << 14
    net = compile_network(xor_tree_arrays(n))
    assert net.parameters > MAX_DENSE_PARAMETERS
    with pytest.raises(ValueError, match="sparse=True"):
        net.to_torch()
    check = sampled_check(xor_tree(n), net, 300, seed=1)  # sparse by default here
    assert check.label == "sampled" and check.samples == 300 and check.agrees
    # the reference is the circuit's evaluator; parity is an independent second one
    bits = np.random.default_rng(2).integers(0, 2, size=(20, n))
    assert np.array_equal(run(net.to_torch(sparse=True), bits).ravel(), bits.sum(axis=1) % 2)


def test_the_sampled_check_of_the_sparse_module_finds_a_wrong_network():
    circuit = xor_tree(40)
    net = compile_network(circuit)
    biases = list(net.biases)
    biases[-1] = biases[-1] + 1
    wrong = dataclasses.replace(net, biases=tuple(biases))
    check = sampled_check(circuit, wrong, 50, sparse=True)
    assert check.mismatches == 50 and check.first_mismatch is not None
    assert sampled_check(circuit, net, 50, sparse=True).agrees
