"""Closed forms against the built objects: every formula, every construction, n = 1..20."""
from __future__ import annotations

import json
from fractions import Fraction
from functools import lru_cache

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.metrics import depth, size
from expressivity.cli import main
from expressivity.counts.symbolic import CONSTRUCTIONS, ceil_log, formulas, k, l, n, power_terms, ratios, tree_at_powers
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


def test_ratios_are_exact_and_show_the_exponential_gap():
    gap = ratios(20)
    tree = observed("xor_tree", 20)
    assert gap["minterm"]["neurons"] == Fraction(2**19, tree["neurons"])
    assert gap["symmetric"]["neurons"] == Fraction(20, tree["neurons"])
    assert gap["zigzag"] == {q: Fraction(observed("zigzag", 20)[q], tree[q]) for q in ("neurons", "parameters", "nonzero_weights")}
    assert ratios(12)["minterm"]["parameters"] < ratios(16)["minterm"]["parameters"]


def test_ratios_say_where_they_do_not_apply():
    assert ratios(3)["zigzag"] is None and ratios(4)["zigzag"] is not None
    assert ratios(1)["skip"] is None
    at_one = ratios(1)["minterm"]  # the tree at n = 1 has no units but 2 parameters (the output reads x0)
    assert at_one["neurons"] is None and at_one["parameters"] == Fraction(observed("minterm", 1)["parameters"], 2)


# -- the XOR tree at n = k^d --------------------------------------------------------

POWERS = [(2, d) for d in range(1, 6)] + [(3, d) for d in range(1, 4)] + [(4, 1), (4, 2), (4, 3), (5, 1), (5, 2), (7, 2)]


@pytest.mark.parametrize("arity, d", POWERS)
def test_tree_closed_forms_at_powers_equal_the_built_network(arity, d):
    bits = arity**d
    got = observed("xor_tree", bits, arity)
    for forms in (formulas("xor_tree", arity).at_powers, tree_at_powers(k)):  # numeric k, and k left a symbol
        values = {q: e.xreplace({n: bits, k: arity}) for q, e in forms.items()}
        assert values == {q: got[q] for q in ("neurons", "parameters", "nonzero_weights")}, (arity, d)


def test_tree_closed_forms_agree_with_the_general_formulas_at_large_powers():
    for arity, d in [(2, 10), (2, 16), (3, 8), (5, 5), (10, 4)]:
        general = formulas("xor_tree", arity).evaluate(arity**d, arity)
        forms = formulas("xor_tree", arity).at_powers
        assert {q: forms[q].subs(n, arity**d) for q in forms} == {q: general[q] for q in forms}


def test_tree_closed_forms_need_a_power():
    # at n = 12 (not a power of 2) and n = 1 (d = 0) the closed forms are not the sizes
    assert tree_at_powers(2)["neurons"].subs(n, 12) != observed("xor_tree", 12)["neurons"]
    assert tree_at_powers(2)["nonzero_weights"].subs(n, 1) != observed("xor_tree", 1)["nonzero_weights"]
    by_hand = {"neurons": 2 * (n - 1), "parameters": (5 * n**2 + 6 * n - 5) / 3, "nonzero_weights": 6 * (n - 1)}
    assert all(sympy.expand(tree_at_powers(2)[q] - by_hand[q]) == 0 for q in by_hand)


# -- exact values for large n ---------------------------------------------------------

def test_polynomial_widths_equal_term_by_term_evaluation():
    width = formulas("xor_chain").width
    assert formulas("xor_chain").evaluate(50)["widths"] == [int(width.subs({n: 50, l: i})) for i in range(1, 50)]


@pytest.mark.parametrize("bits", [31, 200, 5000])
def test_power_terms_are_the_exact_values(bits):
    for name in ("dnf", "minterm"):
        f = formulas(name)
        values = f.evaluate(bits)
        for quantity in ("neurons", "parameters", "nonzero_weights", "gates"):
            terms = power_terms(getattr(f, quantity), {n: sympy.Integer(bits)})
            assert sum(c * 2**e for c, e in terms) == values[quantity], (name, quantity)
            assert max(abs(c) for c, _ in terms) < 10 * bits  # short: the power of two is not written out
    width = power_terms(formulas("dnf").width, {n: sympy.Integer(bits), l: sympy.Integer(1)})
    assert width == [(1, bits - 1)]
    assert power_terms(n / 3, {n: sympy.Integer(2)}) is None  # not an integer


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
    assert payload["ratios"]["minterm"]["neurons"] == float(Fraction(2**11, observed("xor_tree", 12)["neurons"]))
    assert payload["constructions"]["zigzag"]["values"] == observed("zigzag", 12)


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
