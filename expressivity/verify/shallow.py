"""Exact verification of one-hidden-layer integer networks, unit by unit.

A one-hidden-layer network computes ``y(x) = c0 + S x + sum_j c_j relu(z_j(x))``
with ``z_j(x) = w_j . x + b_j``.  Running it on all 2^n inputs costs
``2^n * units`` operations: 2^39 for the minterm network at n = 20.  This
verifier instead builds the same table of outputs, exactly, by *branch and
bound over the hypercube*, one unit at a time (vectorised over all units):

* fix the input bits one by one (bit 0 first); a partial assignment of bits
  ``0..d-1`` is a sub-cube whose inputs are the table rows ``prefix + k 2^d``;
* on a sub-cube, ``z_j`` lies between its value so far plus the sum of the
  negative, resp. positive, remaining weights (interval bounds);
* upper bound <= 0: the unit is 0 on the whole sub-cube, drop it;
  lower bound >= 0: the unit is linear there, ``relu(z) = z``, and its
  contribution is added to the sub-cube's rows in closed form;
  otherwise split on the next bit.

The affine part ``c0 + S x`` is added to every row.  Every step is int64
integer arithmetic (the bound of :meth:`LayeredNet.magnitude_bound` is
checked first; networks beyond int64 are computed in Python integers), and the finished table is compared with the reference on
every input, without tolerance.  Each minterm unit is alive on exactly one
branch, so the minterm network at n = 20 (524,288 units) is checked in
seconds; a network whose units are undecided on many sub-cubes can exceed
``max_entries``, and the result then says "skipped" and why.
"""
from __future__ import annotations

import time

import networkx as nx
import numpy as np
import scipy.sparse as sp

from expressivity.networks.layered import LayeredNet
from expressivity.errors import InputError, check_int
from expressivity.verify.exhaustive import Reference, check_verify_arguments, first_wrong, input_bits, reference_outputs
from expressivity.results.progress import progress_bar
from expressivity.verify.exact import MAX_EXACT_OPERATIONS, exact_operations, exact_outputs, scaled_integer_net
from expressivity.verify.record import Counterexample, Verification

METHOD = "exhaustive-sparse"
#: Above this many input bits the table of outputs (8 bytes a row) is not built.
DEFAULT_MAX_BITS = 26
#: Most undecided (unit, sub-cube) pairs held at once; beyond, the result is "skipped".
DEFAULT_MAX_ENTRIES = 1 << 23
#: The most ``max_entries`` may be: 2^30 entries of unit, sub-cube and value take tens of GiB.
MAX_ENTRIES = 1 << 30
#: Units handled together (their dense weight rows are held at once).
UNIT_BLOCK = 1 << 15
#: Rows compared with the reference at a time.
COMPARE_CHUNK = 1 << 18


class FrontierTooLarge(Exception):
    """The branch and bound needs more undecided entries than allowed."""


def verify_shallow(
    net: LayeredNet,
    reference: nx.DiGraph | Reference,
    *,
    mode: str = "exact",
    encoding: str = "01",
    max_bits: int = DEFAULT_MAX_BITS,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    progress: bool = False,
) -> Verification:
    """Check a one-hidden-layer integer network against ``reference`` on every input.

    Same contract as :func:`expressivity.verify.exhaustive.verify_exhaustive`
    (modes ``"exact"``/``"sign"``, encodings ``"01"``/``"pm1"``, the first wrong
    input in index order as the counterexample), with ``method="exhaustive-sparse"``.

    Weights need not have an integer dtype: integer values are used as they
    are, and dyadic ones (every float64) are scaled by a power of two to
    integers, which ReLU's homogeneity allows (:mod:`expressivity.verify.exact`).
    Where that leaves int64 (by the rigorous bound of :meth:`LayeredNet.magnitude_bound`),
    every output is computed in Python integers instead, up to
    :data:`~expressivity.verify.exact.MAX_EXACT_OPERATIONS` multiply-adds, past which
    the result is "skipped" and says so.  A NaN or infinite weight gives "skipped"
    naming it.  Raises
    :class:`~expressivity.errors.InputError` for a network with more than one hidden layer.

    Examples
    --------
    >>> from expressivity.networks.shallow import minterm
    >>> from expressivity.verify.exhaustive import parity_reference
    >>> check = verify_shallow(minterm(12), parity_reference)
    >>> check.status, check.method, check.inputs_checked
    ('verified', 'exhaustive-sparse', 4096)
    >>> bad = LayeredNet.from_dense([[[1, 1], [1, 1]], [[1, -1]]], [[0, -1], [0]])
    >>> verify_shallow(bad, parity_reference).counterexample
    Counterexample(bits=(1, 1), expected=(0,), got=(1,))
    """
    check_verify_arguments(net, reference, mode, encoding, max_bits, progress)
    check_int(max_entries, "max_entries", minimum=1, maximum=MAX_ENTRIES, why="(each entry holds three int64 values)")
    if net.depth != 1:
        raise InputError(f"verify_shallow needs exactly one hidden layer, the network has {net.depth}")
    n = net.n_inputs
    started = time.perf_counter()
    if n > max_bits:
        return Verification(
            "skipped", METHOD, n,
            reason=f"a table of 2^{n} outputs is more than the limit of 2^{max_bits} (raise max_bits)",
            seconds=time.perf_counter() - started,
        )
    problem = net.nonfinite()
    if problem is not None:
        return Verification("skipped", METHOD, n, seconds=time.perf_counter() - started,
                            reason=f"{problem}: the network computes no number there, so nothing is checked")
    # Exact integers whatever the dtype: integer values as they are, dyadic ones scaled by 2^shift.
    scaled = scaled_integer_net(net)
    if scaled is None:
        return _verify_in_python_integers(net, reference, mode, encoding, started,
                                          "int64 cannot hold this network, even with its weights scaled by a power of two")
    original = net
    net, shift = scaled
    first, bias, readout, out_bias, direct = _affine_parts(net, encoding)
    bound = LayeredNet((first, readout), (bias, out_bias), direct).magnitude_bound(1.0)
    if bound >= 2**62:
        return _verify_in_python_integers(original, reference, mode, encoding, started,
                                          f"values of this network may reach {bound:.3g}, beyond int64")
    try:
        table, visited = output_table(first, bias, readout, out_bias, direct, max_entries, progress)
    except FrontierTooLarge as error:
        return Verification("skipped", METHOD, n, reason=str(error), seconds=time.perf_counter() - started)
    return _compare(table, reference, n, mode, visited, started, shift)


def _verify_in_python_integers(net: LayeredNet, reference, mode: str, encoding: str, started: float, why: str):
    """Every output in exact Python-integer arithmetic (:func:`exact_outputs`), for networks int64 cannot hold.

    Skipped, saying ``why`` and the cost, past :data:`MAX_EXACT_OPERATIONS` multiply-adds.
    """
    n = net.n_inputs
    total = 1 << n
    cost = exact_operations(net, total)
    if cost > MAX_EXACT_OPERATIONS:
        return Verification(
            "skipped", METHOD, n, seconds=time.perf_counter() - started,
            reason=f"{why}, and exact arithmetic on all {total} inputs needs {cost:,} multiply-adds, more than the "
            f"limit of {MAX_EXACT_OPERATIONS:,} (use verify_exhaustive)",
        )
    bits = input_bits(n, 0, total)
    got = exact_outputs(net, 2 * bits - 1 if encoding == "pm1" else bits)
    expected = reference_outputs(reference, n, 0, total, bits)
    if expected.shape != got.shape:
        raise InputError(f"the network has {got.shape[1]} outputs, the reference {expected.shape[1]}")
    signed = [[v if e == 1 else -v for v, e in zip(values, want)] for values, want in zip(got, expected)]
    for row, (values, want) in enumerate(zip(got, expected)):
        wrong = any(v != e for v, e in zip(values, want)) if mode == "exact" else min(signed[row]) <= 0
        if wrong:
            example = Counterexample(bits=tuple(int(b) for b in bits[row]), expected=tuple(int(v) for v in want),
                                     got=tuple(_fraction_plain(v) for v in values))
            return Verification(
                "counterexample", METHOD, n, total, example, seconds=time.perf_counter() - started,
                reason=f"wrong on input {row}; {why}, so every output was computed in exact Python-integer arithmetic",
                margin=None if mode == "exact" else float(min(signed[row])),
            )
    return Verification(
        "verified", METHOD, n, total, seconds=time.perf_counter() - started,
        reason=f"all {total} outputs computed exactly: {why}, so in Python-integer arithmetic, no tolerance",
        margin=None if mode == "exact" else float(min(min(row) for row in signed)),
    )


def _fraction_plain(value):
    """An exact output (a Fraction) as an int when it is integral, else a float."""
    return value.numerator if value.denominator == 1 else float(value)


def _affine_parts(net: LayeredNet, encoding: str):
    """The network's matrices, rewritten for 0/1 inputs when it reads -1/+1 (x = 2b - 1)."""
    first, readout = net.weights[0].astype(np.int64), net.weights[1].astype(np.int64)
    bias, out_bias = net.biases[0].astype(np.int64), net.biases[1].astype(np.int64)
    direct = None if net.skip is None else net.skip.astype(np.int64)
    if encoding == "pm1":
        bias = bias - np.asarray(first.sum(axis=1)).ravel()
        first = 2 * first
        if direct is not None:
            out_bias = out_bias - np.asarray(direct.sum(axis=1)).ravel()
            direct = 2 * direct
    return sp.csr_array(first), bias, sp.csr_array(readout), out_bias, direct


def output_table(first, bias, readout, out_bias, direct=None, max_entries=DEFAULT_MAX_ENTRIES, progress=False):
    """The network's outputs on all 2^n inputs, shape ``(2^n, n_outputs)``, int64, exactly.

    Returns the table and the number of (unit, sub-cube) entries the branch
    and bound visited.  Raises :class:`FrontierTooLarge` past ``max_entries``.

    Examples
    --------
    >>> w = sp.csr_array(np.array([[1, 1], [1, 1]])); r = sp.csr_array(np.array([[1, -2]]))
    >>> output_table(w, np.array([0, -1]), r, np.array([0]))[0].ravel().tolist()
    [0, 1, 1, 0]
    """
    units, n = first.shape
    outputs = readout.shape[0]
    table = np.empty((1 << n, outputs), dtype=np.int64)
    for o in range(outputs):
        slopes = np.zeros(n, dtype=np.int64) if direct is None else direct[[o], :].toarray().ravel()
        table[:, o] = _affine_rows(np.int64(out_bias[o]), slopes)
    readout_dense = readout.toarray()
    used = np.flatnonzero(np.any(readout_dense != 0, axis=0))  # units the output reads
    linear: dict[int, list] = {}  # depth -> [constants (2^d, outputs), slopes (2^d, n-d, outputs)]
    visited = 0
    bar = _progress_bar(len(used), progress)
    try:
        for start in range(0, len(used), UNIT_BLOCK):
            block = used[start : start + UNIT_BLOCK]
            visited += _branch_and_bound(
                first[block].toarray(), bias[block], readout_dense[:, block].T, n, table, linear, max_entries
            )
            bar.update(len(block))
    finally:
        bar.close()
    for depth, (constants, slopes) in linear.items():
        rows = table.reshape(1 << (n - depth), 1 << depth, outputs)  # row k, column prefix
        rows += constants[None, :, :]
        for o in range(outputs):
            rows[:, :, o] += _affine_rows(np.zeros(1 << depth, dtype=np.int64), slopes[:, :, o].T)
    return table, visited


def _affine_rows(start, slopes) -> np.ndarray:
    """``start + sum_i slopes[i] * bit_i(k)`` for k = 0..2^len(slopes)-1, by doubling.

    ``start`` is a scalar (then each slope is a scalar) or a vector (then each
    slope is a vector of the same length); row ``k`` of the result belongs to
    the input whose bit ``i`` is bit ``i`` of ``k``.

    Examples
    --------
    >>> _affine_rows(np.int64(0), np.array([1, 10])).tolist()
    [0, 1, 10, 11]
    """
    rows = np.asarray(start, dtype=np.int64)[None, ...]
    for slope in slopes:
        rows = np.concatenate([rows, rows + slope])
    return rows


def _branch_and_bound(weights, bias, coefficients, n, table, linear, max_entries) -> int:
    """Add the contributions of one block of units to ``table`` (dead/linear sub-cubes, see module doc)."""
    positive = np.cumsum(np.maximum(weights, 0)[:, ::-1], axis=1)[:, ::-1]
    negative = np.cumsum(np.minimum(weights, 0)[:, ::-1], axis=1)[:, ::-1]
    zeros = np.zeros((weights.shape[0], 1), dtype=np.int64)
    positive = np.hstack([positive, zeros])  # positive[j, d] = sum of w_j,i > 0 over i >= d
    negative = np.hstack([negative, zeros])
    unit = np.arange(weights.shape[0], dtype=np.int64)
    value = bias.astype(np.int64).copy()
    prefix = np.zeros_like(unit)
    visited = 0
    for depth in range(n + 1):
        visited += len(unit)
        upper = value + positive[unit, depth]
        lower = value + negative[unit, depth]
        alive = upper > 0
        whole = alive & (lower >= 0)
        if whole.any():
            _add_linear(linear, depth, n, unit[whole], value[whole], prefix[whole], weights, coefficients, table)
        split = alive & ~whole
        unit, value, prefix = unit[split], value[split], prefix[split]
        if depth == n or not len(unit):
            break
        if 2 * len(unit) > max_entries:
            raise FrontierTooLarge(
                f"branch and bound needs {2 * len(unit):,} undecided (unit, sub-cube) pairs at bit {depth}, "
                f"more than the limit of {max_entries:,} (use verify_exhaustive)"
            )
        unit = np.concatenate([unit, unit])
        prefix = np.concatenate([prefix, prefix + (1 << depth)])
        value = np.concatenate([value, value + weights[unit[len(unit) // 2 :], depth]])
    return visited


def _add_linear(linear, depth, n, unit, value, prefix, weights, coefficients, table) -> None:
    """Record ``c_j (value + sum_{i >= depth} w_ji x_i)`` on the sub-cubes ``prefix`` of bits below ``depth``."""
    outputs = coefficients.shape[1]
    scale = coefficients[unit]  # (entries, outputs)
    if depth == n:
        np.add.at(table, prefix, scale * value[:, None])
        return
    if depth not in linear:
        linear[depth] = [
            np.zeros((1 << depth, outputs), dtype=np.int64),
            np.zeros((1 << depth, n - depth, outputs), dtype=np.int64),
        ]
    constants, slopes = linear[depth]
    np.add.at(constants, prefix, scale * value[:, None])
    np.add.at(slopes, prefix, weights[unit, depth:][:, :, None] * scale[:, None, :])


def _compare(table, reference, n, mode, visited, started, shift=0) -> Verification:
    """Compare the exact table of ``2^shift`` times the outputs with the reference."""
    total = 1 << n
    margin = np.inf
    for start in range(0, total, COMPARE_CHUNK):
        stop = min(total, start + COMPARE_CHUNK)
        bits = input_bits(n, start, stop)
        expected = reference_outputs(reference, n, start, stop, bits)
        got = table[start:stop]
        target = expected.astype(np.int64) << shift if mode == "exact" else expected
        row, chunk_margin = first_wrong(got, target, mode)
        margin = min(margin, chunk_margin)
        if row is not None:
            example = Counterexample(
                bits=tuple(int(b) for b in bits[row]),
                expected=tuple(int(v) for v in expected[row]),
                got=tuple(_plain(int(v), shift) for v in got[row]),
            )
            return Verification(
                "counterexample", METHOD, n, total, example,
                reason=f"wrong on input {start + row}; outputs of all {total} inputs computed exactly (int64)",
                seconds=time.perf_counter() - started,
                margin=None if mode == "exact" else first_wrong(got[row : row + 1], target[row : row + 1], mode)[1] / 2.0**shift,
            )
    return Verification(
        "verified", METHOD, n, total,
        reason=(
            f"all {total} outputs computed exactly by branch and bound over the hypercube "
            f"({visited:,} unit/sub-cube pairs), int64"
            + (f" (weights scaled by 2^{shift} to integers)" if shift else "") + ", no tolerance"
        ),
        seconds=time.perf_counter() - started,
        margin=None if mode == "exact" else margin / 2.0**shift,
    )


def _plain(value: int, shift: int):
    """``value / 2^shift`` as an int when it is one, else a float."""
    return value >> shift if value % (1 << shift) == 0 else value / 2.0**shift


def _progress_bar(total: int, enabled: bool):
    return progress_bar(total, enabled, desc="verify", unit="unit")
