"""Closed forms against the built objects: every formula, every construction, n = 1..20."""
from __future__ import annotations

import json
from functools import lru_cache

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.metrics import depth, size
from expressivity.cli import main
from expressivity.counts.symbolic import CONSTRUCTIONS, ceil_log, formulas, k, n, ratios
from expressivity.networks import shallow
from expressivity.networks.compiler import compile_network

#: The DNF circuit is a networkx graph of 2^(n-1) gates; beyond this its build dominates the test time.
DNF_BITS = 12
#: minterm(n) for n up to here; n = 20 is checked in test_shallow.
MINTERM_BITS = 17


@lru_cache(maxsize=None)
def built(construction: str, bits: int, arity: int = 2):
    """The built network and, where there is one, its circuit."""
    if construction == "xor_tree":
        circuit = xor_tree(bits, arity)
    elif construction == "xor_chain":
        circuit = xor_chain(bits)
    elif construction == "dnf" or (construction == "minterm" and bits <= DNF_BITS):
        circuit = parity_dnf(bits)  # minterm's gates are its matching DNF's
    else:
        circuit = None
    if construction in ("xor_tree", "xor_chain", "dnf"):
        net = compile_network(circuit)
    else:
        net = shallow.build(construction, bits)
    return net, circuit


def observed(construction: str, bits: int, arity: int = 2) -> dict:
    net, circuit = built(construction, bits, arity)
    return {
        "hidden_layers": net.depth,
        "widths": list(net.widths),
        "neurons": net.neurons,
        "parameters": net.parameters,
        "nonzero_weights": net.nonzero_weights,
        "gates": None if circuit is None else size(circuit),
    }


def _without_gates(values: dict) -> dict:
    return {key: value for key, value in values.items() if key != "gates"}


def _bits(construction: str):
    f = formulas(construction)
    top = {"dnf": DNF_BITS, "minterm": MINTERM_BITS}.get(construction, 20)
    return range(f.min_bits, top + 1)


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_formulas_equal_the_built_object(construction):
    f = formulas(construction)
    for bits in _bits(construction):
        expected, got = f.evaluate(bits), observed(construction, bits)
        if construction == "minterm" and bits > DNF_BITS:
            expected, got = _without_gates(expected), _without_gates(got)
        assert expected == got, (construction, bits)


@pytest.mark.parametrize("arity", [3, 4])
def test_tree_formulas_for_other_arities(arity):
    f = formulas("xor_tree", arity)
    for bits in range(1, 21):
        assert f.evaluate(bits, arity) == observed("xor_tree", bits, arity), (arity, bits)


def test_hidden_layers_equal_circuit_depth():
    for bits in range(1, 21):
        assert formulas("xor_tree").evaluate(bits)["hidden_layers"] == depth(xor_tree(bits))
        if bits >= 2:
            assert formulas("xor_chain").evaluate(bits)["hidden_layers"] == depth(xor_chain(bits))


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 70), st.integers(2, 7))
def test_symbolic_arity_formulas_equal_built_tree(bits, arity):
    general = formulas("xor_tree", k)  # k stays a symbol until evaluation
    assert general.evaluate(bits, arity) == observed("xor_tree", bits, arity)


@settings(max_examples=15, deadline=None)
@given(st.integers(21, 60), st.sampled_from(["xor_chain", "symmetric", "skip"]))
def test_polynomial_constructions_beyond_twenty_bits(bits, construction):
    assert formulas(construction).evaluate(bits) == observed(construction, bits)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 40), st.integers(2, 9))
def test_ceil_log_is_exact_at_powers(power, base):
    assert ceil_log(base**power, base) == power
    assert ceil_log(base**power + 1, base) == power + 1
    if power:
        assert ceil_log(base**power - 1, base) == power - (base**power - 1 <= base ** (power - 1))


def test_formulas_are_sympy_expressions_in_n():
    assert formulas("minterm").neurons == 2 ** (n - 1)
    assert sympy.simplify(formulas("symmetric").parameters - (n**2 + 2 * n + 1)) == 0
    assert formulas("xor_tree").gates == n - 1
    assert formulas("xor_tree", k).hidden_layers == ceil_log(n, k)
    assert "lceil" in sympy.latex(formulas("xor_tree").hidden_layers)


def test_ratios_show_the_exponential_gap():
    gap = ratios(20)
    tree = observed("xor_tree", 20)
    assert gap["minterm"]["neurons"] == 2**19 / tree["neurons"]
    assert gap["symmetric"]["neurons"] == 20 / tree["neurons"]
    assert ratios(12)["minterm"]["parameters"] < ratios(16)["minterm"]["parameters"]


def test_formulas_refuse_bits_below_their_range():
    with pytest.raises(ValueError, match="n >= 2"):
        formulas("skip").evaluate(1)


# -- CLI ----------------------------------------------------------------------------

def test_cli_count_bits_json_matches_formulas():
    result = CliRunner().invoke(main, ["count", "--bits", "12", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    for construction in CONSTRUCTIONS:
        assert payload["constructions"][construction]["values"] == observed(construction, 12)
    assert payload["constructions"]["minterm"]["formulas"]["neurons"] == "2**(n - 1)"
    assert payload["ratios"]["minterm"]["neurons"] == 2**11 / observed("xor_tree", 12)["neurons"]


def test_cli_count_bits_table_and_latex():
    table = CliRunner().invoke(main, ["count", "--bits", "16"])
    assert table.exit_code == 0 and "2**(n - 1)" in table.output and "32,768" in table.output
    latex = CliRunner().invoke(main, ["count", "--bits", "8", "--arity", "3", "--latex"])
    assert latex.exit_code == 0
    assert latex.output.startswith(r"\begin{tabular}") and r"\lceil \log_{3} n \rceil" in latex.output


def test_cli_count_needs_exactly_one_source():
    for args in (["count"], ["count", "--bits", "4", "--spec", "mlp 1,1"], ["count", "--bits", "4", "--latex", "--json"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, args
