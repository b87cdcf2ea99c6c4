"""The second lower-bound method (prove/exact/patterns.py, duals.py, by_patterns.py) against independent references.

References: the exact separability decisions of prove/exact/separable.py (hull and
integer-weight certificates) for the list of threshold functions; the
literature's counts of threshold functions (OEIS A000609: 1882 and 94572 for
n = 4, 5); functions.symmetry for the preserving transforms; networks drawn at
random (their own patterns must survive the pruning, and the method must find
a network); the MILP's census for n = 3; planted wrong certificates.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from expressivity.functions import BooleanFunction, parse_function
from expressivity.functions.symmetry import symmetry_group
from expressivity.prove.exact.by_patterns import PATTERN_METHOD, prove_width_by_patterns
from expressivity.prove.exact.duals import (
    CombinationAnswer, ExactNetwork, _row, check_infeasibility, check_network, solve_combination, system,
)
from expressivity.prove.exact.patterns import (
    Combination, check_pattern_size, enumerate_combinations, orbit_minima, preserving_row_maps, table_mask,
    threshold_patterns,
)
from expressivity.prove.exact.separable import separability

#: Threshold functions of n variables, constants included (Muroga 1971; OEIS A000609), written out here.
LITERATURE_COUNTS = {4: 1882, 5: 94572}


def rows(n: int) -> np.ndarray:
    return (np.arange(1 << n)[:, None] >> np.arange(n)) & 1


@pytest.mark.parametrize("n", [1, 2, 3])
def test_threshold_patterns_are_exactly_the_separable_functions(n):
    separable = {k for k in range(1 << (1 << n))
                 if separability(BooleanFunction([(k >> r) & 1 for r in range(1 << n)])).separable}
    assert set(threshold_patterns(n).tolist()) == separable


@pytest.mark.parametrize("n", [4, 5])
def test_threshold_pattern_counts_match_the_literature(n):
    patterns = threshold_patterns(n)
    assert len(patterns) == LITERATURE_COUNTS[n] and len(set(patterns.tolist())) == len(patterns)


def test_threshold_patterns_of_four_bits_have_integer_weights():
    # each listed set is [w.x + b > 0] for some small integer (w, b): found by brute force here
    x = rows(4)
    realised = set()
    for w in itertools.product(range(-3, 4), repeat=4):
        z = x @ np.array(w)
        for b in np.arange(-21, 22, 2) / 2:
            realised.add(table_mask((z + b) > 0))
    assert set(threshold_patterns(4).tolist()) <= realised


@pytest.mark.parametrize("spec,n", [("parity", 3), ("majority", 3), ("random:4", 4), ("hex:0169", 4),
                                    ("threshold:2", 4), ("random:1", 3)])
def test_preserving_row_maps_match_the_symmetry_group(spec, n):
    f = parse_function(spec, n)
    expected = set()
    for t in symmetry_group(f).preserving:
        x = rows(n)
        y = np.zeros_like(x)
        y[:, list(t.perm)] = x ^ np.array(t.flips)      # y[perm[i]] = x[i] XOR flips[i]
        expected.add(tuple((y << np.arange(n)).sum(axis=1).tolist()))
    found = {tuple(m) for m in preserving_row_maps(f.table).tolist()}
    assert found == expected
    assert all((f.table[np.array(m)] == f.table).all() for m in found)


def test_orbit_minima_are_in_the_orbit_and_constant_on_it():
    f = parse_function("hex:0169", 4)
    maps = preserving_row_maps(f.table)
    patterns = threshold_patterns(4).astype(np.int64)
    minima = orbit_minima(patterns, maps)
    for p, m in list(zip(patterns.tolist(), minima.tolist()))[::37]:
        orbit = {sum(((p >> int(s)) & 1) << k for k, s in enumerate(sigma)) for sigma in maps}
        assert m == min(orbit) and m in set(patterns.tolist())


def random_network(rng, n: int, width: int):
    weights = rng.integers(-3, 4, size=(width, n))
    biases = rng.integers(-3, 4, size=width) + rng.choice([0, 0.5])
    out = rng.choice([-2, -1, 1, 2], size=width)
    c = rng.integers(-3, 4) + 0.5
    z = rows(n) @ weights.T + biases
    value = np.maximum(z, 0) @ out + c
    return value > 0, z > 0, np.sign(out).astype(int)


def normal_forms(table, active, signs):
    """Every image of the network's (patterns, signs) under unit order and the preserving transforms."""
    for order in itertools.permutations(range(len(signs))):
        for sigma in preserving_row_maps(table):
            patterns = tuple(table_mask(active[sigma, i]) for i in order)
            yield patterns, tuple(int(signs[i]) for i in order)


@pytest.mark.parametrize("n,width", [(3, 1), (3, 2), (4, 2)])
def test_random_networks_survive_the_pruning_and_are_found(n, width, monkeypatch):
    import expressivity.prove.exact.by_patterns as by_patterns

    rng = np.random.default_rng(7 + n + width)
    for _ in range(3 if n == 4 else 12):
        table, active, signs = random_network(rng, n, width)
        enumeration = enumerate_combinations(table, width)
        survivors = {(c.patterns, c.signs) for c in enumeration.survivors}
        assert any(form in survivors for form in normal_forms(table, active, signs))

        def enumerated(asked, asked_width, deadline=None):  # the proof reuses the enumeration checked above
            assert np.array_equal(asked, table) and asked_width == width and deadline is None
            return enumeration

        monkeypatch.setattr(by_patterns, "enumerate_combinations", enumerated)
        proof = prove_width_by_patterns(table, width)
        monkeypatch.undo()
        assert proof.status == "feasible-certified" and check_network(table, proof.network)


def test_system_rows_match_the_definition():
    rng = np.random.default_rng(3)
    f = parse_function("random:2", 3)
    patterns = threshold_patterns(3).tolist()
    for _ in range(10):
        combination = Combination(tuple(int(p) for p in rng.choice(patterns, 2)), tuple(rng.choice([1, -1], 2)))
        keys, G, h = system(f.table, combination)
        for key, g_row, h_row in zip(keys, G.tolist(), h.tolist()):
            coefficients, right = _row([bool(v) for v in f.table], combination, key)
            assert coefficients == g_row and right == h_row


def test_planted_wrong_certificates_are_rejected():
    f = parse_function("parity", 3)
    answer = solve_combination(f.table, Combination((0b00010110, 0b01101000), (1, 1)))
    assert answer.status == "infeasible"
    good = dict(answer.multipliers)
    assert check_infeasibility(f.table, answer.combination, good)
    for key in good:
        for change in (Fraction(1, 3), -good[key]):          # perturbed, or one row dropped
            wrong = dict(good)
            wrong[key] += change
            assert not check_infeasibility(f.table, answer.combination, wrong)
    assert not check_infeasibility(f.table, answer.combination, {k: float(v) for k, v in good.items()})
    assert not check_infeasibility(f.table, answer.combination, {("unit", 5, 0): Fraction(1)})
    negative = dict(good) | {("output", 0): Fraction(-1)}
    assert not check_infeasibility(f.table, answer.combination, negative)


def test_a_wrong_network_is_not_certified():
    xor = [False, True, True, False]
    right = ExactNetwork(((Fraction(1), Fraction(-1)), (Fraction(-1), Fraction(1))), (Fraction(0), Fraction(0)),
                         (1, 1), Fraction(-1, 2))
    assert check_network(xor, right)
    assert not check_network(xor, ExactNetwork(right.weights, right.biases, (1, 1), Fraction(1, 2)))
    assert not check_network(xor, None)
    assert isinstance(solve_combination(xor, Combination((2, 4), (1, 1))), CombinationAnswer)


@pytest.mark.parametrize("spec", ["parity", "majority", "exactly:1", "hex:69", "hex:1e", "hex:16", "threshold:2"])
def test_agrees_with_the_milp_on_three_bits(spec):
    from expressivity.prove.milp.summary import prove_minimum_width

    f = parse_function(spec, 3)
    summary = prove_minimum_width(3, function=f, variant="sign", time_limit=30)
    assert summary.status == "exact"
    for width in (1, 2):
        proof = prove_width_by_patterns(f, width)
        expected = "feasible-certified" if width >= summary.lower_bound else "proven-infeasible"
        assert proof.status == expected, (spec, width)
        assert proof.method == PATTERN_METHOD


def test_width_two_is_not_enough_for_parity_of_four():
    proof = prove_width_by_patterns(parse_function("parity", 4), 2)
    assert proof.status == "proven-infeasible" and proof.certificates == proof.survivors == proof.programs


def test_time_limit_gives_undecided_and_says_so():
    proof = prove_width_by_patterns(parse_function("hex:06f6", 4), 2, time_limit=0.0)
    assert proof.status == "undecided" and "time limit" in proof.reason


@pytest.mark.parametrize("n,width", [(6, 1), (3, 3), (3, 0)])
def test_sizes_out_of_range_are_refused_in_one_line(n, width):
    with pytest.raises(ValueError) as error:
        check_pattern_size(n, width)
    assert "\n" not in str(error.value)
