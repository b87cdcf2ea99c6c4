"""Exact linear separability (expressivity.prove.exact.separable): counts, certificates, and planted wrong ones.

The counts 4, 14, 104 of threshold functions of 1, 2, 3 variables (constants
included) are known; they are also recomputed here by brute force over small
integer weights, independently of the LP.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from expressivity.functions import BooleanFunction, parse_function
from expressivity.prove.exact.separable import (
    HULL_METHOD, THRESHOLD_METHOD, HullCertificate, ThresholdCertificate, check_hull_certificate,
    check_threshold_certificate, separability,
)

KNOWN_COUNTS = {1: 4, 2: 14, 3: 104}


def inputs(n: int) -> np.ndarray:
    """Row k: x_i = bit i of k."""
    return (np.arange(1 << n)[:, None] >> np.arange(n)) & 1


def brute_force_threshold_tables(n: int) -> set[bytes]:
    """Every table [w.x + b > 0] with weights in -3..3 and half-integer bias in -5.5..5.5 (never 0 on an input)."""
    x = inputs(n)
    found = set()
    biases = np.arange(-11, 12, 2) / 2
    for w in itertools.product(range(-3, 4), repeat=n):
        z = x @ np.array(w)
        for b in biases:
            found.add(((z + b) > 0).tobytes())
    return found


def all_functions(n: int):
    for k in range(1 << (1 << n)):
        yield BooleanFunction([(k >> r) & 1 for r in range(1 << n)])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_counts_match_brute_force(n):
    brute = brute_force_threshold_tables(n)
    assert len(brute) == KNOWN_COUNTS[n]  # so the weight range covers every threshold function of n bits
    separable = set()
    for f in all_functions(n):
        s = separability(f)
        assert s.separable is not None, f.hex
        if s.separable:
            assert s.method == THRESHOLD_METHOD and check_threshold_certificate(f, s.certificate), f.hex
            separable.add(np.asarray(f.table, dtype=bool).tobytes())
        else:
            assert s.method == HULL_METHOD and check_hull_certificate(f, s.certificate), f.hex
            assert all(isinstance(v, Fraction) for v in [*s.certificate.lambdas.values(),
                                                          *s.certificate.mus.values()])
    assert separable == brute


@pytest.mark.parametrize("n", [2, 3, 4])
def test_parity_is_not_separable(n):
    f = parse_function("parity", n)
    s = separability(f)
    assert s.separable is False and check_hull_certificate(f, s.certificate)
    assert not check_threshold_certificate(f, s.certificate)
    assert separability(f.negate()).separable is False


@pytest.mark.parametrize("spec, n", [("majority", 3), ("majority", 5), ("threshold:1", 4), ("threshold:3", 4),
                                     ("threshold:2", 4), ("expr:x0 & ~x2", 3), ("hex:00", 3), ("hex:ffff", 4)])
def test_threshold_functions_are_separable(spec, n):
    f = parse_function(spec, n)
    s = separability(f)
    assert s.separable is True and check_threshold_certificate(f, s.certificate)
    # checked here once more, independently: the integer weights on every input
    z = inputs(n) @ np.array(s.certificate.weights, dtype=np.int64) + s.certificate.bias
    assert np.array_equal(z > 0, np.asarray(f.table, dtype=bool))
    assert not check_hull_certificate(f, s.certificate)


def test_planted_wrong_hull_certificates_are_rejected():
    f = parse_function("parity", 3)
    good = separability(f).certificate
    assert check_hull_certificate(f, good)
    lambdas, mus = dict(good.lambdas), dict(good.mus)
    k = next(iter(lambdas))
    # perturb one lambda (the sum breaks), then two of them keeping the sum (the point moves)
    assert not check_hull_certificate(f, HullCertificate({**lambdas, k: lambdas[k] + Fraction(1, 7)}, mus))
    keys = sorted(lambdas)
    if len(keys) >= 2:
        shifted = {**lambdas, keys[0]: lambdas[keys[0]] + Fraction(1, 1000), keys[1]: lambdas[keys[1]] - Fraction(1, 1000)}
        assert not check_hull_certificate(f, HullCertificate(shifted, mus))
    # move a lambda's mass to an input where f = 0, or to one where f = 1 but elsewhere
    zero = next(r for r in range(8) if not f.table[r])
    moved = {key: value for key, value in lambdas.items() if key != k} | {zero: lambdas[k]}
    assert not check_hull_certificate(f, HullCertificate(moved, mus))
    other = next(r for r in range(8) if f.table[r] and r not in lambdas)
    moved = {key: value for key, value in lambdas.items() if key != k} | {other: lambdas[k]}
    assert not check_hull_certificate(f, HullCertificate(moved, mus))
    # floats, negative weights, rows out of range, the wrong type: all refused
    assert not check_hull_certificate(f, HullCertificate({key: float(v) for key, v in lambdas.items()}, mus))
    assert not check_hull_certificate(f, HullCertificate(lambdas, {**mus, 99: Fraction(0)}))
    xor = parse_function("parity", 2)
    assert not check_hull_certificate(xor, HullCertificate({1: Fraction(3, 2), 2: Fraction(-1, 2)},
                                                           {0: Fraction(1, 2), 3: Fraction(1, 2)}))
    assert not check_hull_certificate(f, ThresholdCertificate((1, 1, 1), 0))
    # a separable function has no hull point: the certificate of parity is no proof for majority
    assert not check_hull_certificate(parse_function("majority", 3), good)


def test_planted_wrong_threshold_certificates_are_rejected():
    f = parse_function("majority", 3)
    good = separability(f).certificate
    assert check_threshold_certificate(f, good)
    assert not check_threshold_certificate(f, ThresholdCertificate(good.weights, good.bias + 100))
    assert not check_threshold_certificate(f, ThresholdCertificate(good.weights[:2], good.bias))
    assert not check_threshold_certificate(f, ThresholdCertificate(tuple(float(w) for w in good.weights), good.bias))
    assert not check_threshold_certificate(parse_function("parity", 3), good)


def test_table_input_and_bad_sizes():
    assert separability([0, 1, 1, 0]).separable is False
    assert separability(np.array([0, 0, 0, 1], dtype=bool)).separable is True
    with pytest.raises(ValueError, match="2\\^n rows"):
        separability([0, 1, 1])
