"""No false "verified": the verifiers against an exact rational evaluator written here.

The reference is :func:`exact_value`: plain Python Fractions, one input at a
time, sharing no code with the library's arithmetic.  Every network below is
judged by it first; each verifier that accepts the network must then agree.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from conftest import all_inputs
from expressivity.circuits.build import parity_dnf, xor_tree
from expressivity.networks.compiler import compile_network
from expressivity.networks.layered import LayeredNet
from expressivity.networks.shallow import OUTPUT_MODES, build
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import parity_reference, verify_exhaustive
from expressivity.verify.shallow import verify_shallow


def exact_value(weights, biases, skip, x):
    """The outputs for one input row, in Fractions (dense nested lists of Python numbers)."""
    h = [Fraction(v.item() if hasattr(v, "item") else v) for v in x]  # plain Python numbers: no int64 overflow
    inputs = h
    for layer, (w, b) in enumerate(zip(weights, biases)):
        h = [sum((Fraction(wij) * hj for wij, hj in zip(row, h)), Fraction(bi)) for row, bi in zip(w, b)]
        if layer < len(weights) - 1:
            h = [max(v, Fraction(0)) for v in h]
    if skip is not None:
        h = [v + sum(Fraction(s) * xi for s, xi in zip(row, inputs)) for v, row in zip(h, skip)]
    return h


def truly_correct(weights, biases, skip, reference_table, mode, n):
    for x, expected in zip(all_inputs(n), reference_table):
        got = exact_value(weights, biases, skip, x)
        for value, want in zip(got, expected):
            if mode == "exact" and value != want:
                return False
            if mode == "sign" and (value if want == 1 else -value) <= 0:
                return False
    return True


def dense(net: LayeredNet):
    weights = [w.toarray().tolist() for w in net.weights]
    biases = [b.tolist() for b in net.biases]
    skip = None if net.skip is None else net.skip.toarray().tolist()
    return weights, biases, skip


def to_net(weights, biases, skip, plan, real: bool) -> LayeredNet:
    dtype = np.float64 if real else np.int64
    from expressivity.networks.layered import as_csr

    return LayeredNet(
        tuple(as_csr(np.array(w, dtype=dtype), dtype) for w in weights),
        tuple(np.array(b, dtype=dtype) for b in biases),
        None if skip is None else as_csr(np.array(skip, dtype=dtype), dtype),
        plan,
    )


# -- the case the audit found ----------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_integer_valued_float_weights_beyond_2_53_are_not_rounded(dtype):
    big = 2**54
    net = LayeredNet(
        (np.array([[big], [1], [big], [-1]], dtype=dtype), np.array([[1, -1, -1, -1]], dtype=dtype)),
        (np.array([0, 0, 0, 1], dtype=dtype), np.array([1], dtype=dtype)),
    )
    from expressivity.networks.layered import as_csr

    net = LayeredNet(tuple(as_csr(w, dtype) for w in net.weights), net.biases)
    identity = lambda bits: bits[:, :1]  # noqa: E731 - f(x) = x on one bit
    assert exact_value(*dense(net), [1]) == [0]  # the truth: 1 + 2^54 - 1 - 2^54 - 0
    check = verify_exhaustive(net, identity, mode="exact")
    assert check.status == "counterexample", check
    assert check.counterexample.bits == (1,) and check.counterexample.got == (0,)
    # by sign, an output of 0 is wrong for either bit
    assert verify_exhaustive(net, identity, mode="sign").counterexample.bits == (0,)


@pytest.mark.parametrize("exponent", [53, 54, 56, 58, 60])
@pytest.mark.parametrize("real", [False, True])
def test_weights_of_magnitude_2_53_to_2_60(exponent, real):
    """relu(B x0 + 1) - relu(B x0) - x1, B = 2^e: the exact output is 1 - x1 (it is 'not x1')."""
    big = 2**exponent
    weights = [[[big, 0], [big, 0]], [[1, -1]]]
    skip = [[0, -1]]
    biases = [[1, 0], [0]]
    net = to_net(weights, biases, skip, None, real)
    not_x1 = lambda bits: 1 - bits[:, 1:2]  # noqa: E731
    table = not_x1(all_inputs(2))
    for mode in ("exact", "sign"):
        truth = truly_correct(weights, biases, skip, table, mode, 2)
        assert truth == (mode == "exact")  # the output is 0 where not-x1 is 0: right exactly, wrong by sign
        check = verify_exhaustive(net, not_x1, mode=mode)
        assert check.verified == truth, (mode, check)
    wrong = to_net(weights, [[1, 0], [1]], skip, None, real)  # off by one everywhere
    assert verify_exhaustive(wrong, not_x1, mode="exact").status == "counterexample"


def test_real_weights_undecided_by_rounding_are_recomputed_exactly():
    """A real network whose margin is far below its rounding bound: only exact arithmetic decides."""
    rng = np.random.default_rng(3)
    hidden = rng.normal(size=(4, 3))
    readout = rng.normal(size=(1, 4))
    weights, readout_list = hidden.tolist(), readout.tolist()
    n = 3
    values = [exact_value([weights, readout_list], [[0.0] * 4, [0.0]], None, x)[0] for x in all_inputs(n)]
    # choose the output bias so that one input sits a hair (2^-60 relative) above zero
    pivot = max(values, key=abs)
    assert pivot != 0
    bias = -float(pivot) + 2.0**-60 * abs(float(pivot))
    table = np.array([[int(v + Fraction(bias) > 0)] for v in values])
    net = LayeredNet.from_dense([hidden, readout], [np.zeros(4), [bias]])
    assert net.rounding_error_bound() > 2.0**-60 * abs(float(pivot))
    check = verify_exhaustive(net, lambda bits: table[bits @ (1 << np.arange(n))], mode="sign")
    assert check.verified and "exact rational arithmetic" in check.reason
    flipped = table.copy()
    at = values.index(pivot)
    flipped[at] ^= 1
    check = verify_exhaustive(net, lambda bits: flipped[bits @ (1 << np.arange(n))], mode="sign")
    assert check.status == "counterexample"
    assert check.counterexample.bits == tuple(int(b) for b in all_inputs(n)[at])


def test_exact_mode_with_real_weights_is_decided_exactly():
    # 0.1 is not 1/10 in float64: 10 * 0.1 summed exactly is not 1
    net = LayeredNet.from_dense([[[0.1] * 10], [[1.0]]], [[0.0], [0.0]])
    all_ones = lambda bits: bits.min(axis=1, keepdims=True)  # noqa: E731 - AND of 10 bits
    truth = Fraction(0.1) * 10
    assert truth != 1
    assert verify_exhaustive(net, all_ones, mode="exact").status == "counterexample"


# -- mutation testing ------------------------------------------------------------------

MUTATIONS = {
    "+1": lambda v: v + 1,
    "-1": lambda v: v - 1,
    "0": lambda v: 0,
    "+1/2": lambda v: v + 0.5,
    "+2^-40": lambda v: v + 2.0**-40,
    "x2^53": lambda v: v * 2**53,
}


def compiled(circuit):
    return compile_network(circuit), circuit, "exact"


def shallow_case(name, n):
    return build(name, n), None, OUTPUT_MODES[name]


CASES = {
    "xor_tree(4)": lambda: compiled(xor_tree(4)),
    "xor_tree(5, 3)": lambda: compiled(xor_tree(5, 3)),
    "parity_dnf(3)": lambda: compiled(parity_dnf(3)),
    "minterm(3)": lambda: shallow_case("minterm", 3),
    "symmetric(4)": lambda: shallow_case("symmetric", 4),
    "skip(4)": lambda: shallow_case("skip", 4),
    "zigzag(5)": lambda: shallow_case("zigzag", 5),
}


def mutants(net: LayeredNet):
    """Every single-entry change: each weight (zeros too), bias and skip entry, by each mutation."""
    weights, biases, skip = dense(net)
    places = []
    for layer, matrix in enumerate(weights):
        places += [("w", layer, i, j) for i in range(len(matrix)) for j in range(len(matrix[0]))]
        places += [("b", layer, i, None) for i in range(len(biases[layer]))]
    if skip is not None:
        places += [("s", 0, i, j) for i in range(len(skip)) for j in range(len(skip[0]))]
    for (kind, layer, i, j), (label, change) in itertools.product(places, MUTATIONS.items()):
        w = [[list(row) for row in m] for m in weights]
        b = [list(v) for v in biases]
        s = None if skip is None else [list(row) for row in skip]
        target = {"w": lambda: w[layer][i], "b": lambda: b[layer], "s": lambda: s[i]}[kind]()
        index = j if kind != "b" else i
        new = change(target[index])
        if new == target[index]:
            continue
        target[index] = new
        real = any(isinstance(v, float) and not float(v).is_integer() for v in (new,))
        yield f"{kind}{layer}[{i},{j}] {label}", w, b, s, real


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_wrong_mutant_is_caught_by_every_verifier(case):
    net, circuit, mode = CASES[case]()
    n = net.n_inputs
    table = parity_reference(all_inputs(n))
    assert truly_correct(*dense(net), table, mode, n)
    counts = {"mutants": 0, "wrong": 0}
    for label, w, b, s, real in mutants(net):
        truth = truly_correct(w, b, s, table, mode, n)
        counts["mutants"] += 1
        counts["wrong"] += not truth
        # integer mutants twice: int64 storage and the same integers stored as float64
        for as_real in ({True, real} if not real else {True}):
            mutant = to_net(w, b, s, net.plan, as_real)
            check = verify_exhaustive(mutant, parity_reference, mode=mode)
            assert check.status in ("verified", "counterexample"), (label, check)  # small nets: always decided
            assert check.verified == truth, (label, as_real, check)
            if mutant.depth == 1:
                sparse = verify_shallow(mutant, parity_reference, mode=mode)
                if sparse.status != "skipped":
                    assert sparse.verified == truth, (label, as_real, sparse)
            if circuit is not None:
                certificate = certify(circuit, mutant)
                assert certificate.status == "rejected", (label, as_real, certificate)  # any change breaks the wiring
    assert counts["wrong"] > 0.5 * counts["mutants"] > 0, counts
