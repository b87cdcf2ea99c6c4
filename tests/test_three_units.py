"""The three-unit pattern method against references written here: a brute-force sandwich check, the census, the MILP's word.

The reference for step 3 lists the threshold functions of its own (integer
weights in [-3, 3]^n, every cut) and checks the sandwich conditions of every
combination straight from their definition; the fast tables must keep exactly
the combinations it keeps, in the same normal form.
"""
from __future__ import annotations

import itertools
import random
import subprocess
import sys

import numpy as np
import pytest

from expressivity.errors import InputError
from expressivity.functions import parse_function
from expressivity.prove import prove_width_by_patterns
from expressivity.prove.exact.duals import check_infeasibility, check_network
from expressivity.prove.exact.patterns import orbit_minima, preserving_row_maps
from expressivity.prove.exact.three_units import (
    _three_positive, _two_positive, enumerate_three_units, negated_network, separable_subsets, unit_candidates,
)


def own_thresholds(n: int) -> set[int]:
    """Every threshold function of n <= 4 inputs as a row bitmask, by brute force over small integer weights."""
    rows = range(1 << n)
    found = {0}
    for weights in itertools.product(range(-3, 4), repeat=n):
        values = [sum(w for i, w in enumerate(weights) if (k >> i) & 1) for k in rows]
        for cut in set(values):
            found.add(sum(1 << k for k in rows if values[k] >= cut))
    return found


def separable(thresholds, ones: int, zeros: int) -> bool:
    return any(ones & ~t == 0 and zeros & t == 0 for t in thresholds)


def sandwiches_hold(table, patterns, signs, thresholds) -> bool:
    """Step 3 of expressivity.prove.exact.patterns for one combination, from the definitions."""
    rows = range(len(table))
    units = range(len(patterns))
    for size in range(len(units) + 1):
        for chosen in itertools.combinations(units, size):
            ones = zeros = 0
            for k in rows:
                active = {i for i in units if (patterns[i] >> k) & 1}
                same_positive = all((i in active) == (i in chosen) for i in units if signs[i] > 0)
                same_negative = all((i in active) == (i in chosen) for i in units if signs[i] < 0)
                if table[k] and same_positive:
                    ones |= 1 << k
                if not table[k] and same_negative:
                    zeros |= 1 << k
            if not chosen and ones and zeros:                 # the constant piece
                return False
            if chosen and not separable(thresholds, ones, zeros):
                return False
    return True


def random_table(n: int, seed: int) -> np.ndarray:
    rng = random.Random(seed)
    while True:
        table = np.array([rng.random() < 0.5 for _ in range(1 << n)])
        if 0 < table.sum() < len(table):
            return table


@pytest.fixture
def uncapped(monkeypatch):
    """The brute force keeps every combination: so must the enumeration it is compared with."""
    import expressivity.prove.exact.three_units as three_units

    monkeypatch.setattr(three_units, "MAX_SURVIVORS", 10**9)


TABLES = [parse_function("parity", 3).table, random_table(3, 2)]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: "".join(str(int(v)) for v in t))
def test_two_positive_keeps_exactly_the_brute_force_combinations(table, uncapped):
    n = len(table).bit_length() - 1
    thresholds = own_thresholds(n)
    units, _ = unit_candidates(table)
    assert set(int(u) for u in units) == thresholds            # no face of 3 bits needs three units
    _, _, survivors = _two_positive(table, units, None)
    fast = {c.patterns for c in survivors}
    minima = np.unique(orbit_minima(units, preserving_row_maps(table)))
    negatives = set(int(c) for c in random.Random(0).sample(list(minima), min(4, len(minima))))
    slow = {(c, int(a), int(b)) for c in negatives for a in units for b in units
            if a <= b and sandwiches_hold(table, (c, a, b), (-1, 1, 1), thresholds)}
    assert {p for p in fast if p[0] in negatives} == slow
    assert {p[0] for p in fast} <= set(int(c) for c in minima)
    assert all(c.signs == (-1, 1, 1) for c in survivors)


@pytest.mark.parametrize("table", TABLES + [parse_function("majority", 3).table],
                         ids=lambda t: "".join(str(int(v)) for v in t))
def test_three_positive_keeps_exactly_the_brute_force_combinations(table, uncapped):
    n = len(table).bit_length() - 1
    thresholds = sorted(own_thresholds(n))
    units, _ = unit_candidates(table)
    _, _, survivors = _three_positive(table, units, None)
    fast = {c.patterns for c in survivors}
    minima = dict(zip((int(u) for u in units), (int(m) for m in orbit_minima(units, preserving_row_maps(table)))))
    slow = set()
    firsts = random.Random(1).sample(sorted(set(minima.values())), min(3, len(set(minima.values()))))
    fast = {p for p in fast if p[0] in firsts}
    for first in firsts:
        others = [u for u in minima if minima[u] >= first]
        for b, c in itertools.combinations_with_replacement(sorted(others), 2):
            if sandwiches_hold(table, (first, b, c), (1, 1, 1), thresholds):
                slow.add((first, b, c))
    assert fast == slow


def test_separable_subsets_against_brute_force():
    table = random_table(4, 11)
    ones = np.flatnonzero(table)
    zeros_mask = sum(1 << int(k) for k in np.flatnonzero(~table) if k % 3)
    thresholds = own_thresholds(4)
    fast = separable_subsets(4, ones, zeros_mask)
    for subset in range(1 << len(ones)):
        rows = sum(1 << int(ones[j]) for j in range(len(ones)) if (subset >> j) & 1)
        assert fast[subset] == separable(thresholds, rows, zeros_mask)


def test_unit_candidates_drop_exactly_the_units_empty_on_a_face_needing_three():
    table = parse_function("parity", 4).table
    units, faces = unit_candidates(table)
    facets = [sum(1 << k for k in range(16) if (k >> i) & 1 == v) for i in range(4) for v in (0, 1)]
    expected = {t for t in own_thresholds(4) if all(t & m for m in facets)}
    assert set(int(u) for u in units) == expected
    assert len(faces) == 8                       # 3-bit parity and its complement need three units; XOR does not


def test_negated_network_computes_the_complement():
    table = parse_function("majority", 3).table
    proof = prove_width_by_patterns(table, 2)
    assert proof.status == "feasible-certified"
    assert check_network(~table, negated_network(table, proof.network))


@pytest.mark.parametrize("spec, bits", [("parity", 4), ("~parity", 4), ("parity", 3), ("majority", 4)])
def test_width_three_networks_are_checked_here(spec, bits):
    f = parse_function(spec, bits)
    proof = prove_width_by_patterns(f, 3)
    assert proof.status == "feasible-certified"              # every function of 4 bits has 3 units (the census)
    assert len(proof.network.weights) == 3
    assert check_network(f.table, proof.network)


def test_too_many_survivors_is_undecided_and_says_so(monkeypatch):
    import expressivity.prove.exact.three_units as three_units

    monkeypatch.setattr(three_units, "MAX_SURVIVORS", 10)
    three_units._enumerate_complete.cache_clear()          # answers kept under the real limit
    try:
        proof = prove_width_by_patterns(parse_function("parity", 4), 3)
    finally:
        three_units._enumerate_complete.cache_clear()      # and none kept under this one
    assert proof.status == "undecided" and "more than 10 surviving combinations" in proof.reason


def test_five_bit_parity_has_no_three_unit_network():
    f = parse_function("parity", 5)
    proof = prove_width_by_patterns(f, 3)
    assert (proof.status, proof.survivors, proof.programs) == ("proven-infeasible", 0, 0)
    assert proof.first_units == 120 and proof.patterns == 2 * 20177
    assert proof.to_dict()["lemmas"][0].startswith("x0=0,x1=0")


def test_farkas_certificates_of_width_three_check_exactly():
    # every survivor of 3-bit parity's enumeration decided with its certificate: the refuted ones must check
    from expressivity.prove.exact.duals import solve_combination

    table = parse_function("parity", 3).table
    refuted = 0
    for g_is_f, combination in enumerate_three_units(table).survivors[::400]:
        g = table if g_is_f else ~table
        answer = solve_combination(g, combination)
        if answer.status == "infeasible":
            refuted += 1
            assert check_infeasibility(g, combination, answer.multipliers)
        else:
            assert answer.status == "feasible" and check_network(g, answer.network)
    assert refuted > 0


def test_sizes_refused_in_one_line():
    with pytest.raises(InputError, match="n <= 5"):
        prove_width_by_patterns(np.zeros(64, dtype=bool), 3)
    with pytest.raises(InputError, match="at most 20 ones"):
        prove_width_by_patterns(np.array([True] * 31 + [False]), 3)
