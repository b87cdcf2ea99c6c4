"""The array form of circuits: built directly, converted from networkx, compiled and certified on arrays."""
from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import given

from conftest import all_inputs, circuits, naive_table
from expressivity.circuits import metrics
from expressivity.circuits.arrays import ArrayCircuit, compute_depths, from_networkx, resolve_not, summary
from expressivity.circuits.arrays_build import parity_dnf_arrays, xor_chain_arrays, xor_tree_arrays
from expressivity.circuits.build import parity_dnf, random_circuit, xor_chain, xor_tree
from expressivity.circuits.schema import CircuitError, add_gate, input_node, new_circuit, set_outputs
from expressivity.cli import main
from expressivity.compiling import compile_circuit, network_neurons, parity_arrays, parity_circuit
from expressivity.networks.compiler import compile_network
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import verify_exhaustive


def same_graph(a, b) -> bool:
    """Equal as circuits: graph attributes, every node with its attributes, every edge."""
    return (a.graph == b.graph and dict(a.nodes(data=True)) == dict(b.nodes(data=True))
            and set(a.edges) == set(b.edges))


# -- building and converting ------------------------------------------------------------------

@pytest.mark.parametrize("arity", [2, 3, 4])
def test_xor_tree_arrays_are_the_networkx_builders_graph(arity):
    for n in range(1, 40):
        arrays = xor_tree_arrays(n, arity).check()
        assert same_graph(arrays.to_networkx(), xor_tree(n, arity)), (n, arity)
        depths = metrics.node_depths(xor_tree(n, arity))
        assert [depths[arrays.label(v)] for v in range(arrays.size)] == arrays.depths.tolist()


@pytest.mark.parametrize("n", [1, 2, 3, 6, 9])
def test_chain_and_dnf_arrays_are_the_networkx_builders_graphs(n):
    assert same_graph(xor_chain_arrays(n).check().to_networkx(), xor_chain(n))
    if n <= 6:
        assert same_graph(parity_dnf_arrays(n).check().to_networkx(), parity_dnf(n))


def test_the_builders_refuse_what_the_networkx_builders_refuse():
    for build in (xor_tree_arrays, xor_chain_arrays, parity_dnf_arrays):
        with pytest.raises(CircuitError, match="positive integer"):
            build(0)
    with pytest.raises(CircuitError, match="arity"):
        xor_tree_arrays(4, 1)
    with pytest.raises(MemoryError, match="terms"):
        parity_dnf_arrays(19)
    with pytest.raises(MemoryError, match="bits is more than"):
        parity_arrays("xor-tree", (1 << 22) + 1)


@given(circuits())
def test_conversion_round_trip_keeps_every_node_and_the_function(circuit):
    arrays = from_networkx(circuit)
    assert same_graph(arrays.to_networkx(), circuit)
    assert summary(arrays) == metrics.summary(circuit)
    depths = metrics.node_depths(circuit)
    assert arrays.depths.tolist() == [depths[arrays.label(v)] for v in range(arrays.size)]
    assert compute_depths(arrays.kinds, arrays.indptr, arrays.operands).tolist() == arrays.depths.tolist()


@given(circuits())
def test_not_resolution_against_a_walk_up_the_graph(circuit):
    arrays = from_networkx(circuit)
    base, negated = resolve_not(arrays)
    for v in range(arrays.size):
        node, flips = arrays.label(v), 0
        while circuit.nodes[node]["gate"] == "not":
            node, flips = circuit.nodes[node]["operands"][0], flips + 1
        assert (arrays.label(int(base[v])), int(negated[v])) == (node, flips % 2)


def test_parity_arrays_match_parity_circuit_in_every_kind_and_basis():
    for kind in ("xor-tree", "xor-chain", "dnf"):
        for basis in ("xor", "and-or-not"):
            arrays, circuit = parity_arrays(kind, 5, 2, basis), parity_circuit(kind, 5, 2, basis)
            assert summary(arrays) == metrics.summary(circuit), (kind, basis)
            assert np.array_equal(compile_network(arrays).forward(all_inputs(5)), naive_table(circuit)), (kind, basis)


def broken(arrays: ArrayCircuit, **changes) -> ArrayCircuit:
    return dataclasses.replace(arrays, **changes)


def test_check_refuses_arrays_that_are_no_circuit():
    good = xor_tree_arrays(4)  # inputs 0-3, gates 4, 5 (level 1) and 6 (level 2)
    cases = {
        "does not precede": broken(good, operands=np.array([0, 1, 2, 3, 4, 6])),
        "has depth": broken(good, depths=np.array([0, 0, 0, 0, 1, 1, 1])),
        "inputs must be nodes": broken(good, kinds=np.array([0, 0, 0, 5, 5, 5, 5], dtype=np.int8)),
        "bad operand count": broken(good, kinds=np.array([0, 0, 0, 0, 2, 5, 5], dtype=np.int8)),
        "constants have value": broken(good, values=np.array([0, 0, 0, 0, 1, 0, 0], dtype=np.int8)),
        "one or more outputs": broken(good, outputs=np.array([], dtype=np.int64)),
        "indptr must rise": broken(good, indptr=np.array([0, 0, 0, 0, 0, 2, 4, 7])),
        "gate codes": broken(good, kinds=np.array([0, 0, 0, 0, 5, 5, 9], dtype=np.int8)),
    }
    for message, arrays in cases.items():
        with pytest.raises(CircuitError, match=message):
            arrays.check()
        assert certify(arrays, compile_network(good)).status == "rejected", message


# -- compiling on arrays -----------------------------------------------------------------------

@given(circuits())
def test_networks_compiled_from_arrays_equal_the_circuit_on_every_input(circuit):
    arrays = from_networkx(circuit)
    net = compile_network(arrays)
    assert np.array_equal(net.forward(all_inputs(circuit.graph["n_inputs"])), naive_table(circuit))
    assert net.depth == metrics.depth(circuit) and network_neurons(arrays) == net.neurons
    assert certify(circuit, net).verified and certify(arrays, net).verified


def test_gates_no_output_reads_are_not_compiled():
    circuit = new_circuit(3)
    unused = add_gate(circuit, "unused", "and", (input_node(0), input_node(1)))
    add_gate(circuit, "dead end", "xor", (unused, input_node(2)))
    set_outputs(circuit, add_gate(circuit, "out", "or", (input_node(0), input_node(2))))
    net = compile_network(circuit)
    assert net.widths == (1,) and net.nonzero_weights == 3
    assert np.array_equal(net.forward(all_inputs(3)), naive_table(circuit))


def test_compile_circuit_takes_arrays_and_networkx_alike():
    by_arrays, by_graph = compile_circuit(xor_tree_arrays(300, 3)), compile_circuit(xor_tree(300, 3))
    assert by_arrays.summary()["network"] == by_graph.summary()["network"]
    assert by_arrays.circuit_summary == by_graph.circuit_summary == metrics.summary(xor_tree(300, 3))
    assert by_arrays.verification.verified and by_arrays.verification.method == "compositional"
    small = compile_circuit(parity_dnf_arrays(4))
    assert small.verification.verified and small.verification.inputs_checked == 16


# -- the certificate on arrays -----------------------------------------------------------------

def with_weight(net, layer: int, row: int, col: int, delta: int):
    weights = list(net.weights)
    changed = sp.lil_array(weights[layer])
    changed[row, col] += delta
    weights[layer] = sp.csr_array(changed)
    return dataclasses.replace(net, weights=tuple(weights))


def test_a_corrupted_weight_is_rejected_on_the_array_path():
    arrays = xor_tree_arrays(1 << 12)
    net = compile_network(arrays)
    assert certify(arrays, net).verified
    rng = np.random.default_rng(0)
    for layer in range(net.depth + 1):
        rows, cols = net.weights[layer].shape
        # a nonzero weight changed, a zero weight made nonzero
        coo = net.weights[layer].tocoo()
        pick = int(rng.integers(coo.nnz))
        for row, col in ((int(coo.row[pick]), int(coo.col[pick])), (int(rng.integers(rows)), int(rng.integers(cols)))):
            result = certify(arrays, with_weight(net, layer, row, col, 1))
            assert result.status == "rejected" and f"layer {layer + 1}:" in result.reason, (layer, row, col)
        biases = list(net.biases)
        biases[layer] = biases[layer].copy()
        biases[layer][0] -= 1
        assert "bias" in certify(arrays, dataclasses.replace(net, biases=tuple(biases))).reason


def test_every_single_weight_change_of_a_small_network_is_rejected_on_the_array_path():
    arrays = from_networkx(random_circuit(4, 10, seed=5))
    net = compile_network(arrays)
    assert certify(arrays, net).verified
    for layer, weight in enumerate(net.weights):
        for row in range(weight.shape[0]):
            for col in range(weight.shape[1]):
                for delta in (1, -1):
                    mutant = with_weight(net, layer, row, col, delta)
                    assert certify(arrays, mutant).status == "rejected", (layer, row, col, delta)
    # the exhaustive check agrees that the network as compiled is the circuit
    assert verify_exhaustive(net, arrays.to_networkx()).verified


def test_plans_that_lie_are_rejected_on_the_array_path():
    arrays = xor_tree_arrays(8)
    net = compile_network(arrays)
    layer = net.plan.layers[0]

    def lie(**changes):
        layers = (dataclasses.replace(layer, **changes),) + net.plan.layers[1:]
        return certify(arrays, dataclasses.replace(net, plan=dataclasses.replace(net.plan, layers=layers))).reason

    assert "is not the circuit's gate" in lie(kinds=np.full(4, 3, dtype=np.int8))  # AND instead of XOR
    assert "computed twice" in lie(nodes=np.array([8, 8, 9, 10]))
    assert "is not the circuit's gate" in lie(nodes=np.array([0, 9, 10, 11]))
    assert "has units" in lie(starts=np.array([0, 1, 4, 6]))
    assert "not in the circuit" in lie(nodes=np.array([8, 9, 10, 99]))
    copies = dataclasses.replace(layer, kinds=np.full(4, 6, dtype=np.int8), width=4)
    assert certify(arrays, dataclasses.replace(net, plan=dataclasses.replace(net.plan, layers=(copies,) + net.plan.layers[1:]))).status == "rejected"


def test_a_network_compiled_from_arrays_is_certified_against_the_networkx_circuit():
    for n, arity in ((37, 2), (50, 3)):
        net = compile_network(xor_tree_arrays(n, arity))
        assert certify(xor_tree(n, arity), net).verified
        assert not certify(xor_tree(n + 1, arity), compile_network(xor_tree_arrays(n, arity))).verified


# -- the command ---------------------------------------------------------------------------------

def test_a_network_too_large_is_refused_in_one_line_within_seconds():
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["compile", "--bits", "1048576", "--circuit", "xor-chain"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "hidden units" in result.output
    assert time.perf_counter() - started < 20


def test_the_command_prints_what_the_networkx_path_computes():
    payload = json.loads(CliRunner().invoke(main, ["compile", "--bits", "3000", "--arity", "3", "--json"]).output)
    reference = compile_circuit(xor_tree(3000, 3)).summary()
    for key in ("circuit", "circuit_depth", "circuit_size", "circuit_gates", "network"):
        assert payload[key] == reference[key], key
    assert payload["verification"]["status"] == "verified" and payload["verification"]["reason"] == reference["verification"]["reason"]
