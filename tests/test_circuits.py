"""Circuits: builders, metrics, lowering, sympy round trips, and the bit-parallel evaluator."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import given, strategies as st

from conftest import all_inputs, ceil_log, circuits, naive_table
from expressivity.circuits import metrics
from expressivity.circuits.build import from_sympy, parity_dnf, random_circuit, to_sympy, xor_chain, xor_tree
from expressivity.circuits.evaluate import evaluate, pack_bits, truth_table, unpack_bits
from expressivity.circuits.lower import lower
from expressivity.circuits.schema import CircuitError, add_gate, check_circuit, new_circuit, set_outputs


def parity_column(n: int) -> np.ndarray:
    return (all_inputs(n).sum(axis=1) % 2)[:, None]


@pytest.mark.parametrize("arity", [2, 3, 4])
@pytest.mark.parametrize("n", range(1, 17))
def test_xor_tree_is_parity_with_log_depth(n, arity):
    circuit = xor_tree(n, arity)
    check_circuit(circuit)
    assert np.array_equal(truth_table(circuit), parity_column(n))
    assert metrics.depth(circuit) == ceil_log(n, arity)
    if arity == 2:
        assert metrics.size(circuit) == n - 1
    assert metrics.fan_in(circuit) <= arity


@pytest.mark.parametrize("n", range(1, 11))
def test_xor_chain_is_parity_with_linear_depth(n):
    circuit = xor_chain(n)
    assert np.array_equal(truth_table(circuit), parity_column(n))
    assert metrics.depth(circuit) == n - 1
    assert metrics.size(circuit) == n - 1


@pytest.mark.parametrize("n", range(1, 9))
def test_parity_dnf_has_one_term_per_odd_pattern(n):
    circuit = parity_dnf(n)
    assert np.array_equal(truth_table(circuit), parity_column(n))
    counts = metrics.gate_counts(circuit)
    assert counts["and"] == 2 ** (n - 1)
    assert counts["or"] == 1
    # every term has n literals, and no two terms are the same
    terms = [frozenset(circuit.nodes[node]["operands"]) for node in circuit if circuit.nodes[node]["gate"] == "and"]
    assert all(len(term) == n for term in terms) and len(set(terms)) == len(terms)
    assert metrics.depth(circuit) == 2


def test_parity_dnf_refuses_beyond_its_limit():
    with pytest.raises(MemoryError, match="terms"):
        parity_dnf(40)


def test_bad_bits_and_arity_are_refused():
    with pytest.raises(CircuitError):
        xor_tree(0)
    with pytest.raises(CircuitError):
        xor_tree(4, arity=1)


def test_supports_of_a_balanced_tree_double_per_level():
    circuit = xor_tree(16)
    supports = metrics.supports(circuit)
    depths = metrics.node_depths(circuit)
    for node, support in supports.items():
        assert len(support) == 2 ** depths[node]


@given(circuits())
def test_bit_parallel_evaluator_matches_naive_evaluation(circuit):
    assert np.array_equal(truth_table(circuit), naive_table(circuit))


@given(st.integers(1, 7), st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_evaluate_on_arbitrary_rows_and_packing_round_trip(n, m, seed):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(m, n))
    assert np.array_equal(unpack_bits(pack_bits(bits), m), bits)
    circuit = random_circuit(n, 12, seed=seed)
    table = naive_table(circuit)
    index = (bits << np.arange(n)).sum(axis=1)
    assert np.array_equal(evaluate(circuit, bits), table[index])


@given(circuits(max_inputs=5))
def test_sympy_round_trip_keeps_the_function(circuit):
    circuit = set_outputs(circuit, circuit.graph["outputs"][0])
    symbols = sympy.symbols(f"x0:{circuit.graph['n_inputs']}")
    expression = to_sympy(circuit, symbols)
    back = from_sympy(expression, symbols)
    assert np.array_equal(truth_table(back), naive_table(circuit))
    # sympy itself agrees on every input
    for row, expected in zip(all_inputs(len(symbols)), naive_table(circuit)[:, 0]):
        assert bool(expression.subs(dict(zip(symbols, map(bool, row))))) == bool(expected)


@given(circuits())
def test_lowering_to_and_or_not_keeps_the_function(circuit):
    lowered = lower(circuit, "and-or-not")
    assert {data["gate"] for _, data in lowered.circuit.nodes(data=True)} <= {"input", "const", "not", "and", "or"}
    assert np.array_equal(truth_table(lowered.circuit), naive_table(circuit))
    assert lowered.depth == metrics.depth(lowered.circuit)
    assert lowered.original_depth == metrics.depth(circuit)


@pytest.mark.parametrize("n", [2, 4, 8, 16, 13])
def test_lowering_an_xor_tree_doubles_its_depth(n):
    lowered = lower(xor_tree(n), "and-or-not")
    assert lowered.depth == 2 * ceil_log(n, 2)
    assert lowered.size == 5 * (n - 1)  # two NOTs, two ANDs and an OR per XOR


def test_schema_errors_are_caught():
    circuit = new_circuit(2)
    with pytest.raises(CircuitError):
        check_circuit(circuit)  # no outputs
    gate = add_gate(circuit, "g", "and", [("x", 0), ("x", 1)])
    set_outputs(circuit, gate)
    check_circuit(circuit)
    circuit.add_edge("g", ("x", 0))
    with pytest.raises(CircuitError):
        check_circuit(circuit)
    with pytest.raises(CircuitError):
        add_gate(new_circuit(1), "n", "not", [("x", 0), ("x", 0)])
    assert isinstance(circuit, nx.DiGraph)
