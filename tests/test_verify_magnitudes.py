""""Verified" at every magnitude: weights from 2^-1074 to 2^63, in int64, int32, float64 and float32.

Every verdict is judged by :func:`exact_outputs_of`, a Fraction evaluator written
here that shares nothing with the library: a network that is wrong on some input
must never be "verified", and a right one never refuted.  The targets are made
from the network's own exact outputs (their signs, or the outputs themselves
where they are bits), so that about half of the drawn cases are right and the
other half wrong.  The bounds that decide exactness are checked against the
same evaluator: :meth:`LayeredNet.magnitude_bound` at least the exact bound,
:meth:`LayeredNet.rounding_error_bound` at least the float64 output's real error.
"""
from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import event, given, settings, strategies as st

from expressivity.circuits.build import xor_tree
from expressivity.errors import InputError
from expressivity.networks.compiler import compile_network
from expressivity.networks.layered import LayeredNet, check_dtype
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import parity_reference, table_reference, verify_exhaustive
from expressivity.verify.shallow import verify_shallow

STORAGES = ("int64", "int32", "float64", "float32")
#: Values at the edges: int64's ends, float64's and float32's least subnormals and normals, 2^53 + 1.
EDGES = {
    "int64": [2**63 - 1, -(2**63), 2**62, -(2**62), 2**61, 2**53 + 1, 1, -1],
    "int32": [2**31 - 1, -(2**31), 2**30, 1, -1],
    "float64": [2.0**-1074, 3 * 2.0**-1074, 2.0**-1022, 0.5, 1.0, 2.0**53, 2.0**61, 2.0**62, 2.0**63 - 1024],
    "float32": [2.0**-149, 3 * 2.0**-149, 2.0**-126, 0.5, 1.0, 2.0**24, 2.0**61, 2.0**62, 2.0**63 - 2**39],
}


def values_of(storage: str):
    """Weights of one storage: any binade it holds between 2^-1074 and 2^63, either sign, edges often, zeros."""
    if storage in ("int64", "int32"):
        bits = 63 if storage == "int64" else 31
        binade = st.integers(0, bits - 1).flatmap(lambda e: st.integers(2**e, 2 ** (e + 1) - 1))
        signed = st.tuples(binade, st.booleans()).map(lambda p: -p[0] if p[1] else p[0])
        extra = st.just(-(2**bits))  # the negative end has no positive twin: abs wraps there
    else:
        least, mantissa = (-1074, 52) if storage == "float64" else (-149, 23)
        binade = st.tuples(st.integers(least, 62), st.integers(0, 2**mantissa - 1)).map(
            lambda p: _float_in_binade(p[0], p[1], mantissa, least))
        signed = st.tuples(binade, st.booleans()).map(lambda p: -p[0] if p[1] else p[0])
        extra = st.just(0.0)
    edges = st.sampled_from(EDGES[storage] + [-v for v in EDGES[storage] if v > 0 and storage.startswith("float")])
    return st.one_of(signed, edges, st.just(0), extra)


def _float_in_binade(exponent: int, fraction: int, mantissa: int, least: int) -> float:
    """A value in [2^exponent, 2^(exponent + 1)) that the storage holds exactly, its top bits from ``fraction``.

    Below the normal range the binade's spacing is the least subnormal ``2^least``, so fewer bits fit.
    """
    step = max(exponent - mantissa, least)
    bits = exponent - step
    return math.ldexp((1 << bits) + (fraction >> (mantissa - bits)), step)


@st.composite
def networks(draw):
    """``(storage, weights, biases, skip)`` as nested lists of Python numbers, already held by the storage exactly."""
    storage = draw(st.sampled_from(STORAGES))
    value = values_of(storage)
    n = draw(st.integers(1, 3))
    shape = draw(st.sampled_from(["random", "random", "hidden sum"]))
    if shape == "hidden sum":  # the shape: relu(sum_i B_i x_i + x_k) - sum_i B_i x_i = x_k, B_i >= 0
        top = np.iinfo(storage).max if storage.startswith("int") else math.inf
        big = [min(abs(draw(value)), top) for _ in range(n)]
        k = draw(st.integers(0, n - 1))
        first = [min(b + (i == k), top) for i, b in enumerate(big)]  # a float sum may round: the truth is read back
        hidden = [first] + [[int(j == i) for j in range(n)] for i in range(n)]
        return storage, [hidden, [[1] + [-b for b in big]]], [[0] * (n + 1), [0]], None
    widths = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)) + [1]
    weights, biases, previous = [], [], n
    for width in widths:
        weights.append([[draw(value) for _ in range(previous)] for _ in range(width)])
        biases.append([draw(value) for _ in range(width)])
        previous = width
    skip = [[draw(value) for _ in range(n)]] if draw(st.booleans()) and draw(st.booleans()) else None
    return storage, weights, biases, skip


def build(storage, weights, biases, skip) -> LayeredNet:
    dtype = np.dtype(storage)
    return LayeredNet(
        tuple(sp.csr_array(np.array(w, dtype=dtype)) for w in weights),
        tuple(np.array(b, dtype=dtype) for b in biases),
        None if skip is None else sp.csr_array(np.array(skip, dtype=dtype)),
    )


def stored(net: LayeredNet):
    """The network's values as the Fractions it holds (read back from its arrays, whatever the dtype)."""
    as_fraction = lambda v: Fraction(int(v)) if np.issubdtype(type(v), np.integer) else Fraction(float(v))  # noqa: E731
    matrix = lambda m: [[as_fraction(v) for v in row] for row in m.toarray()]  # noqa: E731
    return ([matrix(w) for w in net.weights], [[as_fraction(v) for v in b] for b in net.biases],
            None if net.skip is None else matrix(net.skip))


def exact_outputs_of(net: LayeredNet, x) -> list[Fraction]:
    """The reference: relu network evaluation in Fractions, one input row at a time."""
    if "_stored" not in net.__dict__:
        net.__dict__["_stored"] = stored(net)  # read once per network (the record is frozen, its dict is not)
    weights, biases, skip = net.__dict__["_stored"]
    h = [Fraction(int(v)) for v in x]
    inputs = h
    for layer, (w, b) in enumerate(zip(weights, biases)):
        h = [sum((wij * hj for wij, hj in zip(row, h)), bi) for row, bi in zip(w, b)]
        if layer < len(weights) - 1:
            h = [max(v, Fraction(0)) for v in h]
    if skip is not None:
        h = [v + sum(s * xi for s, xi in zip(row, inputs)) for v, row in zip(h, skip)]
    return h


def rows_of(n: int) -> list[tuple[int, ...]]:
    return [tuple((index >> i) & 1 for i in range(n)) for index in range(1 << n)]


def is_wrong(values, want, mode) -> bool:
    if mode == "exact":
        return any(v != w for v, w in zip(values, want))
    return any((v if w == 1 else -v) <= 0 for v, w in zip(values, want))


def plain(value: Fraction):
    return value.numerator if value.denominator == 1 else float(value)


def judge(check, net, table, mode, encoding):
    """Assert that ``check`` agrees with the Fraction evaluator on ``net`` against ``table``."""
    n = net.n_inputs
    fed = lambda bits: [2 * b - 1 for b in bits] if encoding == "pm1" else list(bits)  # noqa: E731
    wrong_rows = [index for index, bits in enumerate(rows_of(n))
                  if is_wrong(exact_outputs_of(net, fed(bits)), [table[index]], mode)]
    assert check.status in ("verified", "counterexample"), check  # tiny networks: always decided
    if not wrong_rows:
        assert check.status == "verified", check  # no correct network refuted
        return True
    assert check.status == "counterexample", (wrong_rows, check)  # no wrong network verified
    first = rows_of(n)[wrong_rows[0]]
    assert check.counterexample.bits == first, (wrong_rows, check)  # the first wrong input, in index order
    assert check.counterexample.got == tuple(plain(v) for v in exact_outputs_of(net, fed(first))), check
    return False


@settings(max_examples=300, deadline=None)
@given(case=networks(), mode=st.sampled_from(["sign", "exact"]), encoding=st.sampled_from(["01", "01", "pm1"]),
       flip=st.booleans(), data=st.data())
def test_every_verdict_agrees_with_fractions_at_every_magnitude(case, mode, encoding, flip, data):
    net = build(*case)
    n = net.n_inputs
    fed = lambda bits: [2 * b - 1 for b in bits] if encoding == "pm1" else list(bits)  # noqa: E731
    outputs = [exact_outputs_of(net, fed(bits))[0] for bits in rows_of(n)]
    if mode == "sign":
        table = [int(v > 0) for v in outputs]
    elif all(v in (0, 1) for v in outputs):
        table = [int(v) for v in outputs]
    else:
        table = [int(v > 0) for v in outputs]  # wrong unless the outputs are bits
    if flip:
        at = data.draw(st.integers(0, (1 << n) - 1), label="flipped input")
        table[at] ^= 1
    reference = table_reference(table)
    right = judge(verify_exhaustive(net, reference, mode=mode, encoding=encoding), net, table, mode, encoding)
    event(f"{case[0]}, {'right' if right else 'wrong'}")  # both kinds, in every storage (--hypothesis-show-statistics)
    if net.depth == 1:
        judge(verify_shallow(net, reference, mode=mode, encoding=encoding), net, table, mode, encoding)


@settings(max_examples=150, deadline=None)
@given(case=networks())
def test_the_bounds_hold_against_fractions(case):
    """magnitude_bound >= every exact |value| and partial-sum bound; rounding_error_bound >= the float64 error."""
    net = build(*case)
    weights, biases, skip = stored(net)
    bound = Fraction(1)
    for w, b in zip(weights, biases):
        bound = max((sum(abs(v) for v in row) * bound + abs(bi) for row, bi in zip(w, b)), default=Fraction(0))
    if skip is not None:
        bound += max(sum(abs(v) for v in row) for row in skip)
    claimed = net.magnitude_bound(1.0)
    assert claimed == math.inf or Fraction(claimed) >= bound, (claimed, float(bound))
    error = net.rounding_error_bound(1.0)
    if error == 0.0:
        return  # exact arithmetic claimed: the verdict test checks that it is
    floating = LayeredNet(tuple(w.astype(np.float64) for w in net.weights), tuple(b.astype(np.float64) for b in net.biases),
                          None if net.skip is None else net.skip.astype(np.float64))
    columns = np.array(rows_of(net.n_inputs), dtype=np.float64).T
    with np.errstate(over="ignore", invalid="ignore"):
        got = floating.forward_columns(columns)[0]
    for value, bits in zip(got.tolist(), rows_of(net.n_inputs)):
        truth = exact_outputs_of(net, bits)[0]
        if math.isfinite(value) and math.isfinite(error):
            assert abs(Fraction(value) - truth) <= Fraction(error), (value, float(truth), error)
        else:
            assert not math.isfinite(error)  # float64 overflowed only where the bound says it may


# -- the reproductions ---------------------------------------------------------

def test_int64_magnitude_bound_does_not_wrap_past_2_63():
    """y = x4 through 2^61 (x0 + .. + x3): the int64 row sum 2^63 + 1 wrapped, the bound came out 0."""
    W1 = [[2.0**61] * 4 + [1.0]] + [[1.0 if j == i else 0.0 for j in range(5)] for i in range(4)]
    net = LayeredNet.from_dense([W1, [[1.0] + [-(2.0**61)] * 4]], [[0.0] * 5, [0.0]])
    assert net.integer_form().magnitude_bound() >= 2**63 + 1
    assert [exact_outputs_of(net, bits)[0] for bits in rows_of(5)] == [bits[4] for bits in rows_of(5)]
    wrong = table_reference([int(k == 16) for k in range(32)])  # x4 and no other bit: wrong at input 17
    for check in (verify_exhaustive(net, wrong), verify_shallow(net, wrong)):
        assert check.status == "counterexample", check
        assert check.counterexample.bits == (1, 0, 0, 0, 1) and check.counterexample.got == (1,)
    right = table_reference([k >> 4 for k in range(32)])
    assert verify_exhaustive(net, right).verified and verify_shallow(net, right).verified


def test_abs_of_the_least_int64_does_not_wrap():
    net = LayeredNet((sp.csr_array(np.array([[-(2**63)]], dtype=np.int64)), sp.csr_array(np.array([[1]], dtype=np.int64))),
                     (np.array([0], dtype=np.int64), np.array([0], dtype=np.int64)))
    assert net.magnitude_bound() >= 2**63
    # relu(-2^63 x) is 0 on both inputs: the network is the constant 0, "not x" is wrong at x = 0
    not_x = table_reference([1, 0])
    assert verify_exhaustive(net, not_x).counterexample.bits == (0,)
    assert verify_exhaustive(net, table_reference([0, 0])).verified


def test_subnormal_rounding_bound_does_not_underflow():
    """0.5 relu(3u x) + 0.5 relu(3u x) - 3u is exactly 0 at x = 1; float64 rounds it to u > 0."""
    u = 2.0**-1074
    net = LayeredNet.from_dense([[[3 * u], [3 * u]], [[0.5, 0.5]]], [[0, 0], [-3 * u]])
    assert exact_outputs_of(net, [1]) == [0] and net.rounding_error_bound() > 0
    for check in (verify_exhaustive(net, parity_reference, mode="sign"), verify_shallow(net, parity_reference, mode="sign")):
        assert check.status == "counterexample", check
        assert check.counterexample.bits == (1,) and check.counterexample.got == (0,)


# -- values that are no numbers, and dtypes the toolkit does not take ------------------

@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_infinite_weights_get_a_verdict_that_says_where(bad):
    net = LayeredNet.from_dense([[[1.0, 2.0], [1.0, 1.0]], [[1.0, bad]]], [[0.0, -1.0], [0.0]])
    for check in (verify_exhaustive(net, parity_reference), verify_shallow(net, parity_reference)):
        assert check.status == "skipped" and not check.verified, check
        assert "layer 2" in check.reason and str(bad) in check.reason and "unit 0, input 1" in check.reason
    biased = LayeredNet.from_dense([[[1.0]], [[1.0]]], [[bad], [0.0]])
    assert "layer 1 has a bias of" in verify_exhaustive(biased, parity_reference).reason
    circuit = xor_tree(2)
    compiled = compile_network(circuit)
    readout = compiled.weights[-1].astype(np.float64)
    readout.data[0] = bad
    certificate = certify(circuit, dataclasses.replace(compiled, weights=compiled.weights[:-1] + (readout,)))
    assert certificate.status == "rejected" and f"has a weight of {bad}" in certificate.reason


def test_half_precision_is_refused_naming_the_dtype():
    half = np.array([[1, 1]], dtype=np.float16)
    with pytest.raises(InputError, match=r"^layer 1 weights: dtype float16\b[^\n]*$"):
        LayeredNet.from_dense([half, [[1.0]]], [[0.0], [0.0]])
    with pytest.raises(InputError, match=r"^layer 2 biases: dtype float16\b"):
        LayeredNet((sp.csr_array(np.array([[1.0, 1.0]])), sp.csr_array(np.array([[1.0]]))),
                   (np.array([0.0]), np.array([0.0], dtype=np.float16)))
    with pytest.raises(InputError, match=r"^layer 1 weights: dtype bfloat16\b"):
        LayeredNet.from_dense([torch.ones((1, 2), dtype=torch.bfloat16), [[1.0]]], [[0.0], [0.0]])
    with pytest.raises(InputError, match=r"^weights.pt, W0: dtype bfloat16\b[^\n]*$"):
        check_dtype(torch.zeros(2, dtype=torch.bfloat16), "weights.pt, W0")
    with pytest.raises(InputError, match=r"^weights.npz, W0: dtype float16\b"):
        check_dtype(torch.zeros(2, dtype=torch.float16), "weights.npz, W0")
    for fine in ("int32", "int64", "float32", "float64", "bool"):
        check_dtype(np.zeros(2, dtype=fine), "weights")


def test_float64_near_its_largest_value_is_decided_exactly():
    """relu(1e308 x0 + 1e308 x1 - 1e308) - 1 overflows float64 at x = (1, 1): its rounding bound is inf, all is exact."""
    net = LayeredNet.from_dense([[[1e308, 1e308]], [[1.0]]], [[-1e308], [-1.0]])
    assert net.rounding_error_bound() == math.inf
    truth = [exact_outputs_of(net, bits)[0] for bits in rows_of(2)]
    assert truth == [-1, -1, -1, Fraction(1e308) - 1]
    assert verify_exhaustive(net, table_reference([0, 0, 0, 1]), mode="sign").verified
    check = verify_exhaustive(net, table_reference([0, 0, 0, 0]), mode="sign")
    assert check.counterexample.bits == (1, 1) and check.counterexample.got == (plain(truth[3]),)
