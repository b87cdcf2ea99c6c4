"""Depth rebalancing: chains become trees of the least depth, the function never changes (checked by an
independent evaluator), depth never grows, and the networks of rebalanced netlists are verified against the
netlists as read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from conftest import ceil_log, circuits, naive_table
from expressivity.circuits import read_netlist
from expressivity.circuits.balance import balance, recognise_xor
from expressivity.circuits.equivalence import prove_same_function
from expressivity.circuits.build import random_circuit, xor_chain
from expressivity.circuits.evaluate import evaluate
from expressivity.circuits.lower import lower
from expressivity.circuits.metrics import depth
from expressivity.circuits.schema import add_gate, input_node, new_circuit, set_outputs
from expressivity.compiling import compile_circuit, verify_rewritten
from expressivity.networks.compiler import compile_network

ISCAS = Path(__file__).resolve().parent / "data" / "iscas85"  # copies of ../shared/data/iscas85: CI clones lack it


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64])
def test_an_xor_chain_becomes_a_tree_of_depth_ceil_log2_n(n):
    chain = xor_chain(n)
    balanced = balance(chain)
    assert balanced.depth_before == n - 1
    assert balanced.depth_after == depth(balanced.circuit) == ceil_log(n, 2)
    if n <= 12:
        assert np.array_equal(naive_table(balanced.circuit), naive_table(chain))
    assert prove_same_function(chain, balanced.circuit)[0]


@pytest.mark.parametrize("n", [2, 5, 8, 11])
def test_an_xor_chain_written_in_and_or_not_is_recognised_and_balanced(n):
    lowered = lower(xor_chain(n)).circuit  # every XOR as (a & ~b) | (~a & b): depth 2(n - 1)
    plain, aware = balance(lowered, "plain"), balance(lowered, "xor-aware")
    assert plain.depth_after == 2 * (n - 1)  # no chain of one associative gate to regroup
    assert aware.depth_after == ceil_log(n, 2) and len(aware.claims) == n - 1
    assert np.array_equal(naive_table(aware.circuit), naive_table(lowered))


def test_xnor_from_four_nands_is_recognised():
    # the textbook XOR of four NAND gates, then negated: XNOR(a, b), inside an AND chain with c
    circuit = new_circuit(3)
    a, b, c = (input_node(i) for i in range(3))
    nand = lambda name, p, q: add_gate(circuit, name, "not", [add_gate(circuit, name + "&", "and", [p, q])])  # noqa: E731
    m = nand("m", a, b)
    xor = nand("xor", nand("l", a, m), nand("r", b, m))
    y = add_gate(circuit, "y", "and", [add_gate(circuit, "xnor", "not", [xor]), c])
    set_outputs(circuit, y)
    claims = recognise_xor(circuit)
    assert ("xor&", a, b, True) in [(node, *claim) for node, claim in claims.items()]
    aware = balance(circuit, "xor-aware")
    assert np.array_equal(naive_table(aware.circuit), naive_table(circuit))
    assert aware.depth_after == 2 < aware.depth_before == 4
    assert prove_same_function(circuit, aware.circuit, aware.claims)[0]


def test_and_chains_keep_their_fan_in_and_leaf_depths():
    # ((((a & b) & c) & d) & e) & (deep value f): f is at depth 3, so the best tree has depth 4
    circuit = new_circuit(7)
    x = [input_node(i) for i in range(7)]
    deep = add_gate(circuit, "f", "or", [add_gate(circuit, "f2", "xor", [add_gate(circuit, "f1", "and", x[5:7]), x[0]]), x[1]])
    value = x[0]
    for i in range(1, 5):
        value = add_gate(circuit, ("and", i), "and", [value, x[i]])
    set_outputs(circuit, add_gate(circuit, "y", "and", [value, deep]))
    balanced = balance(circuit)
    assert (balanced.depth_before, balanced.depth_after) == (5, 4)
    assert np.array_equal(naive_table(balanced.circuit), naive_table(circuit))


@settings(max_examples=40)
@given(circuits(max_inputs=6, max_gates=24))
def test_random_circuits_keep_their_function_and_never_get_deeper(circuit):
    for mode in ("plain", "xor-aware"):
        balanced = balance(circuit, mode)
        assert np.array_equal(naive_table(balanced.circuit), naive_table(circuit))
        assert balanced.depth_after <= balanced.depth_before == depth(circuit)
        assert prove_same_function(circuit, balanced.circuit, balanced.claims)[0]


@pytest.mark.parametrize("seed", range(6))
def test_larger_random_circuits_keep_their_function_on_sampled_inputs(seed):
    circuit = random_circuit(30, 300, seed=seed, max_fan_in=3)
    bits = np.random.default_rng(seed).integers(0, 2, (500, 30))
    for mode in ("plain", "xor-aware"):
        balanced = balance(circuit, mode)
        assert np.array_equal(evaluate(balanced.circuit, bits), evaluate(circuit, bits))
        assert balanced.depth_after <= balanced.depth_before


def test_the_proof_rejects_a_rewrite_that_changes_the_function():
    chain = xor_chain(6)
    wrong = xor_chain(6)
    node = wrong.graph["outputs"][0]
    wrong.nodes[node]["gate"] = "or"  # the last XOR of the chain becomes an OR
    same, why = prove_same_function(chain, wrong)
    assert not same and "output 0" in why
    # a false claim of an XOR is caught on its local inputs, whatever the rewritten circuit
    circuit = new_circuit(2)
    y = set_outputs(circuit, add_gate(circuit, "y", "and", [input_node(0), input_node(1)])).graph["outputs"][0]
    same, why = prove_same_function(circuit, circuit, {y: (input_node(0), input_node(1), False)})
    assert not same and "local inputs" in why


def test_the_rebalanced_network_is_certified_against_the_original_beyond_exhaustive_reach():
    chain = xor_chain(40)
    balanced = balance(chain)
    result = compile_circuit(balanced.circuit, "none")
    record = verify_rewritten(balanced.circuit, result.network, chain, balanced.claims)
    assert (record.status, record.method) == ("verified", "compositional")
    assert "equals the original" in record.reason
    # the same network claimed for a different original is not verified
    other = xor_chain(40)
    other.nodes[other.graph["outputs"][0]]["gate"] = "and"
    assert verify_rewritten(balanced.circuit, result.network, other, {}).status == "rejected"


def test_within_exhaustive_reach_the_network_is_run_against_the_original():
    lowered = lower(xor_chain(9)).circuit
    balanced = balance(lowered, "xor-aware")
    network = compile_network(balanced.circuit)
    record = verify_rewritten(balanced.circuit, network, lowered, balanced.claims)
    assert (record.status, record.method, record.inputs_checked) == ("verified", "exhaustive", 512)
    assert network.depth == 4 < compile_network(lowered).depth == 16


@pytest.mark.parametrize("name", ["c499", "c880"])
def test_rebalanced_iscas_networks_are_certified_against_the_netlist(name):
    circuit = read_netlist(ISCAS / f"{name}.bench")
    bits = np.random.default_rng(7).integers(0, 2, (400, circuit.graph["n_inputs"]))
    for mode in ("plain", "xor-aware"):
        balanced = balance(circuit, mode)
        network = compile_network(balanced.circuit)
        assert verify_rewritten(balanced.circuit, network, circuit, balanced.claims).status == "verified"
        assert np.array_equal(network.forward(bits), evaluate(circuit, bits))
        assert balanced.depth_after <= balanced.depth_before


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="balance mode"):
        balance(xor_chain(3), "greedy")
